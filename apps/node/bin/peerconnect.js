#!/usr/bin/env node
// The `peerconnect` binary: runs the compiled CLI (dist/src/cli.js, built by `pnpm build`). This
// file is not compiled, so the package manager can link it before the first build, and a missing
// build is one clear line instead of a module-not-found stack. When `pnpm build` also wrote
// cli.bundle.mjs (the CLI and everything it imports in one file, much faster to load) and none of
// the files it lists in cli.bundle.json changed since, that bundle runs instead.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../dist/src/cli.js', import.meta.url)
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(`peerconnect: ${fileURLToPath(cli)} is not built yet: run \`pnpm build\` (or \`pnpm start\`) first\n`)
  process.exitCode = 1
} else {
  const bundle = new URL('../dist/src/cli.bundle.mjs', import.meta.url)
  await import(fresh(bundle, new URL('../dist/src/cli.bundle.json', import.meta.url)) ? bundle.href : cli.href)
}

/** Whether the bundle exists and every file its manifest lists has the same mtime and size. */
function fresh (bundle, manifestUrl) {
  try {
    const manifest = JSON.parse(readFileSync(fileURLToPath(manifestUrl), 'utf8'))
    if (manifest.entry !== 'cli.js' || !Array.isArray(manifest.inputs) || manifest.inputs.length === 0) return false
    statSync(fileURLToPath(bundle))
    return manifest.inputs.every(i => {
      const s = statSync(fileURLToPath(new URL(i.path, manifestUrl)))
      return s.mtimeMs === i.mtimeMs && s.size === i.size
    })
  } catch {
    return false
  }
}
