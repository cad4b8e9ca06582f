/**
 * BEP 5's contact states in virtual time (a fake clock; nothing waits): good while seen within 15
 * minutes, questionable after that, bad only after FAIL_AFTER_TIMEOUTS silences in a row to
 * queries it is known to answer (the transport reports no others) — one lost packet is not a dead
 * node — and good again at its next sighting. Also: what a contact speaks (`pc`) is kept, and
 * routing.closest with `pc` leaves BEP 5-only contacts out.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { idsEqual, minute, randomId } from '@peerconnect/protocol'
import type { Contact, Message, NodeId, RoutingClosestReply, RoutingContactsReply, RoutingPeerAdded,
  TransportFailed } from '@peerconnect/protocol'
import { FAIL_AFTER_TIMEOUTS, GOOD_WINDOW, RoutingTable, routingActor } from '../src/index.js'
import { fakeClock, fakeDeps, harness, manualAsk, ofType, seen } from './fakes.js'

const self = randomId()
let cid = 0

// ── the table ────────────────────────────────────────────────────────────────────────────────

const table = suite('contact states - the table')

table('states - good, questionable after 15 idle minutes, good again when seen', () => {
  const t = new RoutingTable(self)
  const c: Contact = { id: randomId(), host: '10.1.1.1', port: 7001, lastSeen: 0 }
  t.add(c)
  assert.is(t.state(c.id, 0), 'good')
  assert.is(t.state(c.id, GOOD_WINDOW - 1), 'good')
  assert.is(t.state(c.id, GOOD_WINDOW), 'questionable')
  assert.is(t.state(c.id, 60 * minute), 'questionable', 'idle is not dead: no failure counted')
  t.touch(c.id, 60 * minute)
  assert.is(t.state(c.id, 60 * minute), 'good')
  assert.is(t.state(randomId(), 0), undefined, 'not in the table')
})

table(`states - bad only after ${FAIL_AFTER_TIMEOUTS} silences in a row; a sighting between them starts the count again`, () => {
  const t = new RoutingTable(self)
  const c: Contact = { id: randomId(), host: '10.1.1.1', port: 7001, lastSeen: 0 }
  t.add(c)
  for (let i = 1; i < FAIL_AFTER_TIMEOUTS; i++) {
    assert.not.ok(t.markTimeout(c.id, FAIL_AFTER_TIMEOUTS))
    assert.is(t.state(c.id, 1), 'good', `${i} silence(s): still good`)
  }
  t.touch(c.id, 2)
  for (let i = 1; i < FAIL_AFTER_TIMEOUTS; i++) t.markTimeout(c.id, FAIL_AFTER_TIMEOUTS)
  assert.is(t.state(c.id, 3), 'good', 'the sighting reset the count')
  assert.ok(t.markTimeout(c.id, FAIL_AFTER_TIMEOUTS))
  assert.is(t.state(c.id, 3), 'bad')
  assert.is(t.state(c.id, GOOD_WINDOW * 2), 'bad', 'bad stays bad however old')
  t.touch(c.id, 4)
  assert.is(t.state(c.id, 4), 'good')
})

table('states - what a contact speaks is kept, and a sighting that does not say leaves it as it was', () => {
  const t = new RoutingTable(self)
  const bt: Contact = { id: randomId(), host: '10.1.1.1', port: 7001, lastSeen: 0, pc: false }
  t.add(bt)
  assert.is(t.get(bt.id)!.pc, false)
  t.touch(bt.id, 5)
  assert.is(t.get(bt.id)!.pc, false)
  t.add({ id: bt.id, host: '10.1.1.1', port: 7001, lastSeen: 6 })
  assert.is(t.get(bt.id)!.pc, false)
  assert.is(t.add({ ...bt, pc: 'yes' as unknown as boolean }).kind, 'invalid')
})

table.run()

// ── the actor ────────────────────────────────────────────────────────────────────────────────

const running: Array<() => void> = []

function start (opts: { failAfterTimeouts?: number } = {}) {
  const clock = fakeClock()
  const m = manualAsk()
  const h = harness(routingActor({ id: self, viewHeartbeat: 0, ...opts }), fakeDeps(m.ask, { clock }))
  running.push(h.stop)
  return { ...h, clock }
}

type Started = ReturnType<typeof start>

const failed = (c: { id: NodeId, host: string, port: number }): TransportFailed => ({ type: 'transport.failed', id: c.id, host: c.host,
  port: c.port, reason: 'timeout' })

function closest (h: Started, target: NodeId, extra: Record<string, unknown> = {}): Contact[] {
  const q = { type: 'routing.closest', cid: ++cid, target, n: 20, ...extra } as Message
  h.in$.next(q)
  return (h.out.find(x => x.re === q.cid) as RoutingClosestReply).contacts
}

const has = (cs: Contact[], id: NodeId): boolean => cs.some(c => idsEqual(c.id, id))

const actor = suite('contact states - the routing actor')

actor(
  `states - with the default threshold one lost reply keeps a contact in answers; ${FAIL_AFTER_TIMEOUTS} in a row take it out until ` +
    `it is seen`,
  () => {
    const h = start()
    const a = { id: randomId(), host: '10.2.0.1', port: 8001 }
    h.in$.next(seen(a.id, { host: a.host, port: a.port, rtt: 20, pc: true }))
    for (let i = 1; i < FAIL_AFTER_TIMEOUTS; i++) {
      h.clock.advance(1000)
      h.in$.next(failed(a))
      assert.ok(has(closest(h, a.id), a.id), `${i} timeout(s): still answered`)
    }
    h.clock.advance(1000)
    h.in$.next(failed(a))
    assert.not.ok(has(closest(h, a.id), a.id), 'bad: left out')
    h.clock.advance(1000)
    h.in$.next(seen(a.id, { host: a.host, port: a.port }))
    assert.ok(has(closest(h, a.id), a.id), 'seen again: good')
  }
)

actor('states - a questionable contact (15 idle minutes) only fills places no good contact takes', () => {
  const h = start()
  const old = { id: randomId(), host: '10.2.0.1', port: 8001 }
  const fresh = { id: randomId(), host: '10.2.0.2', port: 8002 }
  h.in$.next(seen(old.id, { host: old.host, port: old.port, rtt: 5 }))
  h.clock.advance(GOOD_WINDOW + minute)
  h.in$.next(seen(fresh.id, { host: fresh.host, port: fresh.port, rtt: 5 }))
  assert.equal(closest(h, old.id).map(c => c.port), [8001, 8002], 'both named, in distance order')
  assert.equal(closest(h, old.id, { n: 1 }).map(c => c.port), [8002], 'but a good one is preferred to a closer questionable one')
})

actor('states - transport.seen `pc` is kept on the contact; routing.closest with pc leaves BEP 5-only contacts out', () => {
  const h = start()
  const pc = { id: randomId(), host: '10.2.0.1', port: 8001 }
  const bt = { id: randomId(), host: '10.2.0.2', port: 8002 }
  const unknown = { id: randomId(), host: '10.2.0.3', port: 8003 }
  h.in$.next(seen(pc.id, { host: pc.host, port: pc.port, pc: true }))
  h.in$.next(seen(bt.id, { host: bt.host, port: bt.port, pc: false }))
  h.in$.next(seen(unknown.id, { host: unknown.host, port: unknown.port }))
  const added = ofType<RoutingPeerAdded>(h.out, 'routing.peer.added')
  assert.equal(added.map(m => m.contact.pc), [true, false, undefined], 'routing.peer.added says what each speaks')
  const all = closest(h, randomId())
  assert.is(all.length, 3, 'find_node and plain routing.closest name every kind')
  const forPc = closest(h, randomId(), { pc: true })
  assert.ok(has(forPc, pc.id))
  assert.ok(has(forPc, unknown.id), 'not known: not left out (the transport refuses it if it turns out BEP 5)')
  assert.not.ok(has(forPc, bt.id))
  const q = { type: 'routing.contacts', cid: ++cid } as Message
  h.in$.next(q)
  const contacts = (h.out.find(x => x.re === q.cid) as RoutingContactsReply).contacts
  assert.is(contacts.find(c => idsEqual(c.id, bt.id))!.pc, false)
})

actor.after.each(() => {
  for (const stop of running.splice(0)) stop()
})
actor.run()
