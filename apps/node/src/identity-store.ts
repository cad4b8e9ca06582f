/**
 * The node's identity key lives in its data dir (`identity.key`, PKCS#8 DER, mode 0600), created
 * on first start. A key file that cannot be read as an ed25519 key is an error, never silently
 * replaced: replacing it would change the node's id. A key file that others may read (group or
 * world bits set) still loads, with a warning to fix its mode.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateIdentity, identityFromPrivateKey } from '@peerconnect/protocol'
import type { Identity } from '@peerconnect/protocol'

export const IDENTITY_FILE = 'identity.key'

export class IdentityFileError extends Error {
  override readonly name = 'IdentityFileError'
  readonly code = 'ERR_IDENTITY_FILE'
}

export async function loadOrCreateIdentity (dataDir: string): Promise<{ identity: Identity, created: boolean, warning?: string }> {
  const file = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = new Uint8Array(await readFile(file))
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw new IdentityFileError(`cannot read ${file}: ${(err as Error).message}`)
  }
  if (bytes !== undefined) {
    let identity: Identity
    try {
      identity = identityFromPrivateKey(bytes)
    } catch (err) {
      throw new IdentityFileError(
        `${file} is not an ed25519 private key (${(err as Error).message}); move it away to create a new identity`
      )
    }
    const warning = await exposure(file)
    return warning === undefined ? { identity, created: false } : { identity, created: false, warning }
  }
  const identity = generateIdentity()
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, identity.privateKey, { mode: 0o600 })
  await rename(tmp, file)
  return { identity, created: true }
}

/** A warning when the key file's mode lets others than its owner read it (POSIX only: Windows has no such bits). */
async function exposure (file: string): Promise<string | undefined> {
  if (process.platform === 'win32') return undefined
  try {
    const mode = (await stat(file)).mode & 0o777
    if ((mode & 0o077) === 0) return undefined
    return `${file} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): anyone who reads it can act as this node; run ` +
      `chmod 600 ${file}`
  } catch {
    return undefined
  }
}
