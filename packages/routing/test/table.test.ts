import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compareDistance, commonPrefixLength, idsEqual, minute, randomId, randomIdWithPrefix, seededRandom } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import { RoutingTable, invalidReason } from '../src/table.js'

const self = randomId()

function contact (id: NodeId, extra: Partial<Contact> = {}): Contact {
  return { id, host: '127.0.0.1', port: 6881, lastSeen: 1000, ...extra }
}

const hexOf = (id: NodeId): string => Buffer.from(id).toString('hex')

/** A small seeded PRNG (mulberry32) for the shapes of the tables and queries. */
const mulberry = seededRandom

function inBucket (bits: number): Contact {
  return contact(randomIdWithPrefix(self, bits))
}

/** A table whose bucket 0 (the far half) holds k contacts and refuses more. */
function fullTable (k = 4): { table: RoutingTable, members: Contact[] } {
  const table = new RoutingTable(self, { k })
  const members: Contact[] = []
  for (let i = 0; i < k; i++) {
    const c = contact(randomIdWithPrefix(self, 0), { lastSeen: 1000 + i })
    assert.is(table.add(c).kind, 'added')
    members.push(c)
  }
  return { table, members }
}

// ── validation ──────────────────────────────────────────────────────────────────────────────

const validation = suite('table validation')

validation('validation - rejects ids that are not 20-byte Uint8Arrays without throwing', () => {
  const table = new RoutingTable(self)
  const bad: unknown[] = ['abcdefghij0123456789', null, undefined, 42, new Uint8Array(19), new Uint8Array(21),
    Array.from({ length: 20 }, () => 1), { length: 20 }]
  for (const id of bad) {
    const r = table.add({ ...contact(randomId()), id } as unknown as Contact)
    assert.is(r.kind, 'invalid', `id ${String(id)}`)
  }
  assert.is(table.size, 0)
})

validation('validation - rejects bad hosts and ports', () => {
  const table = new RoutingTable(self)
  const cases: Array<Partial<Contact>> = [
    { host: 'localhost' },
    { host: '' },
    { host: '999.1.1.1' },
    { host: '0.0.0.0' },
    { host: '::' },
    { port: 0 },
    { port: 65536 },
    { port: 1.5 },
    { port: -1 },
    { lastSeen: Number.NaN },
    { rtt: -3 }
  ]
  for (const extra of cases) {
    const r = table.add(contact(randomId(), extra))
    assert.is(r.kind, 'invalid', JSON.stringify(extra))
  }
  assert.is(table.size, 0)
})

validation('validation - accepts IPv4 and IPv6 literals', () => {
  const table = new RoutingTable(self)
  assert.is(table.add(contact(randomId(), { host: '10.0.0.1' })).kind, 'added')
  assert.is(table.add(contact(randomId(), { host: '::1' })).kind, 'added')
  assert.is(table.size, 2)
})

validation('validation - refuses our own id', () => {
  const table = new RoutingTable(self)
  const r = table.add(contact(new Uint8Array(self)))
  assert.equal(r, { kind: 'invalid', reason: 'our own id' })
})

validation('validation - invalidReason never throws on garbage', () => {
  for (const x of [null, undefined, 1, 'x', [], {}, { id: self }, Object.create(null)]) {
    assert.type(invalidReason(x), 'string')
  }
  assert.is(invalidReason(contact(randomId())), undefined)
})

validation('validation - a bad self id throws with a code', () => {
  try {
    new RoutingTable(new Uint8Array(3))
    assert.unreachable('should throw')
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ERR_INVALID_ID')
  }
})

validation('validation - lookups with bad ids return nothing', () => {
  const table = new RoutingTable(self)
  table.add(contact(randomId()))
  const bad = new Uint8Array(5)
  assert.is(table.get(bad), null)
  assert.is(table.remove(bad), null)
  assert.is(table.touch(bad, 1), null)
  assert.is(table.markFailed(bad), false)
  assert.is(table.good(bad, 1), false)
  assert.equal(table.closest(bad, 3), [])
})

validation.run()

// ── add / update ────────────────────────────────────────────────────────────────────────────

const adding = suite('table add')

adding('add - a new contact is added and can be read back', () => {
  const table = new RoutingTable(self)
  const c = contact(randomId(), { rtt: 12 })
  const r = table.add(c)
  assert.is(r.kind, 'added')
  assert.equal(table.get(c.id), c)
  assert.is(table.size, 1)
})

adding('add - a known contact is updated, keeps its rtt when none is given', () => {
  const table = new RoutingTable(self)
  const c = contact(randomId(), { rtt: 12 })
  table.add(c)
  const r = table.add({ id: c.id, host: c.host, port: c.port, lastSeen: 5000 })
  assert.is(r.kind, 'updated')
  assert.equal(table.get(c.id), { ...c, lastSeen: 5000 })
  assert.is(table.size, 1)
})

adding('add - the stored id is a copy of the caller buffer', () => {
  const table = new RoutingTable(self)
  const id = randomId()
  const original = new Uint8Array(id)
  table.add(contact(id))
  id.fill(0)
  assert.ok(table.get(original) !== null)
})

adding('add - a good contact is not moved to another address', () => {
  const table = new RoutingTable(self)
  const c = contact(randomId(), { lastSeen: 1000 })
  table.add(c)
  const r = table.add({ ...c, host: '10.9.9.9', lastSeen: 2000 })
  assert.is(r.kind, 'conflict')
  assert.is(table.get(c.id)?.host, '127.0.0.1')
})

adding('add - a stale or failed contact takes the new address', () => {
  const table = new RoutingTable(self, { goodWindow: 10 * minute })
  const stale = contact(randomId(), { lastSeen: 0 })
  table.add(stale)
  assert.is(table.add({ ...stale, host: '10.0.0.2', lastSeen: 11 * minute }).kind, 'updated')
  assert.is(table.get(stale.id)?.host, '10.0.0.2')
  const failed = contact(randomId(), { lastSeen: 1000 })
  table.add(failed)
  table.markFailed(failed.id)
  assert.is(table.add({ ...failed, port: 7000, lastSeen: 1001 }).kind, 'updated')
  assert.is(table.get(failed.id)?.port, 7000)
})

adding('add - returned contacts are plain data without undefined fields', () => {
  const table = new RoutingTable(self)
  const r = table.add(contact(randomId()))
  assert.is(r.kind, 'added')
  if (r.kind === 'added') assert.not.ok('rtt' in r.contact)
  for (const c of table.all()) assert.equal(Object.keys(c).sort(), ['host', 'id', 'lastSeen', 'port'])
})

adding('held - the contacts as held, one object per contact across calls; a touch stores a new one and leaves the old as it was', () => {
  const table = new RoutingTable(self)
  const c = contact(randomId(), { lastSeen: 5000 })
  table.add(c)
  const before = table.held()[0]
  assert.ok(before !== undefined && table.held()[0] === before)
  assert.ok(table.all()[0] !== before)
  table.touch(c.id, 7000, 33)
  assert.is(before.lastSeen, 5000)
  assert.not.ok('rtt' in before)
  assert.is(table.held()[0]?.lastSeen, 7000)
})

adding('touch - refreshes lastSeen and rtt, never moves lastSeen backwards', () => {
  const table = new RoutingTable(self)
  const c = contact(randomId(), { lastSeen: 5000 })
  table.add(c)
  assert.equal(table.touch(c.id, 7000, 33), { ...c, lastSeen: 7000, rtt: 33 })
  assert.is(table.touch(c.id, 6000)?.lastSeen, 7000)
  assert.is(table.touch(randomId(), 8000), null)
})

adding('remove - removes and returns the contact', () => {
  const table = new RoutingTable(self)
  const c = contact(randomId())
  table.add(c)
  assert.equal(table.remove(c.id), c)
  assert.is(table.get(c.id), null)
  assert.is(table.size, 0)
  assert.is(table.remove(c.id), null)
})

adding.run()

// ── full buckets ────────────────────────────────────────────────────────────────────────────

const full = suite('table full bucket')

full('full - reports the oldest contact and the candidate, evicts nothing', () => {
  const { table, members } = fullTable(4)
  const candidate = contact(randomIdWithPrefix(self, 0), { lastSeen: 9000 })
  const r = table.add(candidate)
  assert.is(r.kind, 'full')
  if (r.kind !== 'full') return
  assert.is(r.bucket, 0)
  assert.equal(r.oldest, members[0])
  assert.equal(r.candidate, candidate)
  assert.is(table.size, 4)
  assert.is(table.get(candidate.id), null)
})

full('full - a contact seen again is no longer the oldest', () => {
  const { table, members } = fullTable(4)
  table.touch(members[0]!.id, 9999)
  const r = table.add(contact(randomIdWithPrefix(self, 0)))
  assert.is(r.kind, 'full')
  if (r.kind === 'full') assert.ok(idsEqual(r.oldest.id, members[1]!.id))
})

full('full - a failed contact is offered before the least recently seen', () => {
  const { table, members } = fullTable(4)
  table.markFailed(members[2]!.id)
  const r = table.add(contact(randomIdWithPrefix(self, 0)))
  assert.is(r.kind, 'full')
  if (r.kind === 'full') assert.ok(idsEqual(r.oldest.id, members[2]!.id))
})

full('full - after the caller removes the oldest, the candidate fits', () => {
  const { table, members } = fullTable(4)
  const candidate = contact(randomIdWithPrefix(self, 0))
  assert.is(table.add(candidate).kind, 'full')
  table.remove(members[0]!.id)
  assert.is(table.add(candidate).kind, 'added')
  assert.is(table.size, 4)
})

full('full - our own bucket splits instead of filling', () => {
  const table = new RoutingTable(self, { k: 4 })
  for (let bits = 1; bits <= 12; bits++) assert.is(table.add(inBucket(bits)).kind, 'added')
  assert.is(table.size, 12)
  assert.ok(table.bucketCount() > 1)
})

full('full - a known contact in a full bucket is still updated', () => {
  const { table, members } = fullTable(4)
  assert.is(table.add({ ...members[3]!, lastSeen: 99999 }).kind, 'updated')
})

full.run()

// ── closest ─────────────────────────────────────────────────────────────────────────────────

const near = suite('table closest')

function bruteClosest (contacts: Contact[], target: NodeId, n: number): Contact[] {
  return [...contacts].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, n)
}

near('closest - matches a brute-force sort over 400 contacts', () => {
  const table = new RoutingTable(self)
  const added: Contact[] = []
  for (let i = 0; i < 2000 && table.size < 400; i++) {
    const c = contact(randomIdWithPrefix(self, i % 24))
    if (table.add(c).kind === 'added') added.push(c)
  }
  assert.is(table.size, added.length)
  for (let t = 0; t < 20; t++) {
    const target = t % 2 === 0 ? randomId() : randomIdWithPrefix(self, t)
    const got = table.closest(target, 8).map(c => c.id)
    const want = bruteClosest(added, target, 8).map(c => c.id)
    assert.equal(got, want)
  }
})

near('closest - the tree walk agrees with brute force for every filter, table shape and n', () => {
  const rnd = mulberry(42)
  for (let round = 0; round < 12; round++) {
    const table = new RoutingTable(self, { k: 8, goodWindow: 10 * minute })
    const added: Contact[] = []
    const failed = new Set<string>()
    for (let i = 0; i < 600; i++) {
      const bits = round % 3 === 0 ? Math.floor(rnd() * 8) : Math.floor(rnd() * 30)
      const c = contact(randomIdWithPrefix(self, bits), { lastSeen: rnd() < 0.3 ? 1 * minute : 20 * minute, port: 1000 + i })
      if (table.add(c).kind !== 'added') continue
      added.push(c)
      if (rnd() < 0.15) {
        table.markFailed(c.id)
        failed.add(hexOf(c.id))
      }
    }
    const isGood = (c: Contact): boolean => !failed.has(hexOf(c.id)) && 21 * minute - c.lastSeen < 10 * minute
    for (let t = 0; t < 25; t++) {
      const target = t % 3 === 0
        ? randomId()
        : t % 3 === 1
        ? randomIdWithPrefix(self, Math.floor(rnd() * 30))
        : added[Math.floor(rnd() * added.length)]!.id
      const n = 1 + Math.floor(rnd() * 20)
      const exclude = rnd() < 0.5 ? added[Math.floor(rnd() * added.length)]!.id : undefined
      const pool = added.filter(c => exclude === undefined || !idsEqual(c.id, exclude))
      const ids = (cs: Contact[]): string[] => cs.map(c => hexOf(c.id))
      assert.equal(ids(table.closest(target, n, { exclude })), ids(bruteClosest(pool, target, n)), `round ${round} target ${t}: plain`)
      const good = bruteClosest(pool.filter(isGood), target, n)
      assert.equal(ids(table.closest(target, n, { goodAt: 21 * minute, exclude })), ids(good), `round ${round} target ${t}: good only`)
      const topped = good.length >= n
        ? good
        : bruteClosest([...good, ...bruteClosest(pool.filter(c => !isGood(c) && !failed.has(hexOf(c.id))), target, n - good.length)],
          target, n)
      assert.equal(ids(table.closest(target, n, { goodAt: 21 * minute, exclude, topUp: true })), ids(topped),
        `round ${round} target ${t}: top-up`)
    }
  }
})

near('closest - returns fewer when the table is small; nothing for n <= 0', () => {
  const table = new RoutingTable(self)
  table.add(contact(randomId()))
  table.add(contact(randomId()))
  assert.is(table.closest(randomId(), 8).length, 2)
  assert.is(table.closest(randomId(), 0).length, 0)
  assert.is(table.closest(randomId(), -1).length, 0)
  assert.is(table.closest(randomId(), 1.7).length, 1)
})

near('closest - goodAt leaves out stale and failed contacts', () => {
  const table = new RoutingTable(self, { goodWindow: 10 * minute })
  const fresh = contact(randomId(), { lastSeen: 20 * minute })
  const stale = contact(randomId(), { lastSeen: 1 * minute })
  const failed = contact(randomId(), { lastSeen: 20 * minute })
  for (const c of [fresh, stale, failed]) table.add(c)
  table.markFailed(failed.id)
  const good = table.closest(randomId(), 8, { goodAt: 21 * minute })
  assert.equal(good.map(c => c.id), [fresh.id])
  assert.is(table.closest(randomId(), 8).length, 3)
  assert.ok(table.good(fresh.id, 21 * minute))
  assert.not.ok(table.good(stale.id, 21 * minute))
  assert.not.ok(table.good(failed.id, 21 * minute))
})

near('closest - a failed contact is good again once seen', () => {
  const table = new RoutingTable(self)
  const c = contact(randomId())
  table.add(c)
  table.markFailed(c.id)
  assert.not.ok(table.good(c.id, c.lastSeen))
  table.touch(c.id, c.lastSeen + 1)
  assert.ok(table.good(c.id, c.lastSeen + 1))
})

near('closest - topUp fills with stale contacts but never with failed ones, nearest first', () => {
  const table = new RoutingTable(self, { goodWindow: 10 * minute })
  const target = randomId()
  const fresh = contact(randomId(), { lastSeen: 20 * minute })
  const stale = [1, 2, 3].map(() => contact(randomId(), { lastSeen: 1 * minute }))
  const failed = contact(randomId(), { lastSeen: 20 * minute })
  for (const c of [fresh, ...stale, failed]) table.add(c)
  table.markFailed(failed.id)
  const got = table.closest(target, 8, { goodAt: 21 * minute, topUp: true })
  assert.is(got.length, 4)
  assert.equal(got.map(c => c.id), bruteClosest([fresh, ...stale], target, 8).map(c => c.id))
  const two = table.closest(target, 2, { goodAt: 21 * minute, topUp: true })
  assert.ok(two.some(c => idsEqual(c.id, fresh.id)), 'the good contact is always kept')
  assert.is(two.length, 2)
})

near('closest - every change is seen at once (after add, update, failure and remove)', () => {
  const table = new RoutingTable(self, { goodWindow: 10 * minute })
  const target = randomId()
  const a = contact(randomIdWithPrefix(target, 100), { lastSeen: 20 * minute })
  const b = contact(randomIdWithPrefix(target, 50), { lastSeen: 20 * minute })
  table.add(b)
  assert.equal(table.closest(target, 1).map(c => c.id), [b.id])
  table.add(a)
  assert.equal(table.closest(target, 1).map(c => c.id), [a.id], 'a closer contact added after a read')
  table.add({ ...a, port: a.port, lastSeen: 21 * minute, rtt: 7 })
  assert.is(table.closest(target, 1)[0]!.rtt, 7, 'an update after a read')
  table.markFailed(a.id)
  assert.equal(table.closest(target, 1, { goodAt: 21 * minute }).map(c => c.id), [b.id], 'a failure after a read')
  table.remove(b.id)
  assert.equal(table.closest(target, 2).map(c => c.id), [a.id], 'a removal after a read')
  assert.equal(table.closest(target, 2, { goodAt: 21 * minute, topUp: true }), [], 'failed contacts never top up')
})

near('closest - topUp changes nothing when enough contacts are good', () => {
  const table = new RoutingTable(self, { goodWindow: 10 * minute })
  const target = randomId()
  const good = [1, 2, 3].map(() => contact(randomId(), { lastSeen: 20 * minute }))
  for (const c of good) table.add(c)
  table.add(contact(randomId(), { lastSeen: 0 }))
  const got = table.closest(target, 3, { goodAt: 21 * minute, topUp: true })
  assert.equal(got.map(c => c.id), bruteClosest(good, target, 3).map(c => c.id))
})

near('closest - exclude leaves one id out', () => {
  const table = new RoutingTable(self)
  const a = contact(randomId())
  const b = contact(randomId())
  table.add(a)
  table.add(b)
  const got = table.closest(a.id, 8, { exclude: a.id })
  assert.equal(got.map(c => c.id), [b.id])
})

near.run()

// ── buckets ─────────────────────────────────────────────────────────────────────────────────

const buckets = suite('table buckets')

buckets('buckets - bucketFill counts contacts per shared prefix length', () => {
  const table = new RoutingTable(self)
  const bits = [0, 0, 1, 3, 3, 3, 7]
  for (const b of bits) table.add(inBucket(b))
  assert.equal(table.bucketFill(), [2, 1, 0, 3, 0, 0, 0, 1])
  assert.equal(new RoutingTable(self).bucketFill(), [])
})

buckets('buckets - bucketOf is the shared prefix length, capped by our own bucket', () => {
  const table = new RoutingTable(self, { k: 2 })
  assert.is(table.bucketCount(), 1)
  const deep = randomIdWithPrefix(self, 30)
  assert.is(table.bucketOf(deep), 0)
  for (let b = 0; b < 6; b++) {
    table.add(inBucket(b))
    table.add(inBucket(b))
  }
  const count = table.bucketCount()
  assert.ok(count > 1)
  assert.is(table.bucketOf(deep), count - 1)
  assert.is(table.bucketOf(randomIdWithPrefix(self, 0)), 0)
  assert.is(commonPrefixLength(deep, self), 30)
})

buckets('buckets - untouched buckets count from createdAt', () => {
  const table = new RoutingTable(self, { createdAt: 5000 })
  assert.is(table.touchedAt(0), 5000)
  assert.equal(table.staleBuckets(5000 + 15 * minute - 1, 15 * minute), [])
  assert.equal(table.staleBuckets(5000 + 15 * minute, 15 * minute), [0])
})

buckets('buckets - adding a contact touches its bucket; stale ones are listed', () => {
  const table = new RoutingTable(self, { k: 2 })
  const members: Contact[] = []
  for (let b = 0; b < 4; b++) {
    for (let i = 0; i < 2; i++) {
      const c = inBucket(b)
      members.push(c)
      table.add(c)
    }
  }
  const n = table.bucketCount()
  assert.ok(n >= 4)
  table.touch(members[2]!.id, 20 * minute)
  const stale = table.staleBuckets(30 * minute, 15 * minute)
  assert.not.ok(stale.includes(1))
  assert.ok(stale.includes(0))
  assert.is(stale.length, n - 1)
})

buckets('buckets - our own bucket counts activity at every deeper prefix', () => {
  const table = new RoutingTable(self, { k: 2 })
  table.add(inBucket(0))
  table.add(inBucket(0))
  table.add(inBucket(1))
  const own = table.bucketCount() - 1
  table.touchBucket(own + 5, 42 * minute)
  assert.is(table.touchedAt(own), 42 * minute)
  table.touchBucket(own, 10 * minute)
  assert.is(table.touchedAt(own), 42 * minute)
})

buckets.run()
