/**
 * How a person runs this binary, for the hints the commands print (`… peers --cursor c`, the
 * demo's banner): `pnpm exec peerconnect` inside a pnpm workspace that links it (this repository
 * after `pnpm install`), else `peerconnect` (installed globally, or on PATH some other way).
 * `PEERCONNECT_COMMAND` overrides it (for wrappers that run the binary under another name).
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

export function invocation (env: NodeJS.ProcessEnv = process.env): string {
  const given = env.PEERCONNECT_COMMAND
  if (given !== undefined && given.trim() !== '') return given.trim()
  cached ??= inWorkspace(fileURLToPath(import.meta.url)) ? 'pnpm exec peerconnect' : 'peerconnect'
  return cached
}

/** True when a directory above `file` holds pnpm-workspace.yaml and a linked `peerconnect` bin. */
function inWorkspace (file: string): boolean {
  let dir = dirname(file)
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return existsSync(join(dir, 'node_modules', '.bin', 'peerconnect'))
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return false
}
