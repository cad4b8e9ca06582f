import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto'
import { Encoder, Decoder } from '@msgpack/msgpack'
import { generateIdentity, idFromPublicKey, identityFromPrivateKey, identityFromSeed, signBytes, verifySignature } from '../src/identity.js'
import { bytes, prng } from './fixtures.js'

function codeOf (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return (err as { code?: unknown }).code
  }
  return undefined
}

const keys = suite('identity - keys and ids')

keys('identity - generateIdentity gives a 32-byte public key, PKCS#8 private key, id = SHA-1(public key)', () => {
  const me = generateIdentity()
  assert.is(me.publicKey.length, 32)
  assert.is(me.id.length, 20)
  assert.equal(me.id, new Uint8Array(createHash('sha1').update(me.publicKey).digest()))
  assert.equal([...me.privateKey.subarray(0, 16)], [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
    0x04, 0x20])
})

keys('identity - fields are plain Uint8Arrays (they go through msgpack and postMessage)', () => {
  const me = generateIdentity()
  for (const b of [me.id, me.publicKey, me.privateKey]) assert.is(Object.getPrototypeOf(b), Uint8Array.prototype)
})

keys('identity - two identities differ', () => {
  assert.not.equal(generateIdentity().id, generateIdentity().id)
})

keys('identity - identityFromPrivateKey restores the same identity', () => {
  const me = generateIdentity()
  const again = identityFromPrivateKey(me.privateKey.slice())
  assert.equal(again, me)
})

keys('identity - a key made elsewhere by node:crypto loads, and its public key matches', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const me = identityFromPrivateKey(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })))
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12))
  assert.equal(me.publicKey, raw)
  assert.equal(me.id, idFromPublicKey(raw))
})

keys('identity - identityFromPrivateKey rejects garbage and non-ed25519 keys with ERR_BAD_PRIVATE_KEY', () => {
  assert.is(codeOf(() => identityFromPrivateKey(new Uint8Array(0))), 'ERR_BAD_PRIVATE_KEY')
  assert.is(codeOf(() => identityFromPrivateKey(bytes('not a key at all'))), 'ERR_BAD_PRIVATE_KEY')
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' })
  assert.is(codeOf(() => identityFromPrivateKey(new Uint8Array(ec))), 'ERR_BAD_PRIVATE_KEY')
  const me = generateIdentity()
  assert.is(codeOf(() => identityFromPrivateKey(me.privateKey.subarray(0, 40))), 'ERR_BAD_PRIVATE_KEY')
})

keys.run()

const signatures = suite('identity - signatures')

signatures('identity - sign and verify', () => {
  const me = generateIdentity()
  const data = bytes('hello')
  const sig = signBytes(me, data)
  assert.is(sig.length, 64)
  assert.ok(verifySignature(me.publicKey, data, sig))
})

signatures('identity - signatures are those of node:crypto ed25519 (deterministic)', () => {
  const { privateKey } = generateKeyPairSync('ed25519')
  const me = identityFromPrivateKey(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })))
  const data = bytes('same bytes')
  assert.equal(signBytes(me, data), new Uint8Array(nodeSign(null, data, privateKey)))
})

signatures('identity - wrong data, wrong key, tampered signature fail', () => {
  const me = generateIdentity()
  const other = generateIdentity()
  const data = bytes('hello')
  const sig = signBytes(me, data)
  assert.not.ok(verifySignature(me.publicKey, bytes('hellp'), sig))
  assert.not.ok(verifySignature(other.publicKey, data, sig))
  const bad = sig.slice()
  bad[10] = (bad[10] ?? 0) ^ 1
  assert.not.ok(verifySignature(me.publicKey, data, bad))
})

signatures('identity - wrong lengths and garbage keys return false, never throw', () => {
  const me = generateIdentity()
  const data = bytes('x')
  const sig = signBytes(me, data)
  assert.not.ok(verifySignature(me.publicKey.subarray(1), data, sig))
  assert.not.ok(verifySignature(me.publicKey, data, sig.subarray(1)))
  const rnd = prng(3)
  for (let i = 0; i < 200; i++) assert.not.ok(verifySignature(rnd.bytes(32), data, rnd.bytes(64)))
  assert.not.ok(verifySignature(new Uint8Array(32).fill(0xff), data, sig))
})

signatures('identity - an identity copied through msgpack still signs (no cached KeyObject needed)', () => {
  const me = generateIdentity()
  const copy = new Decoder().decode(new Encoder().encode(me)) as typeof me
  assert.equal(copy, me)
  const data = bytes('copied')
  assert.ok(verifySignature(me.publicKey, data, signBytes(copy, data)))
})

signatures('identity - verification with a cached key gives the same answers', () => {
  const me = generateIdentity()
  const data = bytes('again and again')
  const sig = signBytes(me, data)
  for (let i = 0; i < 5; i++) {
    assert.ok(verifySignature(me.publicKey, data, sig))
    assert.not.ok(verifySignature(me.publicKey, bytes('other'), sig))
  }
})

signatures.run()

const seeded = suite('identity - from a seed')

seeded('identity - the same 32-byte seed gives the same identity, another seed another; it signs and verifies', () => {
  const a = identityFromSeed(new Uint8Array(32).fill(7))
  const b = identityFromSeed(new Uint8Array(32).fill(7))
  const c = identityFromSeed(new Uint8Array(32).fill(8))
  assert.equal(a.id, b.id)
  assert.equal(a.publicKey, b.publicKey)
  assert.not.equal(a.id, c.id)
  assert.equal(a.id, idFromPublicKey(a.publicKey))
  const data = new Uint8Array([1, 2, 3])
  assert.ok(verifySignature(a.publicKey, data, signBytes(b, data)))
  assert.equal(identityFromPrivateKey(a.privateKey).id, a.id)
})

seeded('identity - a seed that is not 32 bytes is refused with ERR_BAD_PRIVATE_KEY', () => {
  assert.is(codeOf(() => identityFromSeed(new Uint8Array(31))), 'ERR_BAD_PRIVATE_KEY')
})

seeded.run()
