/**
 * find_node from routing's published view: the view's answer is what routing would send for the
 * same contacts (protocol's ContactView + fitNodes), over real UDP, without asking routing; no
 * view, a view of another node, a malformed one or a stale one sends the query to routing again.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { of } from 'rxjs'
import { ContactView, decodeNodes, decodeNodes6, encodeKrpc, encodeNodes, fitNodes, hour, idToHex, isTransportInfoReply, randomId,
  randomIdWithPrefix } from '@peerconnect/protocol'
import type { Message, NodeId, RoutingView, RpcRequest, ViewContactData } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { createFindNodeView, transport } from '../src/index.js'
import type { InboundQuery } from '../src/index.js'
import { boundSocket, closeAll } from './fixtures/udp.js'
import { fakeDeps, runInProcess } from './fixtures/deps.js'
import type { AskHandler } from './fixtures/deps.js'

const T = 8000

function contactsNear (self: NodeId, n: number, opts: { v6?: number, old?: number } = {}): ViewContactData[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i % 2 === 0 ? randomIdWithPrefix(self, i % 12) : randomId(),
    host: i < (opts.v6 ?? 0) ? `2001:db8::${i + 1}` : `10.1.${i >> 8}.${(i & 255) + 1}`,
    port: 2000 + i,
    goodFor: i < (opts.old ?? 0) ? 0 : hour
  }))
}

function viewMsg (self: NodeId, contacts: ViewContactData[]): RoutingView {
  return { type: 'routing.view', self, contacts }
}

function inbound (args: Record<string, unknown>, from = { host: '10.9.9.9', port: 5000 }): InboundQuery {
  const id = randomId()
  const bytes = encodeKrpc({ y: 'q', t: new Uint8Array(2), q: 'find_node', a: { ...args, id } }).length
  return { method: 'find_node', args: { ...args, id }, id, from, t: new Uint8Array(2), bytes }
}

// ── the view ─────────────────────────────────────────────────────────────────────────────────

const unit = suite('transport view - answers')

unit('view - answers what routing would: ContactView\'s selection, fitted within 3× the query', () => {
  const self = randomId()
  const contacts = contactsNear(self, 300, { old: 40 })
  const v = createFindNodeView(self, { maxAge: 1000 })
  assert.ok(v.take(viewMsg(self, contacts), 0))
  for (let i = 0; i < 50; i++) {
    const q = inbound({ target: i % 2 === 0 ? randomIdWithPrefix(self, i % 30) : randomId() })
    const r = v.answer(q, 10)!
    const want = fitNodes(new ContactView(self, contacts, 0).closest(q.args.target as NodeId, 8, { now: 10, exclude: q.id }), { v4: true,
      v6: false }, q.bytes)
    assert.equal([...r.nodes!], [...want.nodes!])
    assert.ok(decodeNodes(r.nodes)!.length >= 7, 'as many as 3× a plain query fits')
  }
  assert.is(v.stats(10).viewAnswers, 50)
  assert.is(v.stats(10).viewContacts, 300)
})

unit('view - the querier is left out; n (padded) and BEP 32 want are honoured', () => {
  const self = randomId()
  const contacts = contactsNear(self, 60, { v6: 10 })
  const v = createFindNodeView(self, { maxAge: 1000 })
  v.take(viewMsg(self, contacts), 0)
  const querier = contacts[20]!
  const q = inbound({ target: querier.id })
  q.args.id = querier.id
  const own = { ...q, id: querier.id }
  const ids = decodeNodes(v.answer(own, 0)!.nodes)!.map(n => idToHex(n.id))
  assert.not.ok(ids.includes(idToHex(querier.id)), 'never the querier itself')
  const v4only = createFindNodeView(self, { maxAge: 1000 })
  v4only.take(viewMsg(self, contactsNear(self, 60)), 0)
  const wide = v4only.answer(inbound({ target: randomId(), n: 12, pad: new Uint8Array(400) }), 0)!
  assert.is(decodeNodes(wide.nodes)!.length, 12)
  const six = v.answer(inbound({ target: contacts[3]!.id, want: ['n6'] }), 0)! // contacts[3] is IPv6: the nearest
  assert.is(six.nodes, undefined)
  assert.ok(decodeNodes6(six.nodes6)!.length > 0)
})

unit('view - no view, a view of another node, a malformed one, or a stale one: no answer (routing is asked)', () => {
  const self = randomId()
  const v = createFindNodeView(self, { maxAge: 1000 })
  const q = inbound({ target: randomId() })
  assert.is(v.answer(q, 0), undefined)
  assert.is(v.stats(0).viewAge, -1)
  assert.not.ok(v.take(viewMsg(randomId(), contactsNear(self, 5)), 0), 'another node\'s view')
  assert.not.ok(v.take({ type: 'routing.view', self, contacts: [{ id: 'x' }] } as unknown as Message, 0), 'malformed')
  assert.not.ok(
    v.take({ type: 'routing.view', self, contacts: [{ id: randomId(), host: '10.0.0.1', port: 1, goodFor: -5 }] } as unknown as Message, 0),
    'negative goodFor'
  )
  assert.is(v.answer(q, 0), undefined)
  assert.ok(v.take(viewMsg(self, contactsNear(self, 8)), 100))
  assert.is(v.answer(q, 100), undefined, 'no more contacts than wanted: routing may know more')
  assert.ok(v.take(viewMsg(self, contactsNear(self, 9)), 100))
  assert.ok(v.answer(q, 1100) !== undefined, 'fresh up to maxAge')
  assert.is(v.answer(q, 1101), undefined, 'stale after maxAge')
  assert.is(v.answer({ ...q, method: 'ping' }, 100), undefined, 'only find_node')
})

unit('view - a contact turns old on the reader\'s clock: good ones first, the old one only tops up', () => {
  const self = randomId()
  const target = randomId()
  const near = { id: target.slice(), host: '10.0.0.1', port: 1, goodFor: 500 } // the nearest: good for 500 ms
  near.id[19] = near.id[19]! ^ 1
  const others = contactsNear(self, 30)
  const v = createFindNodeView(self, { maxAge: 10_000 })
  v.take(viewMsg(self, [near, ...others]), 1000)
  const first = (now: number): string => idToHex(decodeNodes(v.answer(inbound({ target }), now)!.nodes)![0]!.id)
  assert.is(first(1499), idToHex(near.id), 'still good: nearest first')
  assert.not.equal(first(1500), idToHex(near.id), 'old now: 8 good ones come first')
})

unit.run()

// ── over UDP ─────────────────────────────────────────────────────────────────────────────────

const udp = suite('transport view - over UDP')

const routingAnswer: Record<string, AskHandler> = {
  'rpc.find_node': m =>
    of(
      { type: 'rpc.reply', re: m.cid ?? -1, end: true,
        r: { nodes: encodeNodes([{ id: (m as RpcRequest).args.target as NodeId, host: '10.9.8.7', port: 6881 }]) } } as Message
    )
}

udp('view - with a view, find_node is answered from it and routing is never asked; ping still goes to routing', withTimeout(T, async () => {
  const id = randomId()
  const deps = fakeDeps({ ...routingAnswer, 'rpc.ping': m => of({ type: 'rpc.reply', re: m.cid ?? -1, end: true, r: {} } as Message) })
  const node = runInProcess(transport({ id, host: '127.0.0.1', port: 0 }), deps)
  const probe = await boundSocket()
  try {
    const info = await node.request({ type: 'transport.info' })
    assert.ok(isTransportInfoReply(info))
    const contacts = contactsNear(id, 50)
    node.in$.next(viewMsg(id, contacts))
    const target = randomId()
    const res = await probe.socket.query(info.udp, 'find_node', { target })
    const got = decodeNodes(res.r.nodes)!.map(n => idToHex(n.id))
    const want = new ContactView(id, contacts, 0).closest(target, 8, { now: 0, exclude: probe.id }).map(c => idToHex(c.id))
    assert.equal(got, want)
    assert.is(deps.asked.filter(m => m.type === 'rpc.find_node').length, 0, 'routing was not asked')
    await probe.socket.query(info.udp, 'ping', {})
    assert.is(deps.asked.filter(m => m.type === 'rpc.ping').length, 1)
    const after = await node.request({ type: 'transport.info' })
    assert.ok(isTransportInfoReply(after))
    assert.is(after.stats.viewAnswers, 1)
    assert.is(after.stats.viewContacts, 50)
  } finally {
    node.stop()
    await closeAll(probe.socket)
  }
}))

udp('view - without a view, or once it is older than viewMaxAge, routing answers find_node', withTimeout(T, async () => {
  const id = randomId()
  let now = 1_000_000
  const deps = fakeDeps(routingAnswer, { now: () => now })
  const node = runInProcess(transport({ id, host: '127.0.0.1', port: 0, viewMaxAge: 5000 }), deps)
  const probe = await boundSocket()
  try {
    const info = await node.request({ type: 'transport.info' })
    assert.ok(isTransportInfoReply(info))
    const target = randomId()
    const ask = async (): Promise<string> =>
      idToHex(decodeNodes((await probe.socket.query(info.udp, 'find_node', { target })).r.nodes)![0]!.id)
    assert.is(await ask(), idToHex(target), 'no view yet: routing answered (its node is the target itself)')
    node.in$.next(viewMsg(id, contactsNear(id, 20)))
    assert.not.equal(await ask(), idToHex(target), 'from the view')
    now += 5001
    assert.is(await ask(), idToHex(target), 'stale view: routing again')
    assert.is(deps.asked.filter(m => m.type === 'rpc.find_node').length, 2)
  } finally {
    node.stop()
    await closeAll(probe.socket)
  }
}))

udp.run()
