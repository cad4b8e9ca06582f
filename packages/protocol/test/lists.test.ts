import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { LIST_COUNT, LIST_IDS, closestListId, isListIndex } from '../src/lists.js'
import { idToHex } from '../src/id.js'
import { prng } from './fixtures.js'

const toBig = (id: Uint8Array): bigint => BigInt('0x' + (idToHex(id) || '0'))

const ids = suite('lists - ids')

ids('lists - there are 20 list ids of 20 bytes', () => {
  assert.is(LIST_COUNT, 20)
  assert.is(LIST_IDS.length, 20)
  for (const id of LIST_IDS) assert.is(id.length, 20)
})

ids('lists - each id is floor(i * 2^160 / 20), checked as BigInt hex', () => {
  for (let i = 0; i < 20; i++) {
    const want = ((BigInt(i) * 2n ** 160n) / 20n).toString(16).padStart(40, '0')
    assert.is(idToHex(LIST_IDS[i]!), want, `list ${i}`)
  }
})

ids('lists - known values: 0, 2^158/5 and 2^159', () => {
  assert.is(idToHex(LIST_IDS[0]!), '0'.repeat(40))
  assert.is(idToHex(LIST_IDS[1]!), '0' + 'c'.repeat(39))
  assert.is(idToHex(LIST_IDS[10]!), '8' + '0'.repeat(39))
})

ids('lists - ids are strictly increasing and evenly spaced (within 1)', () => {
  const step = 2n ** 160n / 20n
  for (let i = 1; i < 20; i++) {
    const gap = toBig(LIST_IDS[i]!) - toBig(LIST_IDS[i - 1]!)
    assert.ok(gap === step || gap === step + 1n, `gap ${i}`)
  }
})

ids('lists - the array is frozen', () => {
  assert.ok(Object.isFrozen(LIST_IDS))
})

ids.run()

const closest = suite('lists - closestListId')

closest('lists - agrees with a BigInt brute force on 5,000 random ids', () => {
  const rnd = prng(20)
  for (let n = 0; n < 5000; n++) {
    const id = rnd.bytes(20)
    const x = toBig(id)
    let best = 0
    for (let i = 1; i < 20; i++) if ((toBig(LIST_IDS[i]!) ^ x) < (toBig(LIST_IDS[best]!) ^ x)) best = i
    const got = closestListId(id)
    assert.is(got.index, best)
    assert.is(got.id, LIST_IDS[best])
  }
})

closest('lists - a list id is closest to itself', () => {
  for (let i = 0; i < 20; i++) assert.is(closestListId(LIST_IDS[i]!).index, i)
})

closest('lists - XOR, not numeric, closeness: 0x7f… is closest to list 9 (0x73…), not list 10 (0x80…)', () => {
  const id = new Uint8Array(20).fill(0xff)
  id[0] = 0x7f
  assert.is(idToHex(LIST_IDS[9]!).slice(0, 2), '73')
  assert.is(closestListId(id).index, 9)
})

closest('lists - isListIndex accepts 0..19 only', () => {
  for (let i = 0; i < 20; i++) assert.ok(isListIndex(i))
  for (const x of [-1, 20, 1.5, '1', NaN, null, undefined]) assert.not.ok(isListIndex(x), String(x))
})

closest.run()
