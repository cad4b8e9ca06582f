#!/usr/bin/env node
// Bundles each actor package's compiled worker entry (`packages/*/dist/src/worker.js`), and the
// CLI (`apps/node/dist/src/cli.js`), into one file beside it, `worker.bundle.mjs` (`cli.bundle.mjs`),
// with `worker.bundle.json` listing the workspace files it was built from and the lockfile (path
// relative to the bundle, mtime, size). A worker thread then loads one file instead of a few
// hundred modules (rxjs alone is ~300 CommonJS files): module loading was most
// of a node's start-up (docs/PERFORMANCE.md, "bench:node"). The runtime starts a bundle only
// while every listed file is unchanged (runtime's worker-bundle.ts); after a plain `tsc -b` that
// changed one of them (or an install that changed pnpm-lock.yaml) it starts `worker.js` as before,
// so a stale bundle never runs.
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

// ui-bridge too (fastify and its plugins: ~700 modules, a second to load; bundled, a crashed
// ui-bridge runs again well within a second). The page's files are not bundled: the server reads
// them from the package's assets/ at start (static-files.ts finds that directory by its own
// import.meta.url, rewritten below).
const entries = readdirSync(join(root, 'packages'))
  .map(p => ({ file: join(root, 'packages', p, 'dist', 'src', 'worker.js'), external: [] }))
  // The CLI's main thread too (bin/peerconnect.js starts the bundle while it is fresh); the API's
  // server stays a separate import, loaded only by a node that runs the API.
  .concat([{ file: join(root, 'apps', 'node', 'dist', 'src', 'cli.js'), external: ['@peerconnect/ui-bridge'] }])
  .filter(e => existsSync(e.file))

const LOCKFILE = join(root, 'pnpm-lock.yaml')
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

/**
 * rxjs from its ES module build (`dist/esm`) instead of the CommonJS one Node resolves
 * (`dist/cjs`, whose index requires every operator): esbuild then keeps only what is used,
 * ~40 KB instead of ~350 KB in each bundle, which a thread parses at every start.
 */
const rxjsEsm = {
  name: 'rxjs-esm',
  setup (b) {
    b.onResolve({ filter: /^rxjs(\/|$)/ }, async (args) => {
      if (args.pluginData === 'rxjs-esm') return undefined
      const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer,
        pluginData: 'rxjs-esm' })
      if (r.errors.length > 0) return undefined
      const esm = r.path.replace(`${sep}dist${sep}cjs${sep}`, `${sep}dist${sep}esm${sep}`)
      return { path: esm !== r.path && existsSync(esm) ? esm : r.path }
    })
  }
}

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
    plugins: [rxjsEsm, ownLocation(outDir)]
  })
  const inputs = Object.keys(result.metafile.inputs)
    .map(p => resolve(root, p))
    .filter(inWorkspace)
    // The dependencies' files are not listed one by one (fastify's alone are ~700): the lockfile
    // stands for them, so a dependency added, removed or moved to another version makes every
    // bundle stale until the next `pnpm build`.
    .concat(existsSync(LOCKFILE) ? [LOCKFILE] : [])
    .map(f => {
      const s = statSync(f)
      return { path: relative(outDir, f).split(sep).join('/'), mtimeMs: s.mtimeMs, size: s.size }
    })
  writeFileSync(join(outDir, `${name}.bundle.json`), JSON.stringify({ entry: `${name}.js`, inputs }, null, 1) + '\n')
}
process.stdout.write(`bundled ${entries.length} entries in ${Math.round(performance.now() - started)} ms\n`)
