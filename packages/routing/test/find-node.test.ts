import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AMPLIFICATION_LIMIT, compareDistance, decodeNodes, encodeKrpc, encodeResponse, MAX_TID_LENGTH, randomId,
  replyBytes } from '@peerconnect/protocol'
import type { Contact, Message, NodeId, RoutingContactsReply, RpcReply, RpcRequest } from '@peerconnect/protocol'
import { routingActor } from '../src/index.js'
import { fakeClock, fakeDeps, harness, recordingAsk, seen } from './fakes.js'

const wanted = suite('find_node n (extension)')

let cid = 0
/** An rpc.find_node as the transport hands it over: `queryBytes` counted from the real encoding (2-byte tid). */
function findNode (args: Record<string, unknown>): RpcRequest {
  const id = randomId()
  const queryBytes = encodeKrpc({ y: 'q', t: new Uint8Array(2), q: 'find_node', a: { ...args, id } }).length
  return { type: 'rpc.find_node', cid: ++cid, method: 'find_node', from: { host: '10.9.9.9', port: 5000 }, id, args: { ...args, id },
    queryBytes }
}

/** A routing actor holding `n` contacts; `ask(args)` answers one find_node. */
function responder (n: number) {
  const { ask } = recordingAsk()
  const h = harness(routingActor({ id: randomId() }), fakeDeps(ask, { clock: fakeClock() }))
  for (let i = 0; i < n; i++) h.in$.next(seen(randomId(), { host: `10.0.${i >> 8}.${(i & 255) + 1}`, port: 6000 + i }))
  const q = { type: 'routing.contacts', cid: ++cid } as Message
  h.in$.next(q)
  const contacts = (h.out.find(m => m.re === q.cid) as RoutingContactsReply).contacts
  return {
    contacts,
    stop: h.stop,
    ask (args: Record<string, unknown>): { nodes: Contact[] | undefined, bytes: number, queryBytes: number } {
      const msg = findNode(args)
      h.in$.next(msg)
      const r = h.out.find(m => m.re === msg.cid) as RpcReply
      assert.ok(r, 'a reply')
      const bytes = encodeResponse(new Uint8Array(2), { ...r.r, id: randomId() }).length
      return { nodes: decodeNodes(r.r.nodes) as Contact[] | undefined, bytes, queryBytes: msg.queryBytes }
    }
  }
}

/** Zero bytes enough that 3x the query fits `n` nodes for the longest tid (what the crawler sends, found here by search). */
function padFor (n: number): Uint8Array {
  const reply = replyBytes(MAX_TID_LENGTH, 26 * n, -1)
  for (let len = 0;; len++) {
    const q =
      encodeKrpc({ y: 'q', t: new Uint8Array(1), q: 'find_node', a: { id: randomId(), target: randomId(), n, pad: new Uint8Array(len) } })
        .length
    if (AMPLIFICATION_LIMIT * q >= reply) return new Uint8Array(len)
  }
}

const nearest = (contacts: Contact[], target: NodeId, n: number): NodeId[] =>
  [...contacts].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, n).map(c => c.id)

wanted('n - a padded query with n = 9..20 gets exactly the n nearest contacts, within 3x the query', () => {
  const r = responder(120)
  assert.ok(r.contacts.length >= 40, `table holds ${r.contacts.length}`)
  for (let n = 9; n <= 20; n++) {
    const target = randomId()
    const got = r.ask({ target, n, pad: padFor(n) })
    assert.equal(got.nodes?.map(c => c.id), nearest(r.contacts, target, n), `n ${n}`)
    assert.ok(got.bytes <= AMPLIFICATION_LIMIT * got.queryBytes, `n ${n}: ${got.bytes} > 3 x ${got.queryBytes}`)
  }
  r.stop()
})

wanted('n - a plain query still gets 8; a small n gets n', () => {
  const r = responder(80)
  const target = randomId()
  assert.equal(r.ask({ target }).nodes?.map(c => c.id), nearest(r.contacts, target, 8))
  assert.equal(r.ask({ target, n: 3 }).nodes?.map(c => c.id), nearest(r.contacts, target, 3))
  r.stop()
})

wanted('n - n = 20 without padding is trimmed to the 3x bound (nearest kept), never more than fits', () => {
  const r = responder(80)
  const target = randomId()
  const got = r.ask({ target, n: 20 })
  const count = got.nodes?.length ?? 0
  assert.ok(count >= 5 && count < 20, `${count} nodes`)
  assert.equal(got.nodes?.map(c => c.id), nearest(r.contacts, target, count))
  assert.ok(got.bytes <= AMPLIFICATION_LIMIT * got.queryBytes)
  r.stop()
})

wanted('n - with fewer contacts than n, all of them are sent', () => {
  const r = responder(6)
  const target = randomId()
  assert.equal(r.ask({ target, n: 20, pad: padFor(20) }).nodes?.map(c => c.id), nearest(r.contacts, target, 20))
  assert.is(r.contacts.length, 6)
  r.stop()
})

wanted.run()
