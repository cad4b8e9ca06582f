/**
 * The node's identity key lives in its data dir (`identity.key`, PKCS#8 DER, mode 0600), created
 * on first start. A key file that cannot be read as an ed25519 key is an error, never silently
 * replaced: replacing it would change the node's id.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateIdentity, identityFromPrivateKey } from '@peerconnect/protocol'
import type { Identity } from '@peerconnect/protocol'

export const IDENTITY_FILE = 'identity.key'

export class IdentityFileError extends Error {
  override readonly name = 'IdentityFileError'
  readonly code = 'ERR_IDENTITY_FILE'
}

export async function loadOrCreateIdentity (dataDir: string): Promise<{ identity: Identity, created: boolean }> {
  const file = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = new Uint8Array(await readFile(file))
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw new IdentityFileError(`cannot read ${file}: ${(err as Error).message}`)
  }
  if (bytes !== undefined) {
    try {
      return { identity: identityFromPrivateKey(bytes), created: false }
    } catch (err) {
      throw new IdentityFileError(`${file} is not an ed25519 private key (${(err as Error).message}); move it away to create a new identity`)
    }
  }
  const identity = generateIdentity()
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, identity.privateKey, { mode: 0o600 })
  await rename(tmp, file)
  return { identity, created: true }
}
