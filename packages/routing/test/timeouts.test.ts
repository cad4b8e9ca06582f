import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeNodes, encodeKrpc, idsEqual, randomId } from '@peerconnect/protocol'
import type { Contact, LivenessCheck, Message, NodeId, RoutingClosestReply, RpcReply, RpcRequest,
  TransportFailed } from '@peerconnect/protocol'
import { RoutingTable } from '../src/table.js'
import { routingActor } from '../src/index.js'
import { alive, fakeClock, fakeDeps, harness, idIn, manualAsk, ofType, seen } from './fakes.js'

const self = randomId()
let cid = 0

const running: Array<() => void> = []
function stopAll (): void {
  for (const stop of running.splice(0)) stop()
}

function contact (id: NodeId, port: number, extra: Partial<Contact> = {}): Contact {
  return { id, host: '10.1.1.1', port, lastSeen: 1000, ...extra }
}

// ── the table ────────────────────────────────────────────────────────────────────────────────

const table = suite('table timeouts')

table('timeouts - with failAfter 1 one timeout fails a contact; it is good again once seen', () => {
  const t = new RoutingTable(self)
  const c = contact(randomId(), 7001)
  t.add(c)
  assert.ok(t.good(c.id, 1000))
  assert.ok(t.markTimeout(c.id, 1))
  assert.not.ok(t.good(c.id, 1000))
  assert.not.ok(t.markTimeout(c.id, 1), 'already failed: nothing new')
  t.touch(c.id, 2000)
  assert.ok(t.good(c.id, 2000))
})

table('timeouts - with failAfter 2 only the second timeout in a row fails it; a sighting resets the count', () => {
  const t = new RoutingTable(self)
  const c = contact(randomId(), 7001)
  t.add(c)
  assert.not.ok(t.markTimeout(c.id, 2))
  assert.ok(t.good(c.id, 1000), 'one timeout is not enough')
  t.touch(c.id, 1500)
  assert.not.ok(t.markTimeout(c.id, 2), 'the count started again after the sighting')
  assert.ok(t.good(c.id, 1500))
  assert.ok(t.markTimeout(c.id, 2))
  assert.not.ok(t.good(c.id, 1500))
})

table('timeouts - unknown and invalid ids are ignored; nothing is removed', () => {
  const t = new RoutingTable(self)
  const c = contact(randomId(), 7001)
  t.add(c)
  assert.not.ok(t.markTimeout(randomId()))
  assert.not.ok(t.markTimeout(new Uint8Array(3)))
  t.markTimeout(c.id)
  assert.is(t.size, 1, 'a timed-out contact stays in the table')
  assert.ok(t.get(c.id) !== null)
})

table('timeouts - findByAddress finds the contact at host:port only', () => {
  const t = new RoutingTable(self)
  const a = contact(randomId(), 7001)
  const b = contact(randomId(), 7002)
  t.add(a)
  t.add(b)
  assert.ok(idsEqual(t.findByAddress('10.1.1.1', 7002)!.id, b.id))
  assert.is(t.findByAddress('10.1.1.1', 7003), null)
  assert.is(t.findByAddress('10.1.1.2', 7001), null)
})

table.run()

// ── the actor ────────────────────────────────────────────────────────────────────────────────

/** failAfterTimeouts 1 unless told: these tests are about what a failure does (states.test.ts: the default threshold). */
function start (opts: { k?: number, failAfterTimeouts?: number } = {}) {
  const clock = fakeClock()
  const m = manualAsk()
  const h = harness(routingActor({ id: self, failAfterTimeouts: 1, ...opts }), fakeDeps(m.ask, { clock }))
  running.push(h.stop)
  return { ...h, ...m, clock }
}

type Started = ReturnType<typeof start>

function feed (h: Started, ids: NodeId[]): Contact[] {
  return ids.map((id, i) => {
    h.in$.next(seen(id, { host: '10.2.0.1', port: 8000 + i }))
    h.clock.advance(10)
    return { id, host: '10.2.0.1', port: 8000 + i, lastSeen: 0 }
  })
}

function failed (c: Contact, withId = true): TransportFailed {
  return withId
    ? { type: 'transport.failed', id: c.id, host: c.host, port: c.port, reason: 'timeout' }
    : { type: 'transport.failed', host: c.host, port: c.port, reason: 'timeout' }
}

function closestIds (h: Started, target: NodeId): NodeId[] {
  const q = { type: 'routing.closest', cid: ++cid, target, n: 20 } as Message
  h.in$.next(q)
  return (h.out.find(x => x.re === q.cid) as RoutingClosestReply).contacts.map(c => c.id)
}

function findNodeIds (h: Started, target: NodeId): NodeId[] {
  const id = randomId()
  const queryBytes = encodeKrpc({ y: 'q', t: new Uint8Array(2), q: 'find_node', a: { target, id } }).length
  const q: RpcRequest = { type: 'rpc.find_node', cid: ++cid, method: 'find_node', from: { host: '10.9.9.9', port: 5000 }, id,
    args: { target, id }, queryBytes }
  h.in$.next(q)
  return (decodeNodes((h.out.find(x => x.re === q.cid) as RpcReply).r.nodes) ?? []).map(n => n.id)
}

const has = (ids: NodeId[], id: NodeId): boolean => ids.some(x => idsEqual(x, id))

const actor = suite('routing actor transport.failed')

actor('failed - a timed-out contact leaves find_node and routing.closest answers, and is not evicted', () => {
  const h = start()
  const [a, b] = feed(h, [randomId(), randomId()])
  h.in$.next(failed(a!))
  assert.not.ok(has(closestIds(h, a!.id), a!.id))
  assert.ok(has(closestIds(h, a!.id), b!.id))
  assert.equal(findNodeIds(h, a!.id), [b!.id])
  assert.is(ofType(h.out, 'routing.peer.removed').length, 0, 'no eviction on a timeout')
  assert.is(h.asked.filter(m => m.type === 'liveness.check').length, 0, 'no check either')
  const get = { type: 'routing.get', cid: ++cid, id: a!.id } as Message
  h.in$.next(get)
  assert.ok((h.out.find(x => x.re === get.cid) as Message & { contact: Contact | null }).contact !== null, 'still in the table')
})

actor('failed - a later transport.seen makes the contact good again', () => {
  const h = start()
  const [a] = feed(h, [randomId()])
  h.in$.next(failed(a!))
  assert.is(closestIds(h, a!.id).length, 0)
  h.clock.advance(500)
  h.in$.next(seen(a!.id, { host: a!.host, port: a!.port }))
  assert.ok(has(closestIds(h, a!.id), a!.id))
  assert.ok(has(findNodeIds(h, randomId()), a!.id))
})

actor('failed - failAfterTimeouts 2 needs two reports in a row', () => {
  const h = start({ failAfterTimeouts: 2 })
  const [a] = feed(h, [randomId()])
  h.in$.next(failed(a!))
  assert.ok(has(closestIds(h, a!.id), a!.id), 'one timeout: still good')
  h.in$.next(failed(a!))
  assert.not.ok(has(closestIds(h, a!.id), a!.id), 'two: failed')
})

actor('failed - a report without an id finds the contact by its address', () => {
  const h = start()
  const [a, b] = feed(h, [randomId(), randomId()])
  h.in$.next(failed(b!, false))
  const ids = closestIds(h, randomId())
  assert.ok(has(ids, a!.id))
  assert.not.ok(has(ids, b!.id))
})

actor('failed - an id reported at another address fails whoever is at that address, not the id', () => {
  const h = start()
  const [a, b] = feed(h, [randomId(), randomId()])
  h.in$.next({ type: 'transport.failed', id: a!.id, host: b!.host, port: b!.port, reason: 'timeout' } as Message)
  const ids = closestIds(h, randomId())
  assert.ok(has(ids, a!.id), 'the id lives elsewhere: untouched')
  assert.not.ok(has(ids, b!.id), 'the address that timed out is b')
  h.in$.next({ type: 'transport.failed', id: randomId(), host: '10.3.3.3', port: 1, reason: 'timeout' } as Message)
  assert.is(closestIds(h, randomId()).length, 1, 'an unknown address changes nothing')
})

actor('failed - malformed reports are dropped without an error', () => {
  const h = start()
  const [a] = feed(h, [randomId()])
  for (const bad of [
    { type: 'transport.failed', host: a!.host, port: a!.port },
    { type: 'transport.failed', host: a!.host, port: 0, reason: 'timeout' },
    { type: 'transport.failed', id: new Uint8Array(3), host: a!.host, port: a!.port, reason: 'timeout' },
    { type: 'transport.failed', host: a!.host, port: a!.port, reason: 'other' }
  ]) h.in$.next(bad)
  assert.ok(has(closestIds(h, a!.id), a!.id))
  assert.is(h.errors.length, 0)
})

actor('failed - a full bucket checks its timed-out contact first, and evicts it only after a failed check', () => {
  const h = start({ k: 2 })
  const members = feed(h, [idIn(self, 0), idIn(self, 0)])
  h.in$.next(failed(members[1]!))
  const newcomer = idIn(self, 0)
  h.in$.next(seen(newcomer, { host: '10.4.4.4', port: 9000 }))
  const checks = h.asked.filter(m => m.type === 'liveness.check') as LivenessCheck[]
  assert.is(checks.length, 1)
  assert.ok(idsEqual(checks[0]!.id, members[1]!.id), 'the timed-out one, not the least recently seen')
  assert.is(ofType(h.out, 'routing.peer.removed').length, 0, 'nothing evicted before the check answers')
  h.answer(h.asked.indexOf(checks[0]!), alive(checks[0]!, false))
  const removed = ofType<Message & { contact: Contact }>(h.out, 'routing.peer.removed')
  assert.is(removed.length, 1)
  assert.ok(idsEqual(removed[0]!.contact.id, members[1]!.id))
})

actor.after.each(stopAll)
actor.run()
