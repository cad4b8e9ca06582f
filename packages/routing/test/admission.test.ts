import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { randomId } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import { RoutingTable } from '../src/index.js'
import { idIn, ofType, seen, startRouting, stopRouting, tableOf } from './fakes.js'

const self = randomId()

const contact = (id: NodeId, host: string, port = 6881): Contact => ({ id, host, port, lastSeen: 1 })

// ── who enters: only what answered us ────────────────────────────────────────────────────────

const proof = suite('routing admission - proof')

proof('a query is a reason to ping back, not proof: the contact enters only when it answers', () => {
  const h = startRouting(self)
  const id = randomId()
  h.in$.next(seen(id, { host: '10.1.1.1', port: 7001, queried: true }))
  assert.is(tableOf(h).length, 0)
  const pings = h.pings()
  assert.is(pings.length, 1)
  assert.equal(pings[0]!.to, { host: '10.1.1.1', port: 7001 })
  assert.is(pings[0]!.q, 'ping')
  assert.is(pings[0]!.bounded, true, 'the transport bounds what an unproven address gets')
  h.in$.next(seen(id, { host: '10.1.1.1', port: 7001, rtt: 5 }))
  assert.is(tableOf(h).length, 1)
  assert.is(ofType(h.out, 'routing.peer.added').length, 1)
})

proof('288 pings with made-up ids from one socket: one ping back, nothing in the table', () => {
  const h = startRouting(self)
  for (let i = 0; i < 288; i++) h.in$.next(seen(randomId(), { host: '10.2.2.2', port: 7002, queried: true }))
  assert.is(tableOf(h).length, 0)
  assert.is(h.pings().length, 1)
  assert.is(ofType(h.out, 'routing.peer.added').length, 0)
  h.clock.advance(61_000)
  h.in$.next(seen(randomId(), { host: '10.2.2.2', port: 7002, queried: true }))
  assert.is(h.pings().length, 2, 'asked again only after the window')
})

proof('a known contact querying us from its address is refreshed, not pinged', () => {
  const h = startRouting(self)
  const id = randomId()
  h.in$.next(seen(id, { host: '10.3.3.3', port: 7003, rtt: 4 }))
  h.clock.advance(1000)
  h.in$.next(seen(id, { host: '10.3.3.3', port: 7003, queried: true }))
  assert.is(h.pings().length, 0)
  assert.is(tableOf(h)[0]!.lastSeen, h.clock.now())
})

// ── inbound contacts: half a bucket, no evictions ───────────────────────────────────────────

const share = suite('routing admission - our own finds first')

share('contacts that only queried us never push out ones we found; ours take their places while fewer than half are ours', () => {
  const h = startRouting(self, { k: 4 })
  // Fill our own bucket until it splits, so bucket 0 (the far half) is a bucket of its own.
  for (let i = 0; i < 8; i++) h.in$.next(seen(idIn(self, 1 + (i % 3)), { host: `10.5.0.${i + 1}`, port: 7000, rtt: 3 }))
  const far = Array.from({ length: 8 }, () => idIn(self, 0))
  for (let i = 0; i < 4; i++) {
    h.in$.next(seen(far[i]!, { host: `10.4.0.${i + 1}`, port: 7000, queried: true }))
    h.in$.next(seen(far[i]!, { host: `10.4.0.${i + 1}`, port: 7000, rtt: 3 }))
  }
  const inBucket0 = (): Contact[] => tableOf(h).filter(c => far.some(f => f.every((b, j) => b === c.id[j])))
  assert.is(inBucket0().length, 4, 'inbound contacts fill a bucket while it has room')
  assert.is(h.pings().length, 4)
  h.in$.next(seen(far[4]!, { host: '10.4.1.1', port: 7000, queried: true }))
  assert.is(h.pings().length, 4, 'not pinged: its bucket is full and it could push no one out')
  // Found contacts take the places of inbound ones, at once, until they hold half the bucket.
  h.in$.next(seen(far[5]!, { host: '10.4.2.1', port: 7000, rtt: 3 }))
  h.in$.next(seen(far[6]!, { host: '10.4.2.2', port: 7000, rtt: 3 }))
  assert.is(ofType(h.out, 'routing.peer.removed').length, 2)
  assert.ok(ofType<{ type: string, reason: string }>(h.out, 'routing.peer.removed').every(m => m.reason === 'replaced'))
  assert.is(inBucket0().length, 4)
  assert.is(h.asked.filter(m => m.type === 'liveness.check').length, 0, 'no check needed to replace an inbound contact')
  // Half of it is ours now: the next found newcomer has the oldest checked, as usual.
  h.in$.next(seen(far[7]!, { host: '10.4.2.3', port: 7000, rtt: 3 }))
  assert.is(h.asked.filter(m => m.type === 'liveness.check').length, 1)
})

// ── IP diversity ─────────────────────────────────────────────────────────────────────────────

const ip = suite('routing admission - subnets')

ip('strict: at most 2 of a /24 per bucket and 10 in the table; other subnets unaffected', () => {
  const t = new RoutingTable(self, { k: 20, ipLimits: { mode: 'strict', bucket: 2, table: 10 } })
  for (let i = 0; i < 120; i++) t.add(contact(idIn(self, i % 16), `11.${i >> 8}.${i & 255}.1`))
  assert.ok(t.bucketCount() >= 8, 'a split table')
  const r1 = t.add(contact(idIn(self, 0), '127.77.0.1'))
  const r2 = t.add(contact(idIn(self, 0), '127.77.0.2'))
  const r3 = t.add(contact(idIn(self, 0), '127.77.0.3'))
  assert.equal([r1.kind, r2.kind, r3.kind], ['added', 'added', 'limited'])
  assert.is(t.add(contact(idIn(self, 0), '127.78.0.1')).kind, 'added')
  let added = 2
  for (let i = 1; i < 200; i++) if (t.add(contact(idIn(self, i % 8 + 1), `127.77.0.${i}`)).kind === 'added') added++
  assert.is(added, 10, 'the table holds 10 of 127.77.0.0/24')
  assert.is(t.all().filter(c => c.host.startsWith('127.77.0.')).length, 10)
  // Removing one frees a place in the table.
  const one = t.all().find(c => c.host.startsWith('127.77.0.') && t.bucketOf(c.id) === 5)!
  t.remove(one.id)
  assert.is(t.add(contact(idIn(self, 5), '127.77.0.250')).kind, 'added')
  assert.is(t.add(contact(idIn(self, 6), '127.77.0.251')).kind, 'limited')
})

ip('default: loopback and private ranges are exempt; public ones are limited; IPv6 by /64', () => {
  const t = new RoutingTable(self, { k: 20 })
  for (let i = 1; i <= 5; i++) assert.is(t.add(contact(idIn(self, 0), `127.77.0.${i}`)).kind, 'added')
  for (let i = 1; i <= 5; i++) assert.is(t.add(contact(idIn(self, 1), `192.168.0.${i}`)).kind, 'added')
  const pub = [1, 2, 3].map(i => t.add(contact(idIn(self, 2), `8.8.8.${i}`)).kind)
  assert.equal(pub, ['added', 'added', 'limited'])
  const v6 = [1, 2, 3].map(i => t.add(contact(idIn(self, 3), `2001:db8:0:1::${i}`)).kind)
  assert.equal(v6, ['added', 'added', 'limited'])
  assert.is(t.add(contact(idIn(self, 3), '2001:db8:0:2::1')).kind, 'added')
})

ip('a known id moving to a full subnet keeps its old address', () => {
  const t = new RoutingTable(self, { k: 20, goodWindow: 1, ipLimits: { mode: 'strict', bucket: 2, table: 10 } })
  const a = idIn(self, 0)
  t.add(contact(idIn(self, 0), '127.77.0.1'))
  t.add(contact(idIn(self, 0), '127.77.0.2'))
  t.add(contact(a, '127.5.0.1'))
  assert.is(t.add({ ...contact(a, '127.77.0.3'), lastSeen: 100 }).kind, 'limited')
  assert.is(t.get(a)!.host, '127.5.0.1')
})

const stopAll = (): void => {
  stopRouting()
}
proof.after.each(stopAll)
share.after.each(stopAll)
proof.run()
share.run()
ip.run()
