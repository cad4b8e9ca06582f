import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ID_LENGTH, closest, commonPrefixLength, compareDistance, idFromHex, idToHex, idsEqual, isNodeId, parseIdHex, randomId,
  randomIdWithPrefix, xorDistance } from '../src/id.js'
import type { NodeId } from '../src/id.js'
import { filledId, prng } from './fixtures.js'
import type { Prng } from './fixtures.js'

const big = (id: Uint8Array): bigint => BigInt('0x' + idToHex(id))
const distance = (a: NodeId, b: NodeId): bigint => big(a) ^ big(b)
const ids = (rnd: Prng, n: number): NodeId[] => Array.from({ length: n }, () => rnd.bytes(20))

const basics = suite('id - basics')

basics('id - isNodeId: exactly 20 bytes of Uint8Array', () => {
  assert.is(ID_LENGTH, 20)
  assert.ok(isNodeId(new Uint8Array(20)))
  assert.ok(isNodeId(Buffer.alloc(20)))
  for (const x of [new Uint8Array(19), new Uint8Array(21), new Uint16Array(10), 'a'.repeat(20), null, undefined, Array(20).fill(0)]) {
    assert.not.ok(isNodeId(x))
  }
})

basics('id - idsEqual', () => {
  assert.ok(idsEqual(filledId(1), filledId(1)))
  const b = filledId(1)
  b[19] = 2
  assert.not.ok(idsEqual(filledId(1), b))
  assert.not.ok(idsEqual(filledId(1), new Uint8Array(19).fill(1)))
})

basics('id - hex round trip, lower case out, either case in', () => {
  const rnd = prng(1)
  for (let i = 0; i < 200; i++) {
    const id = rnd.bytes(20)
    const hex = idToHex(id)
    assert.ok(/^[0-9a-f]{40}$/.test(hex))
    assert.is(hex, Buffer.from(id).toString('hex'))
    assert.equal(parseIdHex(hex), id)
    assert.equal(parseIdHex(hex.toUpperCase()), id)
  }
})

basics('id - parseIdHex gives undefined for anything but 40 hex characters', () => {
  for (const x of ['', '0'.repeat(39), '0'.repeat(41), 'g'.repeat(40), ' ' + '0'.repeat(39), '0x' + '0'.repeat(38), 42, null, undefined,
    filledId(1)]) {
    assert.is(parseIdHex(x), undefined, String(x))
  }
})

basics('id - idFromHex throws ERR_INVALID_ID where parseIdHex gives undefined', () => {
  assert.equal(idFromHex('ff'.repeat(20)), filledId(0xff))
  let err: { code?: unknown, name?: unknown } | undefined
  try {
    idFromHex('nope')
  } catch (e) {
    err = e as typeof err
  }
  assert.is(err?.code, 'ERR_INVALID_ID')
  assert.is(err?.name, 'InvalidIdError')
})

basics('id - randomId: 20 bytes, different each time', () => {
  const seen = new Set<string>()
  for (let i = 0; i < 100; i++) {
    const id = randomId()
    assert.is(id.length, 20)
    seen.add(idToHex(id))
  }
  assert.is(seen.size, 100)
})

basics.run()

const xor = suite('id - XOR distance')

xor('id - xorDistance agrees with BigInt XOR', () => {
  const rnd = prng(2)
  for (let i = 0; i < 500; i++) {
    const [a, b] = ids(rnd, 2) as [NodeId, NodeId]
    assert.is(big(xorDistance(a, b)), distance(a, b))
  }
})

xor('id - compareDistance has the sign of the BigInt comparison', () => {
  const rnd = prng(3)
  for (let i = 0; i < 2000; i++) {
    const [a, b, t] = ids(rnd, 3) as [NodeId, NodeId, NodeId]
    if (i % 10 === 0) b.set(a.subarray(0, rnd.int(20))) // shared prefixes
    const want = distance(a, t) < distance(b, t) ? -1 : distance(a, t) > distance(b, t) ? 1 : 0
    assert.is(Math.sign(compareDistance(a, b, t)), want)
  }
  const a = filledId(5)
  assert.is(compareDistance(a, a.slice(), filledId(9)), 0)
})

xor('id - commonPrefixLength agrees with the BigInt bit length of the XOR', () => {
  const rnd = prng(4)
  for (let i = 0; i < 2000; i++) {
    const a = rnd.bytes(20)
    const b = a.slice()
    const bit = rnd.int(161)
    if (bit < 160) b[bit >> 3] = (b[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7))
    const x = distance(a, b)
    const want = x === 0n ? 160 : 160 - x.toString(2).length
    assert.is(commonPrefixLength(a, b), want)
    if (bit < 160) assert.is(want, bit)
  }
})

xor('id - randomIdWithPrefix shares exactly `bits` leading bits, for every bits 0..159', () => {
  const rnd = prng(5)
  for (let bits = 0; bits < 160; bits++) {
    for (let j = 0; j < 5; j++) {
      const id = rnd.bytes(20)
      assert.is(commonPrefixLength(id, randomIdWithPrefix(id, bits)), bits, `bits ${bits}`)
    }
  }
})

xor.run()

const nearest = suite('id - closest')

nearest('id - closest agrees with a full BigInt sort', () => {
  const rnd = prng(6)
  for (let round = 0; round < 50; round++) {
    const items = ids(rnd, 1 + rnd.int(300))
    const target = rnd.bytes(20)
    const n = 1 + rnd.int(25)
    const want = [...items].sort((a, b) => (distance(a, target) < distance(b, target) ? -1 : 1)).slice(0, n)
    assert.equal(closest(items, target, n).map(idToHex), want.map(idToHex))
  }
})

nearest('id - 20 closest of 10,000', () => {
  const rnd = prng(7)
  const items = ids(rnd, 10_000)
  const target = rnd.bytes(20)
  const got = closest(items, target, 20)
  const want = [...items].sort((a, b) => compareDistance(a, b, target)).slice(0, 20)
  assert.equal(got, want)
})

nearest('id - n <= 0, empty input, n larger than the input', () => {
  const rnd = prng(8)
  const items = ids(rnd, 5)
  assert.equal(closest(items, filledId(0), 0), [])
  assert.equal(closest(items, filledId(0), -3), [])
  assert.equal(closest([], filledId(0), 8), [])
  assert.is(closest(items, filledId(0), 8).length, 5)
})

nearest('id - closest takes any iterable and an id accessor', () => {
  const contacts = new Set([{ id: filledId(0x80), name: 'far' }, { id: filledId(0x01), name: 'near' }, { id: filledId(0x10), name: 'mid' }])
  assert.equal(closest(contacts, filledId(0), 2, c => c.id).map(c => c.name), ['near', 'mid'])
})

nearest('id - the target itself is nearest; duplicates are kept', () => {
  const t = filledId(0x42)
  const got = closest([filledId(0x43), t, t.slice(), filledId(0x40)], t, 3)
  assert.equal(got.slice(0, 2), [t, t])
})

nearest.run()

const seededIds = suite('id - seeded random ids')

seededIds('id - randomId and randomIdWithPrefix draw from a given generator: the same numbers, the same ids', () => {
  const gen = (): () => number => {
    let x = 0
    return () => {
      x = (x * 9301 + 49297) % 233280
      return x / 233280
    }
  }
  const a = gen()
  const b = gen()
  assert.equal(randomId(a), randomId(b))
  const self = randomId(gen())
  const p = randomIdWithPrefix(self, 13, a)
  assert.equal(p, randomIdWithPrefix(self, 13, b))
  assert.is(commonPrefixLength(p, self), 13)
  assert.is(idToHex(new Uint8Array([0, 15, 255, 16])), '000fff10')
})

seededIds.run()
