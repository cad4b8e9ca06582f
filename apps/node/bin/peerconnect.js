#!/usr/bin/env node
// The `peerconnect` binary: runs the compiled CLI (dist/src/cli.js, built by `pnpm build`). This
// file is not compiled, so the package manager can link it before the first build, and a missing
// build is one clear line instead of a module-not-found stack.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../dist/src/cli.js', import.meta.url)
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(`peerconnect: ${fileURLToPath(cli)} is not built yet: run \`pnpm build\` (or \`pnpm start\`) first\n`)
  process.exitCode = 1
} else {
  await import(cli.href)
}
