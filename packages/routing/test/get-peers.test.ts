import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AMPLIFICATION_LIMIT, compareDistance, decodeNodes, decodeNodes6, encodeKrpc, encodeResponse, MAX_TID_LENGTH, parseReply,
  randomId } from '@peerconnect/protocol'
import type { Address, Contact, ErrorReply, Message, NodeId, RoutingContactsReply, RpcReply, RpcRequest } from '@peerconnect/protocol'
import { routingActor } from '../src/index.js'
import { fakeClock, fakeDeps, harness, recordingAsk, seen } from './fakes.js'

const MIN = 60_000
let cid = 0

/** An rpc.<method> as the transport hands it over: `queryBytes` from the real encoding with a `tid`-byte transaction id. */
function rpc (method: string, args: Record<string, unknown>, from: Address, tid = 2): RpcRequest {
  const id = randomId()
  const queryBytes = encodeKrpc({ y: 'q', t: new Uint8Array(tid), q: method, a: { ...args, id } }).length
  return { type: `rpc.${method}`, cid: ++cid, method, from, id, args: { ...args, id }, queryBytes }
}

/** A routing actor holding `n` contacts (IPv4, or IPv6 with `v6`), on a fake clock. */
function node (n: number, opts: { v6?: boolean, peers?: Record<string, number> } = {}) {
  const { ask } = recordingAsk()
  const clock = fakeClock(0)
  const h = harness(routingActor({ id: randomId(), peers: opts.peers }), fakeDeps(ask, { clock }))
  for (let i = 0; i < n; i++) {
    const host = opts.v6 === true ? `fd00::${(i + 1).toString(16)}` : `10.0.${i >> 8}.${(i & 255) + 1}`
    h.in$.next(seen(randomId(), { host, port: 6000 + i }))
  }
  const q = { type: 'routing.contacts', cid: ++cid } as Message
  h.in$.next(q)
  const contacts = (h.out.find(m => m.re === q.cid) as RoutingContactsReply).contacts
  const send = (msg: RpcRequest): RpcReply | ErrorReply => {
    h.in$.next(msg)
    const r = h.out.find(m => m.re === msg.cid)
    assert.ok(r, `an answer to ${msg.method}`)
    return r as RpcReply | ErrorReply
  }
  return {
    contacts,
    clock,
    stop: h.stop,
    getPeers (infoHash: NodeId, from: Address, extra: Record<string, unknown> = {}, tid = 2) {
      const msg = rpc('get_peers', { info_hash: infoHash, ...extra }, from, tid)
      const res = send(msg)
      assert.is(res.type, 'rpc.reply', JSON.stringify(res))
      const r = (res as RpcReply).r
      const parsed = parseReply('get_peers', { ...r, id: randomId() })
      assert.ok(parsed.ok, 'a well-formed get_peers reply')
      const bytes = encodeResponse(new Uint8Array(tid), { ...r, id: randomId() }).length
      return { r, reply: parsed.ok ? parsed.reply : undefined!, bytes, queryBytes: msg.queryBytes }
    },
    announce (infoHash: NodeId, from: Address, args: Record<string, unknown>) {
      return send(rpc('announce_peer', { info_hash: infoHash, ...args }, from))
    }
  }
}

const nearest = (contacts: Contact[], target: NodeId, n: number): NodeId[] =>
  [...contacts].sort((a, b) => compareDistance(a.id, b.id, target)).slice(0, n).map(c => c.id)

const QUERIER = { host: '10.7.0.1', port: 7001 }

const gp = suite('get_peers / announce_peer (BEP 5)')

gp('get_peers - without peers: a token and the 8 closest nodes, within 3x the query', () => {
  const n = node(60)
  const target = randomId()
  const got = n.getPeers(target, QUERIER)
  assert.ok(got.reply.token instanceof Uint8Array && got.reply.token.length === 8, 'an 8-byte token')
  assert.is(got.reply.values, undefined)
  assert.equal(got.reply.nodes.map(c => c.id), nearest(n.contacts, target, got.reply.nodes.length))
  assert.ok(got.reply.nodes.length >= 6, `${got.reply.nodes.length} nodes`)
  assert.ok(got.bytes <= AMPLIFICATION_LIMIT * got.queryBytes, `${got.bytes} > 3 x ${got.queryBytes}`)
  n.stop()
})

gp('get_peers - even for the longest transaction id, the reply stays within 3x', () => {
  const n = node(60)
  for (const tid of [1, 4, 8, MAX_TID_LENGTH]) {
    const got = n.getPeers(randomId(), QUERIER, {}, tid)
    assert.ok(got.bytes <= AMPLIFICATION_LIMIT * got.queryBytes, `tid ${tid}: ${got.bytes} > 3 x ${got.queryBytes}`)
  }
  n.stop()
})

gp('announce_peer - with the token get_peers gave: stored, and get_peers hands the peer out (values), port as given', () => {
  const n = node(30)
  const ih = randomId()
  const { reply } = n.getPeers(ih, QUERIER)
  const ok = n.announce(ih, QUERIER, { port: 51413, token: reply.token })
  assert.equal((ok as RpcReply).r, {})
  const other = n.getPeers(ih, { host: '10.8.0.1', port: 8001 })
  assert.equal(other.reply.values, [{ host: '10.7.0.1', port: 51413 }])
  assert.ok(other.bytes <= AMPLIFICATION_LIMIT * other.queryBytes)
  n.stop()
})

gp('announce_peer - implied_port: the query\'s source port, whatever port says', () => {
  const n = node(10)
  const ih = randomId()
  const token = n.getPeers(ih, QUERIER).reply.token
  n.announce(ih, QUERIER, { port: 1, implied_port: 1, token })
  assert.equal(n.getPeers(ih, QUERIER).reply.values, [{ host: '10.7.0.1', port: 7001 }])
  n.stop()
})

gp('announce_peer - the token is bound to the IP (another port of it may announce) and lasts two rotations', () => {
  const n = node(10)
  const ih = randomId()
  const token = n.getPeers(ih, QUERIER).reply.token!
  const wrongIp = n.announce(ih, { host: '10.7.0.2', port: 7001 }, { port: 9000, token }) as ErrorReply
  assert.is(wrongIp.type, 'error')
  assert.is(wrongIp.error.code, 'ERR_KRPC_PROTOCOL')
  assert.match(wrongIp.error.message, /bad token/)
  assert.is(n.announce(ih, { host: '10.7.0.1', port: 7999 }, { port: 9000, token }).type, 'rpc.reply', 'same IP, other port')
  n.clock.advance(9 * MIN)
  assert.is(n.announce(ih, QUERIER, { port: 9001, token }).type, 'rpc.reply', 'the previous secret')
  n.clock.advance(6 * MIN)
  assert.is(n.announce(ih, QUERIER, { port: 9002, token }).type, 'error', 'two rotations later')
  assert.is(n.announce(ih, QUERIER, { port: 9003, token: new Uint8Array(8) }).type, 'error')
  n.stop()
})

gp('announce_peer - bad arguments are a 203 (ERR_KRPC_PROTOCOL), never a throw', () => {
  const n = node(5)
  const ih = randomId()
  const token = n.getPeers(ih, QUERIER).reply.token
  for (const args of [{ token }, { port: 0, token }, { port: 1 }, { port: 1, token, implied_port: 'x' }]) {
    const res = n.announce(ih, QUERIER, args) as ErrorReply
    assert.is(res.type, 'error')
    assert.is(res.error.code, 'ERR_KRPC_PROTOCOL')
  }
  const bad = n.announce(new Uint8Array(3), QUERIER, { port: 1, token }) as ErrorReply
  assert.is(bad.error.code, 'ERR_KRPC_PROTOCOL')
  n.stop()
})

gp('announce_peer - peers expire 30 min after their last announce', () => {
  const n = node(5)
  const ih = randomId()
  const token = n.getPeers(ih, QUERIER).reply.token
  n.announce(ih, QUERIER, { port: 4000, token })
  n.clock.advance(29 * MIN)
  assert.is(n.getPeers(ih, QUERIER).reply.values?.length, 1)
  n.clock.advance(2 * MIN)
  assert.is(n.getPeers(ih, QUERIER).reply.values, undefined)
  n.stop()
})

gp('announce_peer - a full store is a 202 (ERR_KRPC_SERVER)', () => {
  const n = node(5, { peers: { maxHashes: 1 } })
  const token = n.getPeers(randomId(), QUERIER).reply.token
  assert.is(n.announce(randomId(), QUERIER, { port: 4000, token }).type, 'rpc.reply')
  const res = n.announce(randomId(), QUERIER, { port: 4000, token }) as ErrorReply
  assert.is(res.error.code, 'ERR_KRPC_SERVER')
  n.stop()
})

gp('get_peers - many peers: values first, as many as fit in 3x (newest first), nodes only in the room left', () => {
  const n = node(40, { peers: { maxPerHash: 200 } })
  const ih = randomId()
  for (let i = 0; i < 60; i++) {
    const from = { host: `10.20.${i}.1`, port: 7000 }
    n.announce(ih, from, { port: 5000 + i, token: n.getPeers(ih, from).reply.token })
  }
  const got = n.getPeers(ih, QUERIER)
  const values = got.reply.values ?? []
  assert.ok(values.length >= 15 && values.length < 60, `${values.length} values`)
  assert.equal(values.map(v => v.port), Array.from({ length: values.length }, (_, i) => 5059 - i), 'newest first')
  assert.ok(got.bytes <= AMPLIFICATION_LIMIT * got.queryBytes, `${got.bytes} > 3 x ${got.queryBytes}`)
  assert.ok(got.bytes > AMPLIFICATION_LIMIT * got.queryBytes - 30,
    `the reply fills its bound (${got.bytes} of ${AMPLIFICATION_LIMIT * got.queryBytes})`)
  n.stop()
})

gp('get_peers - BEP 32: an IPv6 querier (or want n6) gets nodes6 and 18-byte values of IPv6 peers; IPv4 ones are left out', () => {
  const n = node(30, { v6: true })
  const ih = randomId()
  const q6 = { host: 'fd00::77', port: 7700 }
  n.announce(ih, q6, { port: 6000, token: n.getPeers(ih, q6).reply.token })
  n.announce(ih, QUERIER, { port: 6001, token: n.getPeers(ih, QUERIER).reply.token })
  const got = n.getPeers(ih, q6)
  assert.equal(got.reply.values, [{ host: 'fd00::77', port: 6000 }])
  assert.ok(got.reply.nodes6.length > 0 && got.r.nodes === undefined)
  const both = n.getPeers(ih, QUERIER, { want: ['n4', 'n6'] })
  assert.equal(new Set(both.reply.values?.map(v => v.host)), new Set(['fd00::77', '10.7.0.1']))
  const raw = both.r.values as Uint8Array[]
  assert.equal(raw.map(v => v.length).sort(), [18, 6])
  assert.ok(decodeNodes6(both.r.nodes6) !== undefined && decodeNodes(both.r.nodes ?? new Uint8Array(0)) !== undefined)
  n.stop()
})

gp.run()
