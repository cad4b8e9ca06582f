#!/usr/bin/env node
// Bundles each actor package's compiled worker entry (`packages/*/dist/src/worker.js`), and the
// CLI (`apps/node/dist/src/cli.js`), into one file beside it, `worker.bundle.mjs` (`cli.bundle.mjs`),
// with `worker.bundle.json` listing the workspace files it
// was built from (path relative to the bundle, mtime, size). A worker thread then loads one file
// instead of a few hundred modules (rxjs alone is ~300 CommonJS files): module loading was most
// of a node's start-up (docs/PERFORMANCE.md, "bench:node"). The runtime starts a bundle only
// while every listed file is unchanged (runtime's worker-bundle.ts); after a plain `tsc -b` that
// changed one of them it starts `worker.js` as before, so a stale bundle never runs.
//
// Run by `pnpm build` after `tsc -b`. Every `import.meta.url` in a bundled module is rewritten
// to that module's own URL (relative to the bundle), so `new URL('./tasks.js', import.meta.url)`
// still names the file it named before bundling.
import { readdirSync, existsSync, statSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const started = performance.now()

// ui-bridge (fastify, its plugins and the web page's files) is left as it is: it starts after the
// node is ready, once, and its dependencies find files of their own at run time.
const SKIP = new Set(['ui-bridge'])
const entries = readdirSync(join(root, 'packages'))
  .filter(p => !SKIP.has(p))
  .map(p => ({ file: join(root, 'packages', p, 'dist', 'src', 'worker.js'), external: [] }))
  // The CLI's main thread too (bin/peerconnect.js starts the bundle while it is fresh); the API's
  // server stays a separate import, loaded only by a node that runs the API.
  .concat([{ file: join(root, 'apps', 'node', 'dist', 'src', 'cli.js'), external: ['@peerconnect/ui-bridge'] }])
  .filter(e => existsSync(e.file))

const inWorkspace = (f) => !f.split(sep).includes('node_modules')

/** Rewrites `import.meta.url` in each workspace module to that module's URL, relative to the bundle. */
const ownUrl = (outDir) => ({
  name: 'own-import-meta-url',
  setup (b) {
    b.onLoad({ filter: /\.m?js$/ }, async (args) => {
      if (!inWorkspace(args.path)) return undefined
      const text = await readFile(args.path, 'utf8')
      if (!text.includes('import.meta.url')) return undefined
      const rel = relative(outDir, args.path).split(sep).join('/')
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js', resolveDir: dirname(args.path) }
    })
  }
})

for (const { file: entry, external } of entries) {
  const outDir = dirname(entry)
  const name = basename(entry, '.js')
  const outfile = join(outDir, `${name}.bundle.mjs`)
  const result = await build({
    entryPoints: [entry],
    external,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    metafile: true,
    absWorkingDir: root,
    logLevel: 'warning',
    legalComments: 'none',
    // CommonJS dependencies call require() for node: builtins; an ES module has none of its own.
    banner: { js: "import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);" },
    plugins: [ownUrl(outDir)]
  })
  const inputs = Object.keys(result.metafile.inputs)
    .map(p => resolve(root, p))
    .filter(inWorkspace)
    .map(f => { const s = statSync(f); return { path: relative(outDir, f).split(sep).join('/'), mtimeMs: s.mtimeMs, size: s.size } })
  writeFileSync(join(outDir, `${name}.bundle.json`), JSON.stringify({ entry: `${name}.js`, inputs }, null, 1) + '\n')
}
process.stdout.write(`bundled ${entries.length} entries in ${Math.round(performance.now() - started)} ms\n`)
