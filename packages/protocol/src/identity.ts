/**
 * A node's identity: an ed25519 key pair (node:crypto) and its id, SHA-1 of the raw 32-byte
 * public key (docs/PROTOCOL.md, The signed peer record). Keys travel as plain bytes — the raw public key and the PKCS#8 DER
 * private key — so an identity survives msgpack, files and thread hops; KeyObjects are made
 * on demand and cached.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import type { NodeId } from './id.js'
import { BadPrivateKeyError } from './errors.js'
import { KEY_CACHE_SIZE, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './constants.js'

export interface Identity {
  readonly id: NodeId
  /** The raw 32-byte ed25519 public key. */
  readonly publicKey: Uint8Array
  /** The PKCS#8 DER private key. Keep it secret. */
  readonly privateKey: Uint8Array
}

/** A fresh random identity. */
export function generateIdentity (): Identity {
  const { privateKey } = generateKeyPairSync('ed25519')
  return identityOf(privateKey)
}

/**
 * The identity whose ed25519 private key is the 32-byte `seed` (RFC 8032): the same seed, the
 * same identity. For simulations and tests that must be reproducible; a real node's key comes
 * from `generateIdentity`.
 */
export function identityFromSeed (seed: Uint8Array): Identity {
  if (seed.length !== 32) throw new BadPrivateKeyError(`an ed25519 seed is 32 bytes, got ${seed.length}`)
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32)
  pkcs8.set(PKCS8_PREFIX)
  pkcs8.set(seed, PKCS8_PREFIX.length)
  return identityFromPrivateKey(pkcs8)
}

/** The identity of a PKCS#8 DER ed25519 private key; throws BadPrivateKeyError (ERR_BAD_PRIVATE_KEY) otherwise. */
export function identityFromPrivateKey (pkcs8: Uint8Array): Identity {
  let key: KeyObject
  try {
    key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
  } catch (err) {
    throw new BadPrivateKeyError(`not a PKCS#8 DER private key: ${(err as Error).message}`)
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new BadPrivateKeyError(`expected an ed25519 key, got ${String(key.asymmetricKeyType)}`)
  return identityOf(key)
}

/** SHA-1 of the raw public key: the node id that belongs to `publicKey`. */
export function idFromPublicKey (publicKey: Uint8Array): NodeId {
  return new Uint8Array(createHash('sha1').update(publicKey).digest())
}

/** The 64-byte ed25519 signature of `data` by `identity`. */
export function signBytes (identity: Identity, data: Uint8Array): Uint8Array {
  return new Uint8Array(edSign(null, data, privateKeyObject(identity.privateKey)))
}

/** True when `sig` is `publicKey`'s signature of `data`. Never throws. */
export function verifySignature (publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || sig.length !== SIGNATURE_LENGTH) return false
  try {
    return edVerify(null, data, publicKeyObject(publicKey), sig)
  } catch {
    return false
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** DER prefix of an ed25519 SubjectPublicKeyInfo; the raw key follows it. */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

/** DER prefix of an ed25519 PKCS#8 private key (RFC 8410); the 32-byte seed follows it. */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])

const publicKeys = new Map<string, KeyObject>()
const privateKeys = new WeakMap<Uint8Array, KeyObject>()

function identityOf (privateKey: KeyObject): Identity {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  const publicKey = new Uint8Array(spki.subarray(SPKI_PREFIX.length))
  const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }))
  privateKeys.set(pkcs8, privateKey)
  return { id: idFromPublicKey(publicKey), publicKey, privateKey: pkcs8 }
}

function privateKeyObject (pkcs8: Uint8Array): KeyObject {
  let key = privateKeys.get(pkcs8)
  if (key === undefined) {
    key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
    privateKeys.set(pkcs8, key)
  }
  return key
}

function publicKeyObject (raw: Uint8Array): KeyObject {
  const cacheKey = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')
  let key = publicKeys.get(cacheKey)
  if (key !== undefined) {
    publicKeys.delete(cacheKey) // re-insert: the Map's order is the eviction order
    publicKeys.set(cacheKey, key)
    return key
  }
  const spki = new Uint8Array(SPKI_PREFIX.length + PUBLIC_KEY_LENGTH)
  spki.set(SPKI_PREFIX)
  spki.set(raw, SPKI_PREFIX.length)
  key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
  publicKeys.set(cacheKey, key)
  if (publicKeys.size > KEY_CACHE_SIZE) publicKeys.delete(publicKeys.keys().next().value!)
  return key
}
