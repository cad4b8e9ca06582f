/**
 * The name a node last ran under, kept in its data dir (`node.json`, `{ "name": … }`) so that
 * `peerconnect start --data-dir D` without `--name` runs under the same name again. Written by
 * `start` on each run; a file that cannot be read as such is ignored (the name is only a default).
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const NODE_FILE = 'node.json'

/** The saved name, or undefined (no file, or one that does not hold a usable name). */
export async function readSavedName (dataDir: string): Promise<string | undefined> {
  let json: unknown
  try {
    json = JSON.parse(await readFile(join(dataDir, NODE_FILE), 'utf8'))
  } catch {
    return undefined
  }
  const name = (json as { name?: unknown } | null)?.name
  return typeof name === 'string' && name.length > 0 && Buffer.byteLength(name, 'utf8') <= 64 ? name : undefined
}

/** Saves `name` (atomically: a temporary file renamed over the old one). */
export async function saveName (dataDir: string, name: string): Promise<void> {
  const file = join(dataDir, NODE_FILE)
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify({ name }) + '\n', { mode: 0o600 })
  await rename(tmp, file)
}
