/**
 * The built page: every file under the assets directory, read once at start into memory (the
 * page is small), looked up by exact URL path. Nothing on disk is reachable except these files.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Asset {
  readonly body: Buffer
  readonly type: string
  readonly etag: string
  /** Fingerprinted files (under /static/) never change, so clients may cache them for good. */
  readonly immutable: boolean
}

/** URL path → file. The page itself is `/index.html`. */
export type AssetMap = ReadonlyMap<string, Asset>

export function loadAssets (dir: string = defaultAssetsDir()): AssetMap {
  const map = new Map<string, Asset>()
  if (!existsSync(dir)) return map
  for (const file of walk(dir, 0)) {
    const path = '/' + relative(dir, file).split(sep).join('/')
    const body = readFileSync(file)
    map.set(path, {
      body,
      type: TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: path.startsWith('/static/')
    })
  }
  return map
}

/** `assets/` at the package root, whether this file runs from `src/` or `dist/src/`. */
export function defaultAssetsDir (): string {
  const here = fileURLToPath(new URL('.', import.meta.url))
  const candidates = [join(here, '..', 'assets'), join(here, '..', '..', 'assets')]
  return candidates.find(d => existsSync(join(d, 'index.html'))) ?? candidates[0]!
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2'
}

const MAX_DEPTH = 4

function walk (dir: string, depth: number): string[] {
  if (depth > MAX_DEPTH) return []
  return readdirSync(dir).sort().flatMap(name => {
    const p = join(dir, name)
    const st = statSync(p)
    if (st.isDirectory()) return walk(p, depth + 1)
    return st.isFile() ? [p] : []
  })
}
