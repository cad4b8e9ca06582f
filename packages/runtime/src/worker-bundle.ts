/**
 * A worker entry's bundle: `pnpm build` writes `worker.bundle.mjs` beside a compiled
 * `worker.js` (every module it imports in one file) and `worker.bundle.json`, the workspace files
 * it was built from with their mtime and size (tooling/build/bundle-workers.mjs). A thread loads
 * one file much faster than a few hundred modules. The bundle is used only while every listed
 * file is as it was: after a `tsc -b` that changed one, the entry itself starts, as without a
 * bundle. A missing or unreadable manifest means no bundle.
 */
import { readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

interface Manifest {
  entry: string
  inputs: Array<{ path: string, mtimeMs: number, size: number }>
}

const checked = new Map<string, URL | null>()

/** The fresh bundle of a compiled worker entry (`…/worker.js`), or undefined. Checked once per entry per process. */
export function freshBundle (entry: URL): URL | undefined {
  if (entry.protocol !== 'file:' || !/\.js$/.test(entry.pathname)) return undefined
  const known = checked.get(entry.href)
  if (known !== undefined) return known ?? undefined
  const bundle = isFresh(entry) ? new URL(entry.href.replace(/\.js$/, '.bundle.mjs')) : null
  checked.set(entry.href, bundle)
  return bundle ?? undefined
}

/** Forgets what freshBundle found (tests, and a process that rebuilt). */
export function forgetBundles (): void {
  checked.clear()
}

function isFresh (entry: URL): boolean {
  try {
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL(entry.href.replace(/\.js$/, '.bundle.json'))), 'utf8')) as Partial<
      Manifest
    >
    const name = entry.pathname.slice(entry.pathname.lastIndexOf('/') + 1)
    if (manifest.entry !== name || !Array.isArray(manifest.inputs) || manifest.inputs.length === 0) return false
    statSync(fileURLToPath(new URL(entry.href.replace(/\.js$/, '.bundle.mjs'))))
    for (const input of manifest.inputs) {
      const s = statSync(fileURLToPath(new URL(input.path, entry)))
      if (s.mtimeMs !== input.mtimeMs || s.size !== input.size) return false
    }
    return true
  } catch {
    return false
  }
}
