import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Subject } from 'rxjs'
import { decodeKrpc, encodeQuery, encodeResponse, idToHex, isCrawlerResult, MAX_FIND_NODE_COUNT, MAX_TID_LENGTH, parseQueryArgs,
  randomId } from '@peerconnect/protocol'
import type { Message, NodeId, TransportQuery } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { crawler } from '../src/index.js'
import type { CrawlerInit } from '../src/index.js'
import { findNodeArgs, padBytes } from '../src/find-node-query.js'
import { createSimNetwork } from './fixtures/sim-network.js'
import type { SimNetwork, SimNode } from './fixtures/sim-network.js'
import { simDeps } from './fixtures/sim-deps.js'
import type { SimDeps } from './fixtures/sim-deps.js'

const T = 10_000
const hex = (xs: Array<{ id: NodeId }>): string[] => xs.map(x => idToHex(x.id))

/** Bytes on the wire of a find_node query with these args and a `tid`-byte transaction id. */
const queryBytes = (a: Record<string, unknown>, tid: number): number =>
  encodeQuery(new Uint8Array(tid), 'find_node', { ...a, id: randomId() }).length
/** Bytes of a reply with `n` IPv4 nodes, for a `tid`-byte transaction id. */
const replyBytes = (n: number, tid: number): number =>
  encodeResponse(new Uint8Array(tid), { id: randomId(), nodes: new Uint8Array(26 * n) }).length

// ── the args ─────────────────────────────────────────────────────────────────────────────────

const args = suite('find_node query args')

args('args - 8 or fewer nodes wanted: plain BEP 5 {target}', () => {
  const target = randomId()
  for (const k of [1, 3, 8, 0, Number.NaN]) assert.equal(findNodeArgs(target, k), { target }, String(k))
})

args('args - 9..20 wanted: n and a pad of zero bytes', () => {
  const target = randomId()
  for (let k = 9; k <= 20; k++) {
    const a = findNodeArgs(target, k)
    assert.is(a.target, target)
    assert.is(a.n, k)
    assert.ok(a.pad instanceof Uint8Array && a.pad.length === padBytes(k) && a.pad.every(b => b === 0), `k ${k}`)
  }
})

args('args - more than 20 wanted asks for 20', () => {
  assert.is(findNodeArgs(randomId(), 50).n, MAX_FIND_NODE_COUNT)
  assert.is(findNodeArgs(randomId(), 20.7).n, 20)
})

args('args - 3x the padded query holds a reply with n nodes, for any tid the answerer may assume', () => {
  for (let n = 9; n <= 20; n++) {
    const a = findNodeArgs(randomId(), n)
    const q = queryBytes(a, 1)
    assert.ok(3 * q >= replyBytes(n, MAX_TID_LENGTH), `n ${n}: 3 x ${q} < ${replyBytes(n, MAX_TID_LENGTH)}`)
    for (let tid = 1; tid <= MAX_TID_LENGTH; tid++) assert.ok(3 * queryBytes(a, tid) >= replyBytes(n, tid), `n ${n}, tid ${tid}`)
  }
})

args('args - the pad is not wasteful: 3 bytes less would not hold the reply', () => {
  assert.ok(padBytes(20) > 50, `pad for 20: ${padBytes(20)}`)
  for (let n = 9; n <= 20; n++) {
    if (padBytes(n) < 3) continue
    const a = findNodeArgs(randomId(), n)
    const smaller = { ...a, pad: new Uint8Array(Math.max(0, padBytes(n) - 3)) }
    assert.ok(3 * queryBytes(smaller, 1) < replyBytes(n, MAX_TID_LENGTH), `n ${n}`)
  }
})

args('args - the padded query passes parseQueryArgs with n and without pad', () => {
  const target = randomId()
  const id = randomId()
  const res = decodeKrpc(encodeQuery(new Uint8Array(2), 'find_node', { ...findNodeArgs(target, 20), id }))
  assert.ok(res.ok && res.msg.y === 'q')
  assert.equal(parseQueryArgs('find_node', res.msg.a), { ok: true, method: 'find_node', args: { id, target, n: 20 } })
})

args.run()

// ── the lookup asks for k nodes ──────────────────────────────────────────────────────────────

function start (net: SimNetwork, origin: SimNode, init: Partial<CrawlerInit> = {}) {
  const deps = simDeps(net, origin)
  const in$ = new Subject<Message>()
  const out: Message[] = []
  const sub = crawler({ id: origin.id, ...init }).run(in$, deps).subscribe(m => out.push(m))
  let cid = 0
  return {
    deps,
    stop: () => sub.unsubscribe(),
    async request (msg: Message): Promise<Message> {
      const id = ++cid
      in$.next({ ...msg, cid: id })
      return await waitFor(() => out.find(m => m.re === id && m.end === true), { timeout: T, what: `reply to ${msg.type}` })
    }
  }
}

const findNodeArgsSent = (deps: SimDeps): Array<Record<string, unknown>> =>
  deps.asks.map(a => a.msg).filter((m): m is TransportQuery => m.type === 'transport.query' && (m as TransportQuery).q === 'find_node').map(
    q => q.a
  )

const wide = suite('crawler - lookups wanting more than 8')

wide('wide - the default k sends plain BEP 5 queries', withTimeout(T, async () => {
  const net = createSimNetwork(150, { seed: 21, latency: [1, 3] })
  const c = start(net, net.nodes[0]!)
  try {
    const target = net.randomId()
    assert.ok(isCrawlerResult(await c.request({ type: 'crawler.lookup', target } as Message)))
    const sent = findNodeArgsSent(c.deps)
    assert.ok(sent.length > 0)
    for (const a of sent) assert.equal(Object.keys(a), ['target'])
  } finally {
    c.stop()
  }
}))

wide('wide - k 20 (in the request or in init) sends n 20 with the pad', withTimeout(T, async () => {
  const net = createSimNetwork(150, { seed: 22, latency: [1, 3], bucketSize: 20 })
  for (const init of [{}, { k: 20 }]) {
    const c = start(net, net.nodes[1]!, init)
    try {
      const ask = init.k === undefined
        ? { type: 'crawler.lookup', target: net.randomId(), k: 20 }
        : { type: 'crawler.lookup', target: net.randomId() }
      assert.ok(isCrawlerResult(await c.request(ask)))
      const sent = findNodeArgsSent(c.deps)
      assert.ok(sent.length >= 20)
      for (const a of sent) {
        assert.is(a.n, 20)
        assert.is((a.pad as Uint8Array).length, padBytes(20))
      }
    } finally {
      c.stop()
    }
  }
}))

wide('wide - k 12 asks for 12', withTimeout(T, async () => {
  const net = createSimNetwork(150, { seed: 23, latency: [1, 3], bucketSize: 20 })
  const c = start(net, net.nodes[2]!)
  try {
    assert.ok(isCrawlerResult(await c.request({ type: 'crawler.lookup', target: net.randomId(), k: 12 } as Message)))
    assert.ok(findNodeArgsSent(c.deps).every(a => a.n === 12))
  } finally {
    c.stop()
  }
}))

wide('wide - with nodes answering n, a k 20 lookup returns the true 20 closest, for many targets', withTimeout(T, async () => {
  const net = createSimNetwork(400, { seed: 24, latency: [1, 3], bucketSize: 20 })
  const origin = net.nodes[0]!
  const c = start(net, origin, { k: 20 })
  try {
    for (let i = 0; i < 10; i++) {
      const target = net.randomId()
      const res = await c.request({ type: 'crawler.lookup', target } as Message)
      assert.ok(isCrawlerResult(res))
      assert.equal(hex(res.closest), hex(net.trueClosest(target, 20, origin)), `target ${i}`)
    }
  } finally {
    c.stop()
  }
}))

wide('wide - with dead nodes in the tables, the result holds only live nodes', withTimeout(T, async () => {
  const net = createSimNetwork(400, { seed: 25, latency: [1, 3], bucketSize: 20 })
  for (const n of net.nodes) if (n.index % 6 === 5) n.dead = true
  const c = start(net, net.nodes[0]!, { k: 20 })
  try {
    for (let i = 0; i < 5; i++) {
      const res = await c.request({ type: 'crawler.lookup', target: net.randomId() } as Message)
      assert.ok(isCrawlerResult(res))
      // The fake tables name dead nodes as readily as live ones (our routing does not), so fewer than 20 may be known.
      assert.ok(res.closest.length >= 10, `${res.closest.length} nodes`)
      assert.ok(res.closest.every(x => net.byAddress(x.host, x.port)?.dead === false), 'only live nodes')
    }
  } finally {
    c.stop()
  }
}))

wide.run()
