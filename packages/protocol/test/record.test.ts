import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import codec from 'bencode'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { createRecord, isPeerRecord, isWireRecord, recordAddress, recordAddresses, recordHasAddress, recordFromWire, recordSignedBytes,
  recordToWire, recordsEqual, verifyRecord, wireRecordOf } from '../src/record.js'
import type { PeerRecord, VerifyResult } from '../src/record.js'
import { generateIdentity, idFromPublicKey, signBytes } from '../src/identity.js'
import type { Identity } from '../src/identity.js'
import { decodeKrpc, encodeQuery } from '../src/krpc.js'
import { parseQueryArgs } from '../src/krpc-methods.js'
import { encodeAddress } from '../src/compact.js'
import { bytes, prng } from './fixtures.js'

const alice = generateIdentity()
const bob = generateIdentity()
const aliceRec = createRecord(alice, { name: 'alice', host: '192.168.1.7', port: 4000, seq: 3 })

function codeOf (res: VerifyResult): string {
  return res.ok ? 'ok' : res.error.code
}

function thrownCode (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return (err as { code?: unknown }).code
  }
  return undefined
}

/** A record signed by `who` over whatever fields it is given (to forge records that are validly signed). */
function signedBy (who: Identity, rec: Omit<PeerRecord, 'sig'>): PeerRecord {
  return { ...rec, sig: signBytes(who, recordSignedBytes(rec)!) }
}

const create = suite('record - create and verify')

create('record - round trip', () => {
  assert.equal(verifyRecord(aliceRec), { ok: true, record: aliceRec })
  assert.equal(aliceRec.id, alice.id)
  assert.equal(aliceRec.k, alice.publicKey)
  assert.is(aliceRec.n, 'alice')
  assert.is(aliceRec.s, 3)
  assert.equal(recordAddress(aliceRec), { host: '192.168.1.7', port: 4000 })
})

create('record - the signature covers bencoded {a, k, n, s} (checked with node:crypto and the bencode package)', () => {
  const payload = codec.encode({ a: aliceRec.a, k: aliceRec.k, n: Buffer.from('alice'), s: 3 })
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), aliceRec.k])
  assert.ok(nodeVerify(null, payload, createPublicKey({ key: spki, format: 'der', type: 'spki' }), aliceRec.sig))
  assert.equal(recordSignedBytes(aliceRec), payload)
})

create('record - IPv6 addresses and multibyte names', () => {
  const rec = createRecord(alice, { name: 'Zoë 🐢', host: '2001:db8::42', port: 65535, seq: 0 })
  assert.is(rec.a.length, 18)
  assert.is(codeOf(verifyRecord(rec)), 'ok')
  assert.equal(recordAddress(rec), { host: '2001:db8::42', port: 65535 })
})

create('record - names of exactly 64 UTF-8 bytes pass, at every multibyte boundary', () => {
  for (const name of ['a'.repeat(64), 'é'.repeat(32), '✓'.repeat(21) + 'a', '🐢'.repeat(16), '']) {
    assert.is(codeOf(verifyRecord(createRecord(alice, { name, host: '1.2.3.4', port: 1, seq: 1 }))), 'ok', name)
  }
})

create('record - createRecord throws coded errors for a long name, a bad address, a bad sequence, a broken name', () => {
  for (const name of ['a'.repeat(65), 'é'.repeat(32) + 'a', '✓'.repeat(22), '🐢'.repeat(16) + 'a']) {
    assert.is(thrownCode(() => createRecord(alice, { name, host: '1.2.3.4', port: 1, seq: 1 })), 'ERR_NAME_TOO_LONG', name)
  }
  assert.is(thrownCode(() => createRecord(alice, { name: 'a', host: 'localhost', port: 1, seq: 1 })), 'ERR_BAD_ADDRESS')
  assert.is(thrownCode(() => createRecord(alice, { name: 'a', host: '1.2.3.4', port: 0, seq: 1 })), 'ERR_BAD_ADDRESS')
  assert.is(thrownCode(() => createRecord(alice, { name: 'a', host: '1.2.3.4', port: 1, seq: -1 })), 'ERR_RECORD_MALFORMED')
  assert.is(thrownCode(() => createRecord(alice, { name: 'a', host: '1.2.3.4', port: 1, seq: 0.5 })), 'ERR_RECORD_MALFORMED')
  assert.is(thrownCode(() => createRecord(alice, { name: 'a\ud800', host: '1.2.3.4', port: 1, seq: 1 })), 'ERR_RECORD_MALFORMED')
})

create('record - recordsEqual', () => {
  assert.ok(recordsEqual(aliceRec, { ...aliceRec }))
  assert.not.ok(recordsEqual(aliceRec, createRecord(alice, { name: 'alice', host: '192.168.1.7', port: 4000, seq: 4 })))
  assert.not.ok(recordsEqual(aliceRec, createRecord(alice, { name: 'alicE', host: '192.168.1.7', port: 4000, seq: 3 })))
})

create.run()

const reject = suite('record - rejections, each with its own code')

reject('record - forged signature: ERR_BAD_SIGNATURE', () => {
  const sig = aliceRec.sig.slice()
  sig[0] = (sig[0] ?? 0) ^ 0x80
  assert.is(codeOf(verifyRecord({ ...aliceRec, sig })), 'ERR_BAD_SIGNATURE')
  assert.is(codeOf(verifyRecord({ ...aliceRec, sig: new Uint8Array(64) })), 'ERR_BAD_SIGNATURE')
})

reject('record - fields changed after signing: ERR_BAD_SIGNATURE', () => {
  assert.is(codeOf(verifyRecord({ ...aliceRec, n: 'mallory' })), 'ERR_BAD_SIGNATURE')
  assert.is(codeOf(verifyRecord({ ...aliceRec, s: 4 })), 'ERR_BAD_SIGNATURE')
  assert.is(codeOf(verifyRecord({ ...aliceRec, a: encodeAddress('6.6.6.6', 4000)! })), 'ERR_BAD_SIGNATURE')
})

reject('record - swapped key with a matching id (bob\'s key, alice\'s signature): ERR_BAD_SIGNATURE', () => {
  assert.is(codeOf(verifyRecord({ ...aliceRec, k: bob.publicKey, id: bob.id })), 'ERR_BAD_SIGNATURE')
})

reject('record - swapped key, id kept: ERR_ID_MISMATCH', () => {
  assert.is(codeOf(verifyRecord({ ...aliceRec, k: bob.publicKey })), 'ERR_ID_MISMATCH')
})

reject('record - someone else\'s id on a validly signed record: ERR_ID_MISMATCH', () => {
  const mallory = generateIdentity()
  const forged = signedBy(mallory, { id: alice.id, k: mallory.publicKey, n: 'alice', a: aliceRec.a, s: 99 })
  assert.is(codeOf(verifyRecord(forged)), 'ERR_ID_MISMATCH')
  assert.is(codeOf(verifyRecord({ ...forged, id: idFromPublicKey(mallory.publicKey) })), 'ok', 'as itself it is fine')
})

reject('record - 65-byte names, also at multibyte boundaries: ERR_NAME_TOO_LONG', () => {
  for (const n of ['a'.repeat(65), 'é'.repeat(32) + 'a', 'a' + '✓'.repeat(21) + 'a', '🐢'.repeat(16) + 'a']) {
    const rec = signedBy(alice, { id: alice.id, k: alice.publicKey, n, a: aliceRec.a, s: 1 })
    assert.is(codeOf(verifyRecord(rec)), 'ERR_NAME_TOO_LONG', n)
  }
})

reject('record - bad address lengths and port 0: ERR_BAD_ADDRESS', () => {
  for (const a of [new Uint8Array(0), new Uint8Array(5).fill(1), new Uint8Array(7).fill(1), new Uint8Array(17).fill(1),
    new Uint8Array([1, 2, 3, 4, 0, 0])]) {
    const rec = signedBy(alice, { id: alice.id, k: alice.publicKey, n: 'alice', a, s: 1 })
    assert.is(codeOf(verifyRecord(rec)), 'ERR_BAD_ADDRESS', String(a.length))
  }
})

reject('record - replayed older sequence: ERR_STALE_SEQUENCE', () => {
  const older = createRecord(alice, { name: 'alice', host: '192.168.1.7', port: 4000, seq: 2 })
  assert.is(codeOf(verifyRecord(older, { heldSeq: 3 })), 'ERR_STALE_SEQUENCE')
  assert.is(codeOf(verifyRecord(older, { held: aliceRec })), 'ERR_STALE_SEQUENCE')
  assert.is(codeOf(verifyRecord(aliceRec, { heldSeq: 2 })), 'ok', 'newer is fine')
  assert.is(codeOf(verifyRecord(aliceRec, { heldSeq: 3 })), 'ok', 'the same sequence, without the held record to compare')
})

reject('record - same sequence: identical is fine, different is stale', () => {
  assert.is(codeOf(verifyRecord({ ...aliceRec }, { held: aliceRec })), 'ok')
  const moved = createRecord(alice, { name: 'alice', host: '10.0.0.9', port: 4000, seq: 3 })
  assert.is(codeOf(verifyRecord(moved, { held: aliceRec })), 'ERR_STALE_SEQUENCE')
  const next = createRecord(alice, { name: 'alice', host: '10.0.0.9', port: 4000, seq: 4 })
  assert.is(codeOf(verifyRecord(next, { held: aliceRec })), 'ok')
})

reject('record - malformed structure: ERR_RECORD_MALFORMED', () => {
  const bad: unknown[] = [
    null,
    undefined,
    'record',
    42,
    [],
    {},
    { ...aliceRec, id: aliceRec.id.subarray(1) },
    { ...aliceRec, k: aliceRec.k.subarray(1) },
    { ...aliceRec, sig: aliceRec.sig.subarray(1) },
    { ...aliceRec, s: -1 },
    { ...aliceRec, s: 1.5 },
    { ...aliceRec, s: NaN },
    { ...aliceRec, s: '3' },
    { ...aliceRec, s: 2 ** 53 },
    { ...aliceRec, n: 5 },
    { ...aliceRec, n: bytes('alice') },
    { ...aliceRec, a: [1, 2, 3, 4, 0, 1] },
    { ...aliceRec, n: 'a\udc00b' }
  ]
  for (const rec of bad) assert.is(codeOf(verifyRecord(rec)), 'ERR_RECORD_MALFORMED', JSON.stringify(rec)?.slice(0, 60))
})

reject('record - rejections carry name, code and message as plain data', () => {
  const res = verifyRecord({ ...aliceRec, k: bob.publicKey })
  assert.equal(res, { ok: false,
    error: { name: 'IdMismatchError', code: 'ERR_ID_MISMATCH', message: 'peer record id is not SHA-1 of its public key' } })
})

reject('record - nothing throws on garbage (3,000 random shapes)', () => {
  const rnd = prng(31)
  const pieces = (): unknown =>
    rnd.pick([undefined, null, 0, -1, 1.5, 'x', rnd.bytes(rnd.int(70)), rnd.bytes(20), rnd.bytes(32), rnd.bytes(64), rnd.bytes(6), [], {}])
  for (let i = 0; i < 3000; i++) {
    const base: Record<string, unknown> = rnd.int(2) === 0 ? { ...aliceRec } : {}
    for (const key of ['id', 'k', 'n', 'a', 's', 'sig']) if (rnd.int(3) === 0) base[key] = pieces()
    const res = verifyRecord(base, rnd.int(2) === 0 ? {} : { heldSeq: rnd.int(5) })
    assert.type(res.ok, 'boolean')
    if (!res.ok) assert.ok(res.error.code.startsWith('ERR_'))
    const fromWire = recordFromWire(base)
    assert.ok(fromWire === undefined || isPeerRecord(fromWire))
  }
})

reject.run()

const wire = suite('record - wire form')

wire('record - recordToWire / recordFromWire round trip, name as UTF-8 bytes', () => {
  const rec = createRecord(bob, { name: 'bøb', host: '::1', port: 9, seq: 7 })
  const w = recordToWire(rec)
  assert.equal(w.n, bytes('bøb'))
  assert.equal(recordFromWire(w), rec)
  assert.ok(isWireRecord(w))
})

wire('record - through a KRPC pc_announce: encode, decode, guard, verify', () => {
  const packet = encodeQuery(new Uint8Array([1, 2]), 'pc_announce', { id: alice.id, list: 4, record: recordToWire(aliceRec),
    token: bytes('tok') })
  const res = decodeKrpc(packet)
  assert.ok(res.ok && res.msg.y === 'q')
  if (!res.ok || res.msg.y !== 'q') return
  const args = parseQueryArgs('pc_announce', res.msg.a)
  assert.ok(args.ok)
  if (!args.ok) return
  const rec = recordFromWire(args.args.record)
  assert.equal(rec, aliceRec)
  assert.is(codeOf(verifyRecord(rec)), 'ok')
})

wire('record - recordFromWire rejects a name that is not UTF-8, a string name, missing fields', () => {
  const w = recordToWire(aliceRec)
  assert.is(recordFromWire({ ...w, n: new Uint8Array([0x61, 0xff]) }), undefined)
  assert.is(recordFromWire({ ...w, n: 'alice' }), undefined)
  assert.is(recordFromWire({ ...w, sig: undefined }), undefined)
  assert.is(recordFromWire({ ...w, s: -2 }), undefined)
  for (const x of [null, 1, 'x', []]) assert.is(recordFromWire(x), undefined)
})

wire('record - wireRecordOf keeps exactly the six fields', () => {
  const w = { ...recordToWire(aliceRec), extra: 1, ip: bytes('x') }
  assert.equal(Object.keys(wireRecordOf(w)!).sort(), ['a', 'id', 'k', 'n', 's', 'sig'])
  assert.is(wireRecordOf({ ...w, k: 1 }), undefined)
})

wire('record - isPeerRecord checks structure only', () => {
  assert.ok(isPeerRecord(aliceRec))
  assert.ok(isPeerRecord({ ...aliceRec, n: 'changed' }), 'signature is not checked')
  assert.not.ok(isPeerRecord(recordToWire(aliceRec)), 'the wire form has bytes for n')
})

wire('record - recordAddress is undefined for a bad address', () => {
  assert.is(recordAddress({ a: new Uint8Array(3) }), undefined)
})

wire.run()

const dual = suite('record - a second address of the other family (a2)')

dual('a2 - signed over {a, a2, k, n, s}, checked with node:crypto; a record without it signs the old bytes', () => {
  const rec = createRecord(alice, { name: 'alice', host: '10.231.0.2', port: 7000, seq: 5, also: { host: 'fd31::2', port: 7000 } })
  assert.equal(rec.a2, encodeAddress('fd31::2', 7000))
  const signed = codec.encode({ a: Buffer.from(rec.a), a2: Buffer.from(rec.a2!), k: Buffer.from(rec.k), n: Buffer.from('alice'), s: 5 })
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(rec.k)])
  assert.ok(nodeVerify(null, signed, createPublicKey({ key: spki, format: 'der', type: 'spki' }), Buffer.from(rec.sig)),
    'the signature covers a2')
  assert.is(codeOf(verifyRecord(rec)), 'ok')
  const old = codec.encode({ a: Buffer.from(aliceRec.a), k: Buffer.from(aliceRec.k), n: Buffer.from('alice'), s: 3 })
  assert.equal(recordSignedBytes(aliceRec), new Uint8Array(old), 'no a2: the bytes records signed before a2 existed')
  assert.is(aliceRec.a2, undefined)
  assert.equal(recordAddresses(rec), [{ host: '10.231.0.2', port: 7000 }, { host: 'fd31::2', port: 7000 }])
  assert.ok(recordHasAddress(rec, encodeAddress('fd31::2', 7000)!) && recordHasAddress(rec, encodeAddress('10.231.0.2', 7000)!))
  assert.not.ok(recordHasAddress(rec, encodeAddress('fd31::3', 7000)!))
})

dual('a2 - a changed, removed or same-family second address fails; it survives the wire and KRPC', () => {
  const rec = createRecord(bob, { name: 'bob', host: 'fd31::9', port: 7000, seq: 2, also: { host: '10.231.0.9', port: 7000 } })
  assert.is(codeOf(verifyRecord({ ...rec, a2: encodeAddress('10.231.0.66', 7000)! })), 'ERR_BAD_SIGNATURE')
  const { a2: _dropped, ...stripped } = rec
  assert.is(codeOf(verifyRecord(stripped)), 'ERR_BAD_SIGNATURE')
  assert.is(codeOf(verifyRecord(signedBy(bob, { ...stripped, a2: encodeAddress('fd31::10', 7000)! }))), 'ERR_BAD_ADDRESS')
  assert.is(codeOf(verifyRecord(signedBy(bob, { ...stripped, a2: new Uint8Array(5) }))), 'ERR_BAD_ADDRESS')
  assert.is(thrownCode(() => createRecord(bob, { name: 'bob', host: '10.0.0.1', port: 1, seq: 1, also: { host: '10.0.0.2', port: 1 } })),
    'ERR_BAD_ADDRESS')
  const packet = encodeQuery(new Uint8Array([1, 2]), 'pc_announce', { id: bob.id, list: 4, record: recordToWire(rec), token: bytes('tok') })
  const res = decodeKrpc(packet)
  assert.ok(res.ok && res.msg.y === 'q')
  if (!res.ok || res.msg.y !== 'q') return
  const args = parseQueryArgs('pc_announce', res.msg.a)
  assert.ok(args.ok)
  if (!args.ok) return
  const back = recordFromWire(args.args.record)
  assert.equal(back, rec)
  assert.ok(recordsEqual(back!, rec))
  assert.not.ok(recordsEqual(stripped, rec))
  assert.is(codeOf(verifyRecord(back)), 'ok')
  assert.equal(wireRecordOf({ ...recordToWire(rec), extra: 1 }), recordToWire(rec))
})

dual.run()

const readOnly = suite('record - the read-only flag (ro: 1, behind a NAT)')

readOnly(
  'ro - signed over {a, k, n, ro, s}, checked with node:crypto; without it the old bytes; removing or adding it breaks the signature',
  () => {
    const rec = createRecord(alice, { name: 'alice', host: '10.231.0.200', port: 7000, seq: 6, readOnly: true })
    assert.is(rec.ro, 1)
    const signed = codec.encode({ a: Buffer.from(rec.a), k: Buffer.from(rec.k), n: Buffer.from('alice'), ro: 1, s: 6 })
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(rec.k)])
    assert.ok(nodeVerify(null, signed, createPublicKey({ key: spki, format: 'der', type: 'spki' }), Buffer.from(rec.sig)),
      'the signature covers ro')
    assert.is(codeOf(verifyRecord(rec)), 'ok')
    const plain = createRecord(alice, { name: 'alice', host: '192.168.1.7', port: 4000, seq: 3, readOnly: false })
    assert.equal(plain, aliceRec, 'readOnly false: the very record made before ro existed')
    const { ro: _dropped, ...stripped } = rec
    assert.is(codeOf(verifyRecord(stripped)), 'ERR_BAD_SIGNATURE')
    assert.is(codeOf(verifyRecord({ ...aliceRec, ro: 1 })), 'ERR_BAD_SIGNATURE')
    assert.is(codeOf(verifyRecord({ ...rec, ro: 2 })), 'ERR_RECORD_MALFORMED')
    assert.not.ok(recordsEqual(stripped, rec))
  }
)

readOnly('ro - survives the wire and KRPC next to a2; a wire ro other than 1 is malformed', () => {
  const rec = createRecord(bob, { name: 'bob', host: '10.231.0.200', port: 7000, seq: 2, also: { host: 'fd31::9', port: 7000 },
    readOnly: true })
  const packet = encodeQuery(new Uint8Array([1, 2]), 'pc_announce', { id: bob.id, list: 4, record: recordToWire(rec), token: bytes('tok') })
  const res = decodeKrpc(packet)
  if (!res.ok || res.msg.y !== 'q') {
    assert.unreachable('does not decode')
    return
  }
  const args = parseQueryArgs('pc_announce', res.msg.a)
  if (!args.ok) {
    assert.unreachable('bad args')
    return
  }
  const back = recordFromWire(args.args.record)
  assert.equal(back, rec)
  assert.is(codeOf(verifyRecord(back)), 'ok')
  assert.is(recordFromWire({ ...recordToWire(rec), ro: 0 }), undefined)
  assert.not.ok(isWireRecord({ ...recordToWire(rec), ro: new Uint8Array(1) }))
})

readOnly.run()
