/**
 * Which file a worker thread starts. Compiled code (`dist/**.js`) starts directly. A TypeScript
 * entry — a `.ts` URL, or a `.js` URL that does not exist beside a `.ts` that does (sources
 * run by tsx) — starts the package's `bootstrap/tsx-worker.mjs`, which registers tsx in the
 * worker and then imports the entry. Workers inherit `--conditions`, so workspace packages
 * resolve to their sources there too.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { freshBundle } from './worker-bundle.js'

export interface WorkerEntry {
  /** The file the Worker is started with. */
  readonly start: URL
  /** The module the bootstrap imports, when the entry is TypeScript. */
  readonly entry?: string
}

export function resolveWorkerEntry (worker: URL | string): WorkerEntry {
  const url = toUrl(worker)
  const ts = typeScriptSource(url)
  if (ts !== undefined) return { start: packageFile('bootstrap/tsx-worker.mjs'), entry: ts.href }
  return { start: freshBundle(url) ?? url }
}

/** The `.ts` file to run for `url`, or undefined when `url` is runnable JavaScript. */
export function typeScriptSource (url: URL): URL | undefined {
  if (url.protocol !== 'file:') return undefined
  if (/\.[mc]?ts$/.test(url.pathname)) return url
  const m = /\.([mc]?)js$/.exec(url.pathname)
  if (m === null || existsSync(fileURLToPath(url))) return undefined
  const sibling = new URL(url.href.replace(/\.([mc]?)js$/, '.$1ts'))
  return existsSync(fileURLToPath(sibling)) ? sibling : undefined
}

/**
 * A file shipped at the root of this package (`bootstrap/…`), found from both `src/` (run by
 * tsx) and `dist/src/` (compiled).
 */
export function packageFile (rel: string): URL {
  const fromSrc = new URL(`../${rel}`, import.meta.url)
  if (existsSync(fileURLToPath(fromSrc))) return fromSrc
  return new URL(`../../${rel}`, import.meta.url)
}

function toUrl (worker: URL | string): URL {
  if (worker instanceof URL) return worker
  return /^[a-z][a-z0-9+.-]*:/i.test(worker) && !/^[a-z]:[\\/]/i.test(worker) ? new URL(worker) : pathToFileURL(worker)
}
