import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compareDistance, decodeNodes, decodeNodes6, encodeKrpc, idsEqual, randomId } from '@peerconnect/protocol'
import type { Contact, Message, NodeId, RoutingClosestReply, RoutingContactsReply, RoutingGetReply, RoutingPeerAdded, RpcReply,
  RpcRequest } from '@peerconnect/protocol'
import { routing, routingActor } from '../src/index.js'
import { fakeDeps, harness, idIn, ofType, recordingAsk, seen, startRouting, stopRouting, tableOf } from './fakes.js'

const self = randomId()
let cid = 0

function rpc (method: string, args: Record<string, unknown>, extra: Partial<RpcRequest> = {}): RpcRequest {
  const id = extra.id ?? randomId()
  const queryBytes = encodeKrpc({ y: 'q', t: new Uint8Array(2), q: method, a: { ...args, id } }).length
  return { type: `rpc.${method}`, cid: ++cid, method, from: { host: '10.9.9.9', port: 5000 }, id, args: { ...args, id }, queryBytes,
    ...extra }
}

/** Feeds `n` contacts through transport.seen; returns them. */
function feed (h: { in$: { next(m: Message): void } }, n: number, host = (i: number) => `10.0.${i >> 8}.${(i & 255) + 1}`): Contact[] {
  const out: Contact[] = []
  for (let i = 0; i < n; i++) {
    const id = randomId()
    h.in$.next(seen(id, { host: host(i), port: 6000 + i }))
    out.push({ id, host: host(i), port: 6000 + i, lastSeen: 0 })
  }
  return out
}

function lastReply<T extends Message> (out: Message[], re: number | undefined): T {
  const m = out.find(x => x.re === re)
  assert.ok(m, `a reply to ${String(re)}`)
  return m as T
}

// ── inbound KRPC ────────────────────────────────────────────────────────────────────────────

const krpc = suite('routing actor krpc')

krpc('krpc - ping is answered with an empty r dict', () => {
  const h = startRouting(self)
  const q = rpc('ping', {})
  h.in$.next(q)
  const r = lastReply<RpcReply>(h.out, q.cid)
  assert.equal(r, { type: 'rpc.reply', r: {}, re: q.cid, end: true })
  h.stop()
})

krpc('krpc - find_node answers the 8 closest contacts as compact nodes, nearest first', () => {
  const h = startRouting(self)
  feed(h, 60)
  const contacts = tableOf(h)
  assert.ok(contacts.length >= 20)
  const target = randomId()
  const q = rpc('find_node', { target })
  h.in$.next(q)
  const r = lastReply<RpcReply>(h.out, q.cid)
  const nodes = decodeNodes(r.r.nodes)
  assert.ok(nodes)
  const want = [...contacts].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, 8)
  assert.equal(nodes.map(n => n.id), want.map(c => c.id))
  assert.equal(nodes.map(n => [n.host, n.port]), want.map(c => [c.host, c.port]))
  h.stop()
})

krpc('krpc - find_node leaves the querier out', () => {
  const h = startRouting(self)
  const contacts = feed(h, 3)
  const querier = contacts[0]!
  const q = rpc('find_node', { target: querier.id }, { id: querier.id })
  h.in$.next(q)
  const nodes = decodeNodes(lastReply<RpcReply>(h.out, q.cid).r.nodes) ?? []
  assert.is(nodes.length, 2)
  assert.not.ok(nodes.some(n => idsEqual(n.id, querier.id)))
  h.stop()
})

krpc('krpc - find_node over IPv6 answers nodes6', () => {
  const h = startRouting(self)
  feed(h, 3, i => `2001:db8:${i + 1}::1`) // a /64 each: 2 per /64 per bucket
  feed(h, 2)
  const q = rpc('find_node', { target: randomId() }, { from: { host: '2001:db8::99', port: 1 } })
  h.in$.next(q)
  const r = lastReply<RpcReply>(h.out, q.cid).r
  assert.is(decodeNodes6(r.nodes6)?.length, 3)
  assert.is(r.nodes, undefined)
  h.stop()
})

krpc('krpc - find_node with want n4+n6 answers both lists', () => {
  const h = startRouting(self)
  feed(h, 3, i => `2001:db8:${i + 1}::1`) // a /64 each: 2 per /64 per bucket
  feed(h, 2)
  const q = rpc('find_node', { target: randomId(), want: ['n4', 'n6'] })
  h.in$.next(q)
  const r = lastReply<RpcReply>(h.out, q.cid).r
  assert.is(decodeNodes(r.nodes)?.length, 2)
  assert.is(decodeNodes6(r.nodes6)?.length, 3)
  h.stop()
})

krpc('krpc - find_node on an empty table answers an empty nodes string', () => {
  const h = startRouting(self)
  const q = rpc('find_node', { target: randomId() })
  h.in$.next(q)
  const r = lastReply<RpcReply>(h.out, q.cid).r
  assert.equal(decodeNodes(r.nodes), [])
  h.stop()
})

krpc('krpc - find_node without a valid target gets ERR_KRPC_PROTOCOL', () => {
  const h = startRouting(self)
  for (const target of [undefined, 'x', new Uint8Array(19)]) {
    const q = rpc('find_node', { target })
    h.in$.next(q)
    const r = lastReply<Message & { error: { code: string } }>(h.out, q.cid)
    assert.is(r.type, 'error')
    assert.is(r.error.code, 'ERR_KRPC_PROTOCOL')
  }
  const bad = { type: 'rpc.ping', cid: ++cid } as Message
  h.in$.next(bad)
  assert.is(lastReply<Message & { error: { code: string } }>(h.out, bad.cid).error.code, 'ERR_KRPC_PROTOCOL')
  h.stop()
})

krpc('krpc - contacts that failed a check are not handed out', () => {
  const h = startRouting(self)
  const [a, b] = feed(h, 2)
  h.in$.next({ type: 'liveness.status', id: a!.id, host: a!.host, port: a!.port, alive: false, checkedAt: 0 } as Message)
  const q = rpc('find_node', { target: a!.id })
  h.in$.next(q)
  const nodes = decodeNodes(lastReply<RpcReply>(h.out, q.cid).r.nodes) ?? []
  assert.equal(nodes.map(n => n.id), [b!.id])
  h.stop()
})

krpc('krpc - a failed status about another address of the same id changes nothing', () => {
  const h = startRouting(self)
  const [a] = feed(h, 1)
  h.in$.next({ type: 'liveness.status', id: a!.id, host: a!.host, port: a!.port + 1, alive: false, checkedAt: 0 } as Message)
  h.in$.next({ type: 'liveness.status', id: a!.id, host: a!.host, port: a!.port, alive: true, checkedAt: 0 } as Message)
  const q = rpc('find_node', { target: a!.id })
  h.in$.next(q)
  assert.is(decodeNodes(lastReply<RpcReply>(h.out, q.cid).r.nodes)?.length, 1)
  h.stop()
})

krpc.after.each(stopRouting)
krpc.run()

// ── transport.seen ──────────────────────────────────────────────────────────────────────────

const seenSuite = suite('routing actor seen')

seenSuite('seen - a new contact is added and announced once', () => {
  const h = startRouting(self)
  const id = randomId()
  h.in$.next(seen(id, { rtt: 14 }))
  h.in$.next(seen(id))
  const added = ofType<RoutingPeerAdded>(h.out, 'routing.peer.added')
  assert.is(added.length, 1)
  assert.equal(added[0], { type: 'routing.peer.added', contact: { id, host: '127.0.0.1', port: 7000, lastSeen: h.clock.now(), rtt: 14 } })
  h.stop()
})

seenSuite('seen - seeing a contact again refreshes lastSeen and rtt', () => {
  const h = startRouting(self)
  const id = randomId()
  h.in$.next(seen(id, { rtt: 14 }))
  h.clock.advance(5000)
  h.in$.next(seen(id, { rtt: 9 }))
  const q = { type: 'routing.get', cid: ++cid, id } as Message
  h.in$.next(q)
  const c = lastReply<RoutingGetReply>(h.out, q.cid).contact
  assert.equal(c, { id, host: '127.0.0.1', port: 7000, lastSeen: h.clock.now(), rtt: 9 })
  h.stop()
})

seenSuite('seen - malformed sightings and our own id are ignored', () => {
  const h = startRouting(self)
  h.in$.next({ type: 'transport.seen', id: 'x', host: '1.2.3.4', port: 1 } as Message)
  h.in$.next({ type: 'transport.seen', id: randomId(), host: 'example.org', port: 1 } as Message)
  h.in$.next({ type: 'transport.seen', id: randomId(), host: '1.2.3.4', port: 0 } as Message)
  h.in$.next(seen(new Uint8Array(self)))
  assert.is(ofType(h.out, 'routing.peer.added').length, 0)
  const q = { type: 'routing.contacts', cid: ++cid } as Message
  h.in$.next(q)
  assert.is(lastReply<RoutingContactsReply>(h.out, q.cid).contacts.length, 0)
  assert.equal(h.errors, [])
  h.stop()
})

seenSuite('seen - other message types are ignored', () => {
  const h = startRouting(self)
  h.in$.next({ type: 'actor.configure', patch: { k: 3 } } as Message)
  h.in$.next({ type: 'toString' })
  assert.equal(h.out, [])
  assert.equal(h.errors, [])
  h.stop()
})

seenSuite.after.each(stopRouting)
seenSuite.run()

// ── routing.* asks ──────────────────────────────────────────────────────────────────────────

const asks = suite('routing actor asks')

asks('asks - routing.closest returns n contacts nearest first', () => {
  const h = startRouting(self)
  feed(h, 30)
  const contacts = tableOf(h)
  const target = randomId()
  const q = { type: 'routing.closest', cid: ++cid, target, n: 5 } as Message
  h.in$.next(q)
  const got = lastReply<RoutingClosestReply>(h.out, q.cid).contacts
  const want = [...contacts].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, 5)
  assert.equal(got.map(c => c.id), want.map(c => c.id))
  h.stop()
})

asks('asks - routing.closest with n beyond the table returns all', () => {
  const h = startRouting(self)
  feed(h, 4)
  const q = { type: 'routing.closest', cid: ++cid, target: randomId(), n: 100 } as Message
  h.in$.next(q)
  assert.is(lastReply<RoutingClosestReply>(h.out, q.cid).contacts.length, 4)
  h.stop()
})

asks('asks - routing.get finds a contact or answers null', () => {
  const h = startRouting(self)
  const [a] = feed(h, 1)
  const q1 = { type: 'routing.get', cid: ++cid, id: a!.id } as Message
  const q2 = { type: 'routing.get', cid: ++cid, id: randomId() } as Message
  h.in$.next(q1)
  h.in$.next(q2)
  assert.ok(idsEqual(lastReply<RoutingGetReply>(h.out, q1.cid).contact!.id, a!.id))
  assert.is(lastReply<RoutingGetReply>(h.out, q2.cid).contact, null)
  h.stop()
})

asks('asks - routing.contacts returns self, every contact and the bucket fill', () => {
  const h = startRouting(self)
  const ids: NodeId[] = [idIn(self, 0), idIn(self, 0), idIn(self, 2)]
  for (const id of ids) h.in$.next(seen(id))
  const q = { type: 'routing.contacts', cid: ++cid } as Message
  h.in$.next(q)
  const r = lastReply<RoutingContactsReply>(h.out, q.cid)
  assert.ok(idsEqual(r.self, self))
  assert.is(r.contacts.length, 3)
  assert.equal(r.buckets, [2, 0, 1])
  h.stop()
})

asks('asks - malformed asks get ERR_INVALID_REQUEST; published ones are dropped', () => {
  const h = startRouting(self)
  const bad: Message[] = [
    { type: 'routing.closest', cid: ++cid, target: randomId(), n: -1 } as Message,
    { type: 'routing.closest', cid: ++cid, target: 'x', n: 3 } as Message,
    { type: 'routing.get', cid: ++cid, id: new Uint8Array(3) } as Message
  ]
  for (const m of bad) h.in$.next(m)
  h.in$.next({ type: 'routing.get', id: 'nope' } as Message)
  const errors = h.out as Array<Message & { error?: { code: string, name: string } }>
  assert.equal(errors.map(e => [e.re, e.error?.code, e.error?.name]), bad.map(m => [m.cid, 'ERR_INVALID_REQUEST', 'InvalidRequestError']))
  h.stop()
})

asks.after.each(stopRouting)
asks.run()

// ── lifecycle ───────────────────────────────────────────────────────────────────────────────

const life = suite('routing actor lifecycle')

life('lifecycle - out$ completes when in$ completes, timers included', () => {
  const h = startRouting(self)
  feed(h, 2)
  h.in$.complete()
  assert.ok(h.done())
})

life('lifecycle - a bad own id is a fatal error of the stream', () => {
  const h = harness(routingActor({ id: new Uint8Array(4) }), fakeDeps(recordingAsk().ask))
  assert.is((h.errors[0] as { code?: string }).code, 'ERR_INVALID_ID')
})

life('lifecycle - the factory consumes exactly what the actor handles (its handler table, and actor.cancel from the kit)', () => {
  const spec = routing({ id: self, k: 8 })
  assert.is(spec.name, 'routing')
  assert.equal([...spec.consumes].sort(), ['actor.cancel', 'liveness.status', 'routing.closest', 'routing.contacts', 'routing.get',
    'rpc.announce_peer', 'rpc.find_node', 'rpc.get_peers', 'rpc.ping', 'transport.failed', 'transport.seen'])
  assert.ok(String(spec.worker).endsWith('/worker.js'))
  assert.equal(spec.init, { id: self, k: 8 })
})

life.after.each(stopRouting)
life.run()
