import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { generateIdentity, idToHex } from '@peerconnect/protocol'
import type { Identity } from '@peerconnect/protocol'
import { createStore } from '../../src/holding/store.js'
import type { PutResult, Store } from '../../src/holding/store.js'
import { recordOf } from '../fixtures.js'

const TTL = 30_000
const T0 = 1_000_000

function store (opts: { maxPerList?: number, maxPerIp?: number } = {}): Store {
  return createStore({ ttl: TTL, maxPerList: opts.maxPerList ?? 100, maxPerIp: opts.maxPerIp ?? 100 })
}

function codeOf (r: PutResult): string {
  return r.ok ? 'ok' : r.error.code
}

const people: Identity[] = Array.from({ length: 12 }, () => generateIdentity())
const [ada, bob, cy] = people as [Identity, Identity, Identity]

const basics = suite('store - holding')

basics('store - a put record is held, fresh the first time only', () => {
  const s = store()
  const rec = recordOf(ada, { name: 'ada' })
  const first = s.put(3, rec, { now: T0 })
  assert.ok(first.ok && first.fresh)
  const again = s.put(3, rec, { now: T0 + 5 })
  assert.ok(again.ok && !again.fresh)
  assert.equal(s.get(3, ada.id, T0 + 5)?.record, rec)
  assert.is(s.get(4, ada.id, T0 + 5), undefined, 'lists are separate')
  assert.is(s.size(T0 + 5), 1)
  assert.equal(s.lists(T0 + 5), [3])
})

basics('store - an entry carries the wire form, its bencoded size, hex id, host and times', () => {
  const s = store()
  const r = s.put(0, recordOf(ada, { host: '192.168.4.2', name: 'ada' }), { now: T0 })
  assert.ok(r.ok)
  if (!r.ok) return
  assert.is(r.entry.hex, idToHex(ada.id))
  assert.is(r.entry.host, '192.168.4.2')
  assert.is(r.entry.seenAt, T0)
  assert.is(r.entry.expiresAt, T0 + TTL)
  assert.ok(r.entry.wire.n instanceof Uint8Array)
  assert.ok(r.entry.size > 150 && r.entry.size < 200, `size ${r.entry.size}`)
})

basics('store - entries come in id order; after a hex id, strictly after it', () => {
  const s = store()
  for (const p of people) s.put(1, recordOf(p), { now: T0 })
  const hexes = s.entries(1, T0).map(e => e.hex)
  assert.equal(hexes, people.map(p => idToHex(p.id)).sort())
  const mid = hexes[5]!
  assert.equal(s.entries(1, T0, mid).map(e => e.hex), hexes.slice(6))
  assert.equal(s.entries(1, T0, '00'.repeat(20)).length, 12)
  assert.equal(s.entries(1, T0, 'ff'.repeat(20)), [])
  assert.equal(s.entries(7, T0), [], 'an empty list')
})

basics('store - the entries returned are a copy: later puts do not change them', () => {
  const s = store()
  s.put(1, recordOf(ada), { now: T0 })
  const before = s.entries(1, T0)
  s.put(1, recordOf(bob), { now: T0 })
  s.put(1, recordOf(ada, { seq: 2 }), { now: T0 })
  assert.is(before.length, 1)
  assert.is(before[0]!.record.s, 1)
})

basics('store - clear drops everything', () => {
  const s = store()
  s.put(1, recordOf(ada), { now: T0 })
  s.clear()
  assert.is(s.size(T0), 0)
  assert.equal(s.lists(T0), [])
})

basics.run()

const sequences = suite('store - sequences')

sequences('store - a newer sequence replaces the held record', () => {
  const s = store()
  s.put(2, recordOf(ada, { seq: 1, name: 'old' }), { now: T0 })
  const r = s.put(2, recordOf(ada, { seq: 2, name: 'new' }), { now: T0 + 1 })
  assert.ok(r.ok && !r.fresh)
  assert.is(s.get(2, ada.id, T0 + 1)?.record.n, 'new')
  assert.is(s.size(T0 + 1), 1)
})

sequences('store - an older sequence is refused with ERR_STALE_SEQUENCE and changes nothing', () => {
  const s = store()
  s.put(2, recordOf(ada, { seq: 5, name: 'five' }), { now: T0 })
  assert.is(codeOf(s.put(2, recordOf(ada, { seq: 4, name: 'four' }), { now: T0 + 1 })), 'ERR_STALE_SEQUENCE')
  assert.is(s.get(2, ada.id, T0 + 1)?.record.n, 'five')
  assert.is(s.get(2, ada.id, T0 + 1)?.expiresAt, T0 + TTL, 'the refused put did not refresh it')
})

sequences('store - a different record with the held sequence is refused', () => {
  const s = store()
  s.put(2, recordOf(ada, { seq: 5, name: 'five' }), { now: T0 })
  assert.is(codeOf(s.put(2, recordOf(ada, { seq: 5, name: 'other' }), { now: T0 })), 'ERR_STALE_SEQUENCE')
})

sequences('store - the same record again refreshes its expiry', () => {
  const s = store()
  const rec = recordOf(ada)
  s.put(2, rec, { now: T0 })
  s.put(2, rec, { now: T0 + 20_000 })
  assert.is(s.get(2, ada.id, T0 + 40_000)?.seenAt, T0 + 20_000)
})

sequences('store - a replaced record shows in id order at once (the sorted view is updated in place)', () => {
  const s = store()
  for (const p of people) s.put(1, recordOf(p), { now: T0 })
  const before = s.entries(1, T0)
  const third = people.find(p => idToHex(p.id) === before[2]!.hex)!
  s.put(1, recordOf(third, { seq: 9, name: 'updated' }), { now: T0 + 1 })
  const after = s.entries(1, T0 + 1)
  assert.equal(after.map(e => e.hex), before.map(e => e.hex))
  assert.is(after[2]!.record.n, 'updated')
  assert.is(after[2]!.record.s, 9)
})

sequences.run()

const expiry = suite('store - expiry')

expiry('store - a record is gone ttl after its last announce, not before', () => {
  const s = store()
  s.put(0, recordOf(ada), { now: T0 })
  assert.ok(s.get(0, ada.id, T0 + TTL - 1))
  assert.is(s.get(0, ada.id, T0 + TTL), undefined)
  assert.equal(s.lists(T0 + TTL), [])
  assert.is(s.size(T0 + TTL), 0)
})

expiry('store - expire drops only what is due and says how many', () => {
  const s = store()
  s.put(0, recordOf(ada), { now: T0 })
  s.put(0, recordOf(bob), { now: T0 + 10_000 })
  s.put(5, recordOf(cy), { now: T0 + 20_000 })
  assert.is(s.expire(T0 + 1), 0)
  assert.is(s.expire(T0 + TTL), 1)
  assert.is(s.expire(T0 + TTL), 0)
  assert.equal(s.entries(0, T0 + TTL).map(e => e.hex), [idToHex(bob.id)])
  assert.is(s.expire(T0 + TTL + 20_000), 2)
  assert.equal(s.lists(T0 + TTL + 20_000), [])
})

expiry('store - a record last seen long ago (a handoff) keeps its age; one already expired is refused', () => {
  const s = store()
  const r = s.put(0, recordOf(ada), { now: T0, seenAt: T0 - 25_000 })
  assert.ok(r.ok)
  assert.is(s.get(0, ada.id, T0 + 4_999)?.expiresAt, T0 + 5_000)
  assert.is(s.get(0, ada.id, T0 + 5_000), undefined)
  assert.is(codeOf(s.put(0, recordOf(bob), { now: T0, seenAt: T0 - TTL })), 'ERR_RECORD_EXPIRED')
  assert.equal(s.lists(T0), [], 'a refused put leaves no empty list behind')
})

expiry('store - an older sighting of the held record does not shorten its life', () => {
  const s = store()
  const rec = recordOf(ada)
  s.put(0, rec, { now: T0 })
  s.put(0, rec, { now: T0 + 1000, seenAt: T0 - 10_000 })
  const e = s.get(0, ada.id, T0 + 1000)
  assert.is(e?.seenAt, T0)
  assert.is(e?.expiresAt, T0 + TTL)
})

expiry('store - a refreshed record survives past its first expiry', () => {
  const s = store()
  const rec = recordOf(ada)
  s.put(0, rec, { now: T0 })
  for (let t = T0 + 10_000; t <= T0 + 100_000; t += 10_000) assert.ok(s.put(0, rec, { now: t }).ok)
  assert.ok(s.get(0, ada.id, T0 + 100_000 + TTL - 1))
})

expiry.run()

const versions = suite('store - version')

versions('store - the version changes when the records held change, and only then', () => {
  const s = store({ maxPerList: 1 })
  let v = s.version
  const changed = (what: string): void => {
    assert.is.not(s.version, v, `${what} changes it`)
    v = s.version
  }
  const same = (what: string): void => {
    assert.is(s.version, v, `${what} leaves it`)
  }
  const rec1 = recordOf(ada, { name: 'ada', seq: 1 })
  assert.ok(s.put(3, rec1, { now: T0 }).ok)
  changed('a new peer')
  assert.ok(s.put(3, rec1, { now: T0 + 10 }).ok)
  same('a refreshed announce')
  assert.ok(s.put(3, recordOf(ada, { name: 'ada', seq: 2 }), { now: T0 + 20 }).ok)
  changed('a new sequence')
  assert.is(codeOf(s.put(3, rec1, { now: T0 + 30 })), 'ERR_STALE_SEQUENCE')
  same('a refused older sequence')
  assert.is(codeOf(s.put(3, recordOf(bob, { name: 'bob' }), { now: T0 + 30 })), 'ERR_LIST_FULL')
  same('a refused newcomer')
  s.entries(3, T0 + 40)
  s.expire(T0 + 40)
  same('reads and an expiry with nothing due')
  assert.is(s.expire(T0 + 20 + TTL), 1)
  changed('an expiry')
  assert.ok(s.put(4, recordOf(cy, { name: 'cy' }), { now: T0 + 20 + TTL }).ok)
  changed('a peer in another list')
  s.clear()
  changed('clear')
})

versions.run()

const caps = suite('store - caps')

caps('store - a full list refuses a new peer with ERR_LIST_FULL but takes updates of held ones', () => {
  const s = store({ maxPerList: 3 })
  for (const p of people.slice(0, 3)) assert.ok(s.put(4, recordOf(p), { now: T0 }).ok)
  assert.is(codeOf(s.put(4, recordOf(people[3]!), { now: T0 })), 'ERR_LIST_FULL')
  assert.ok(s.put(4, recordOf(people[0]!, { seq: 2 }), { now: T0 }).ok, 'an update of a held peer')
  assert.ok(s.put(5, recordOf(people[3]!), { now: T0 }).ok, 'another list has room')
  assert.is(s.entries(4, T0).length, 3)
})

caps('store - a full list takes new peers again once records expire', () => {
  const s = store({ maxPerList: 1 })
  s.put(4, recordOf(ada), { now: T0 })
  assert.is(codeOf(s.put(4, recordOf(bob), { now: T0 + 1 })), 'ERR_LIST_FULL')
  assert.ok(s.put(4, recordOf(bob), { now: T0 + TTL }).ok)
})

caps('store - at most maxPerIp records per list from one network (ERR_IP_CAP): a /24 counts as one; other networks and lists are fine',
  () => {
    const s = store({ maxPerIp: 2 })
    assert.ok(s.put(1, recordOf(people[0]!, { host: '198.51.0.9', port: 1 }), { now: T0 }).ok)
    assert.ok(s.put(1, recordOf(people[1]!, { host: '198.51.0.77', port: 2 }), { now: T0 }).ok)
    assert.is(codeOf(s.put(1, recordOf(people[2]!, { host: '198.51.0.200', port: 3 }), { now: T0 })), 'ERR_IP_CAP',
      'another address of the same /24')
    assert.ok(s.put(1, recordOf(people[2]!, { host: '198.51.1.9', port: 3 }), { now: T0 }).ok)
    assert.ok(s.put(2, recordOf(people[3]!, { host: '198.51.0.9', port: 4 }), { now: T0 }).ok)
    assert.ok(s.put(1, recordOf(people[0]!, { host: '198.51.0.10', port: 11, seq: 2 }), { now: T0 }).ok,
      'a held peer may move within its network')
  })

caps('store - IPv6: one /64 counts as one network', () => {
  const s = store({ maxPerIp: 1 })
  assert.ok(s.put(1, recordOf(people[0]!, { host: '2001:db8:1:2::1', port: 1 }), { now: T0 }).ok)
  assert.is(codeOf(s.put(1, recordOf(people[1]!, { host: '2001:db8:1:2:ffff::9', port: 1 }), { now: T0 })), 'ERR_IP_CAP')
  assert.ok(s.put(1, recordOf(people[1]!, { host: '2001:db8:1:3::1', port: 1 }), { now: T0 }).ok)
})

caps('store - the cap counts the path a record came by (from), not its own address', () => {
  const s = store({ maxPerIp: 100 })
  for (let i = 0; i < 3; i++) {
    assert.ok(s.put(1, recordOf(people[i]!, { host: `172.16.${i}.1` }), { now: T0, from: '198.51.100.7', cap: 3, handoff: true }).ok)
  }
  assert.is(codeOf(s.put(1, recordOf(people[3]!, { host: '172.16.3.1' }), { now: T0, from: '198.51.100.8', cap: 3, handoff: true })),
    'ERR_IP_CAP')
  assert.ok(s.put(1, recordOf(people[0]!, { host: '172.16.0.1' }), { now: T0 + 1 }).ok, 'its peer announces it: it moves to its own path')
  assert.ok(s.put(1, recordOf(people[3]!, { host: '172.16.3.1' }), { now: T0, from: '198.51.100.8', cap: 3, handoff: true }).ok,
    'a slot of 198.51.100.0/24 is free again')
})

caps('store - a handed-over copy never extends a held record, and a record that expired is refused by handoff until its peer announces',
  () => {
    const s = store()
    const r = recordOf(ada)
    assert.ok(s.put(1, r, { now: T0 }).ok)
    const again = s.put(1, r, { now: T0 + 10, handoff: true })
    assert.ok(again.ok && !again.changed)
    assert.is(s.get(1, ada.id, T0 + 10)!.expiresAt, T0 + TTL)
    assert.is(s.get(1, ada.id, T0 + TTL), undefined)
    assert.is(codeOf(s.put(1, r, { now: T0 + TTL + 1, handoff: true })), 'ERR_RECORD_EXPIRED')
    const newer = s.put(1, recordOf(ada, { seq: 2 }), { now: T0 + TTL + 1, handoff: true })
    assert.ok(newer.ok, 'a newer sequence than the one that expired is news')
    assert.ok(s.put(1, recordOf(bob), { now: T0 }).ok)
    assert.is(s.get(1, bob.id, T0 + TTL), undefined)
    assert.ok(s.put(1, recordOf(bob), { now: T0 + TTL + 1 }).ok, 'an announce brings it back')
  })

caps('store - a full list drops its oldest handed-over record for a peer\'s own announce; announced records are never dropped for one',
  () => {
    const s = store({ maxPerList: 3 })
    assert.ok(s.put(4, recordOf(people[0]!), { now: T0 + 5, handoff: true }).ok)
    assert.ok(s.put(4, recordOf(people[1]!), { now: T0, seenAt: T0 - 10, handoff: true }).ok)
    assert.ok(s.put(4, recordOf(people[2]!), { now: T0 }).ok)
    assert.is(codeOf(s.put(4, recordOf(people[3]!), { now: T0 + 6, handoff: true })), 'ERR_LIST_FULL', 'a handoff never makes room')
    const v = s.version
    assert.ok(s.put(4, recordOf(people[3]!), { now: T0 + 6 }).ok, 'an announce does')
    assert.ok(s.version > v)
    assert.is(s.get(4, people[1]!.id, T0 + 6), undefined, 'the handed-over record seen longest ago went')
    assert.ok(s.put(4, recordOf(people[0]!), { now: T0 + 7 }).ok, 'its peer announces it: now it counts as announced')
    assert.is(codeOf(s.put(4, recordOf(people[4]!), { now: T0 + 8 })), 'ERR_LIST_FULL', 'every record held was announced by its peer')
  })

caps('store - a held peer moving to a capped network is refused; moving away frees its slot', () => {
  const s = store({ maxPerIp: 1 })
  s.put(1, recordOf(ada, { host: '198.51.1.1' }), { now: T0 })
  s.put(1, recordOf(bob, { host: '198.51.2.2' }), { now: T0 })
  assert.is(codeOf(s.put(1, recordOf(bob, { host: '198.51.1.2', seq: 2 }), { now: T0 })), 'ERR_IP_CAP')
  assert.ok(s.put(1, recordOf(ada, { host: '198.51.3.3', seq: 2 }), { now: T0 }).ok)
  assert.ok(s.put(1, recordOf(bob, { host: '198.51.1.2', seq: 2 }), { now: T0 }).ok, '198.51.1.0/24 is free again')
})

caps('store - private and shared ranges (a LAN, the simulated network) are not capped in ipMode default; strict caps them, off nothing',
  () => {
    const lan = store({ maxPerIp: 1 })
    for (let i = 0; i < 4; i++) assert.ok(lan.put(1, recordOf(people[i]!, { host: `10.0.0.${i + 1}` }), { now: T0 }).ok, `10.0.0.${i + 1}`)
    assert.ok(lan.put(1, recordOf(people[4]!, { host: '192.168.1.1' }), { now: T0, from: '100.64.0.1', cap: 1, handoff: true }).ok)
    assert.ok(lan.put(1, recordOf(people[5]!, { host: '192.168.1.2' }), { now: T0, from: '100.64.0.2', cap: 1, handoff: true }).ok)
    const strict = createStore({ ttl: TTL, maxPerList: 100, maxPerIp: 1, ipMode: 'strict' })
    assert.ok(strict.put(1, recordOf(people[0]!, { host: '10.0.0.1' }), { now: T0 }).ok)
    assert.is(codeOf(strict.put(1, recordOf(people[1]!, { host: '10.0.0.2' }), { now: T0 })), 'ERR_IP_CAP')
    const off = createStore({ ttl: TTL, maxPerList: 100, maxPerIp: 1, ipMode: 'off' })
    for (let i = 0; i < 3; i++) assert.ok(off.put(1, recordOf(people[i]!, { host: `198.51.100.${i + 1}` }), { now: T0 }).ok)
  })

caps('store - loopback addresses are exempt from the IP cap (a local swarm shares one)', () => {
  const s = store({ maxPerIp: 1 })
  for (const [i, p] of people.slice(0, 4).entries()) assert.ok(s.put(1, recordOf(p, { host: '127.0.0.1', port: 100 + i }), { now: T0 }).ok)
  assert.ok(s.put(1, recordOf(people[4]!, { host: '::1', port: 1 }), { now: T0 }).ok)
  assert.ok(s.put(1, recordOf(people[5]!, { host: '::1', port: 2 }), { now: T0 }).ok)
})

caps('store - expired records free their IP slot', () => {
  const s = store({ maxPerIp: 1 })
  s.put(1, recordOf(ada, { host: '198.51.100.1' }), { now: T0 })
  assert.is(codeOf(s.put(1, recordOf(bob, { host: '198.51.100.1' }), { now: T0 })), 'ERR_IP_CAP')
  assert.ok(s.put(1, recordOf(bob, { host: '198.51.100.1' }), { now: T0 + TTL }).ok)
})

caps.run()
