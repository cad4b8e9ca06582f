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
// Run by `pnpm build` after `tsc -b`. Every `import.meta.url` (and a dependency's `__dirname`)
// in a bundled module is rewritten to that module's own location (relative to the bundle), so
// `new URL('./tasks.js', import.meta.url)` still names the file it named before bundling.
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

/**
 * Keeps each bundled module's idea of where it lives: `import.meta.url` in a workspace module, and
 * `__dirname` / `__filename` in a CommonJS dependency (piscina starts its own worker file by
 * `resolve(__dirname, 'worker.js')`), become that module's own location, relative to the bundle.
 */
const ownLocation = (outDir) => ({
  name: 'own-location',
  setup (b) {
    b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const rel = (p) => JSON.stringify(relative(outDir, p).split(sep).join('/') || '.')
      let out = text
      if (inWorkspace(args.path) && text.includes('import.meta.url')) {
        out = out.replaceAll('import.meta.url', `new URL(${rel(args.path)}, import.meta.url).href`)
      }
      if (/\b__(dirname|filename)\b/.test(text)) {
        out = out.replace(/\b__dirname\b/g, `__pcPath(${rel(dirname(args.path))})`).replace(/\b__filename\b/g,
          `__pcPath(${rel(args.path)})`)
      }
      return out === text ? undefined : { contents: out, loader: 'js', resolveDir: dirname(args.path) }
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
    // and __pcPath(rel) is a path relative to the bundle, for the rewritten __dirname / __filename.
    banner: {
      js: 'import { createRequire as __pcCreateRequire } from \'node:module\'; import { fileURLToPath as __pcFileURLToPath } from ' +
        '\'node:url\'; const require = __pcCreateRequire(import.meta.url); ' +
        'const __pcPath = (rel) => __pcFileURLToPath(new URL(rel, import.meta.url));'
    },
    plugins: [ownLocation(outDir)]
  })
  const inputs = Object.keys(result.metafile.inputs)
    .map(p => resolve(root, p))
    .filter(inWorkspace)
    .map(f => {
      const s = statSync(f)
      return { path: relative(outDir, f).split(sep).join('/'), mtimeMs: s.mtimeMs, size: s.size }
    })
  writeFileSync(join(outDir, `${name}.bundle.json`), JSON.stringify({ entry: `${name}.js`, inputs }, null, 1) + '\n')
}
process.stdout.write(`bundled ${entries.length} entries in ${Math.round(performance.now() - started)} ms\n`)
