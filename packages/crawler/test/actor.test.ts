import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Subject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { commonPrefixLength, idToHex, idsEqual, isCrawlerBootstrapReply, isCrawlerProgress, isCrawlerResult,
  randomId } from '@peerconnect/protocol'
import type { Message, NodeId, TransportQuery } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { crawler } from '../src/index.js'
import type { CrawlerInit } from '../src/index.js'
import { SLOW_INITIAL } from '../src/constants.js'
import { createSimNetwork } from './fixtures/sim-network.js'
import type { SimNetwork, SimNode } from './fixtures/sim-network.js'
import { REPLY_OVERHEAD, simDeps } from './fixtures/sim-deps.js'
import type { SimDeps, SimDepsOptions } from './fixtures/sim-deps.js'

const T = 10_000
const hex = (xs: Array<{ id: NodeId }>): string[] => xs.map(x => idToHex(x.id))

/** Runs the crawler for `origin` in-process over the simulated network (real time, small latencies). */
function start (net: SimNetwork, origin: SimNode, init: Partial<CrawlerInit> = {}, opts: SimDepsOptions = {}) {
  const deps = simDeps(net, origin, opts)
  const in$ = new Subject<Message>()
  const out: Message[] = []
  const sub = crawler({ id: origin.id, ...init }).run(in$, deps).subscribe(m => out.push(m))
  let cid = 0
  return {
    deps,
    out,
    in$,
    stop: () => sub.unsubscribe(),
    send (msg: Message): number {
      const id = ++cid
      in$.next({ ...msg, cid: id })
      return id
    },
    async request (msg: Message): Promise<Message> {
      const id = this.send(msg)
      return await waitFor(() => out.find(m => m.re === id && m.end === true), { timeout: T, what: `reply to ${msg.type}` })
    },
    repliesTo: (id: number) => out.filter(m => m.re === id)
  }
}

const fastNet = (n: number, seed: number): SimNetwork => createSimNetwork(n, { seed, latency: [1, 3] })
const findNodeAsks = (deps: SimDeps) =>
  deps.asks.filter(a => a.msg.type === 'transport.query' && (a.msg as TransportQuery).q === 'find_node')

// ── crawler.lookup ───────────────────────────────────────────────────────────────────────────

const lookup = suite('crawler actor - crawler.lookup')

lookup('crawler.lookup - streams progress, then a result with the true closest', withTimeout(T, async () => {
  const net = fastNet(200, 1)
  const origin = net.nodes[0]!
  const c = start(net, origin)
  try {
    const target = net.randomId()
    const res = await c.request({ type: 'crawler.lookup', target } as Message)
    assert.ok(isCrawlerResult(res), JSON.stringify(res))
    assert.equal(hex(res.closest.slice(0, 8)), hex(net.trueClosest(target, 8, origin)))
    assert.ok(res.closest.length <= 20)
    assert.ok(idsEqual(res.target, target))
    assert.is(res.found, null)
    const all = c.repliesTo(1)
    const progress = all.filter(isCrawlerProgress)
    assert.ok(progress.length >= 1, 'at least one progress message')
    assert.ok(progress.every(p => p.end === false))
    assert.is(all[all.length - 1], res, 'the result comes last')
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.responded >= progress[i - 1]!.responded)
    assert.ok(res.closest.every(x => x.lastSeen > 0 && typeof x.rtt === 'number'))
  } finally {
    c.stop()
  }
}))

lookup('crawler.lookup - reports queries and bytes', withTimeout(T, async () => {
  const net = fastNet(200, 2)
  const c = start(net, net.nodes[3]!)
  try {
    const res = await c.request({ type: 'crawler.lookup', target: net.randomId() } as Message)
    assert.ok(isCrawlerResult(res))
    const sent = findNodeAsks(c.deps)
    assert.is(res.queries, sent.length)
    assert.ok(res.queries > 0 && res.queries < 60)
    const answered = sent.filter(a => a.done && !a.cancelled).length
    assert.ok(answered > 0 && answered <= sent.length)
    assert.is(res.bytes, answered * (REPLY_OVERHEAD + 26 * 8),
      'bytes of every answer (8 nodes each); queries still in flight at the end count none')
    assert.ok(res.ms >= 0)
  } finally {
    c.stop()
  }
}))

lookup('crawler.lookup - k in the request and in init', withTimeout(T, async () => {
  const net = fastNet(200, 3)
  const origin = net.nodes[5]!
  const c = start(net, origin, { k: 4, keep: 6 })
  try {
    const target = net.randomId()
    const res = await c.request({ type: 'crawler.lookup', target } as Message)
    assert.ok(isCrawlerResult(res))
    assert.equal(hex(res.closest.slice(0, 4)), hex(net.trueClosest(target, 4, origin)))
    assert.ok(res.closest.length <= 6)
    const wider = await c.request({ type: 'crawler.lookup', target, k: 8 } as Message)
    assert.ok(isCrawlerResult(wider))
    assert.equal(hex(wider.closest.slice(0, 8)), hex(net.trueClosest(target, 8, origin)))
  } finally {
    c.stop()
  }
}))

lookup('crawler.lookup - seeds come from routing.closest and our own id is never queried', withTimeout(T, async () => {
  const net = fastNet(100, 4)
  const origin = net.nodes[9]!
  const c = start(net, origin, { seedCount: 12 })
  try {
    await c.request({ type: 'crawler.lookup', target: origin.id } as Message)
    const routing = c.deps.asks.filter(a => a.msg.type === 'routing.closest')
    assert.is(routing.length, 1)
    assert.is((routing[0]!.msg as Message & { n: number }).n, 12)
    assert.not.ok(findNodeAsks(c.deps).some(a => a.node === origin))
  } finally {
    c.stop()
  }
}))

lookup('crawler.lookup - without routing and seeds it ends at once, empty', withTimeout(T, async () => {
  const net = fastNet(50, 5)
  const c = start(net, net.nodes[0]!, {}, { routing: false })
  try {
    const res = await c.request({ type: 'crawler.lookup', target: randomId() } as Message)
    assert.ok(isCrawlerResult(res))
    assert.equal(res.closest, [])
    assert.is(res.queries, 0)
  } finally {
    c.stop()
  }
}))

lookup('crawler.lookup - dead nodes and bad replies are dropped, the lookup still ends', withTimeout(T, async () => {
  const net = fastNet(200, 6)
  for (const n of net.nodes) if (n.index % 5 === 1) n.dead = true
  const liar = new Set(net.nodes.filter(n => n.index % 7 === 2))
  const origin = net.nodes[0]!
  const c = start(net, origin, {}, { timeout: 30,
    reply: (node, _t) => liar.has(node) ? { id: node.id, nodes: new Uint8Array(25) } : undefined })
  try {
    const res = await c.request({ type: 'crawler.lookup', target: net.randomId() } as Message)
    assert.ok(isCrawlerResult(res))
    assert.ok(res.closest.length >= 8)
    for (const x of res.closest) {
      const node = net.byAddress(x.host, x.port)!
      assert.not.ok(node.dead, 'no dead node in the result')
      assert.not.ok(liar.has(node), 'no node with a malformed reply in the result')
    }
  } finally {
    c.stop()
  }
}))

lookup('crawler.lookup - lookups run concurrently and each gets its own result', withTimeout(T, async () => {
  const net = fastNet(200, 7)
  const origin = net.nodes[2]!
  const c = start(net, origin)
  try {
    const targets = Array.from({ length: 5 }, () => net.randomId())
    const results = await Promise.all(targets.map(target => c.request({ type: 'crawler.lookup', target } as Message)))
    results.forEach((res, i) => {
      assert.ok(isCrawlerResult(res))
      assert.ok(idsEqual(res.target, targets[i]!))
      assert.equal(hex(res.closest.slice(0, 8)), hex(net.trueClosest(targets[i]!, 8, origin)))
    })
  } finally {
    c.stop()
  }
}))

lookup('crawler.lookup - a malformed request gets ERR_BAD_REQUEST', withTimeout(T, async () => {
  const net = fastNet(10, 8)
  const c = start(net, net.nodes[0]!)
  try {
    for (const msg of [{ type: 'crawler.lookup', target: new Uint8Array(3) }, { type: 'crawler.find' }, { type: 'crawler.bootstrap',
      seeds: [{ host: 'x' }] }]) {
      const res = await c.request(msg)
      assert.is(res.type, 'error')
      assert.is((res as Message & { error: { code: string } }).error.code, 'ERR_BAD_REQUEST')
    }
  } finally {
    c.stop()
  }
}))

// ── crawler.find ─────────────────────────────────────────────────────────────────────────────

const find = suite('crawler actor - crawler.find')

find('crawler.find - finds a node by id and stops as soon as it answers', withTimeout(T, async () => {
  const net = fastNet(200, 9)
  const origin = net.nodes[0]!
  const c = start(net, origin)
  try {
    const wanted = net.nodes[123]!
    const res = await c.request({ type: 'crawler.find', id: wanted.id } as Message)
    assert.ok(isCrawlerResult(res))
    assert.ok(res.found !== null)
    assert.ok(idsEqual(res.found.id, wanted.id))
    assert.is(res.found.host, wanted.host)
    assert.is(res.found.port, wanted.port)
    assert.is(c.repliesTo(1).length, 1, 'find replies once')
  } finally {
    c.stop()
  }
}))

find('crawler.find - an id nobody has gives found: null', withTimeout(T, async () => {
  const net = fastNet(100, 10)
  const c = start(net, net.nodes[0]!)
  try {
    const res = await c.request({ type: 'crawler.find', id: net.randomId() } as Message)
    assert.ok(isCrawlerResult(res))
    assert.is(res.found, null)
    assert.ok(res.closest.length > 0)
  } finally {
    c.stop()
  }
}))

find('crawler.find - a dead node is not found', withTimeout(T, async () => {
  const net = fastNet(100, 11)
  const wanted = net.nodes[50]!
  wanted.dead = true
  const c = start(net, net.nodes[0]!, {}, { timeout: 30 })
  try {
    const res = await c.request({ type: 'crawler.find', id: wanted.id } as Message)
    assert.ok(isCrawlerResult(res))
    assert.is(res.found, null)
  } finally {
    c.stop()
  }
}))

// ── crawler.bootstrap ────────────────────────────────────────────────────────────────────────

const boot = suite('crawler actor - crawler.bootstrap')

boot('crawler.bootstrap - pings the seeds and meets the network', withTimeout(T, async () => {
  const net = fastNet(200, 12)
  const origin = net.nodes[0]!
  origin.table.length = 0 // a fresh node: routing knows nobody
  net.nodes[2]!.dead = true
  const seeds = [1, 2, 3].map(i => ({ host: net.nodes[i]!.host, port: net.nodes[i]!.port }))
  const c = start(net, origin, {}, { timeout: 30 })
  try {
    const res = await c.request({ type: 'crawler.bootstrap', seeds } as Message)
    assert.ok(isCrawlerBootstrapReply(res), JSON.stringify(res))
    assert.is(res.seedsAnswered, 2)
    assert.ok(res.contacts >= 20, `met ${res.contacts} contacts`)
  } finally {
    c.stop()
  }
}))

boot('crawler.bootstrap - no seed answers: zero counts, no crash', withTimeout(T, async () => {
  const net = fastNet(20, 13)
  const origin = net.nodes[0]!
  origin.table.length = 0
  const c = start(net, origin, {}, { timeout: 20 })
  try {
    const res = await c.request({ type: 'crawler.bootstrap', seeds: [{ host: '192.0.2.1', port: 1 }] } as Message)
    assert.ok(isCrawlerBootstrapReply(res))
    assert.is(res.seedsAnswered, 0)
    assert.is(res.contacts, 0)
  } finally {
    c.stop()
  }
}))

// ── cancellation ─────────────────────────────────────────────────────────────────────────────

const cancel = suite('crawler actor - cancellation')

cancel('crawler - unsubscribing stops a lookup: queries in flight are cancelled, no more are sent', () => {
  // Virtual time: after the unsubscribe, flush() runs every timer left (replies, timeouts, retries) at once.
  const net = createSimNetwork(200, { seed: 14, latency: [20, 40] })
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const out: Message[] = []
  let deps: SimDeps | undefined
  const atStop = { sent: -1, inFlight: -1 }
  scheduler.run(({ flush }) => {
    const d = deps = simDeps(net, net.nodes[0]!, { scheduler })
    const in$ = new Subject<Message>()
    const sub = crawler({ id: net.nodes[0]!.id }).run(in$, d).subscribe(m => out.push(m))
    in$.next({ type: 'crawler.lookup', target: net.randomId(), cid: 1 } as Message)
    scheduler.schedule(() => {
      sub.unsubscribe()
      atStop.sent = findNodeAsks(d).length
      atStop.inFlight = d.inFlight()
    }, 30)
    flush()
  })
  assert.ok(atStop.sent >= 3, `${atStop.sent} queries started before the unsubscribe`)
  assert.is(atStop.inFlight, 0, 'every query in flight was cancelled')
  assert.is(findNodeAsks(deps!).length, atStop.sent, 'nothing was sent after unsubscribing')
  assert.not.ok(out.some(isCrawlerResult))
})

cancel('crawler - actor.cancel for a request stops that lookup only', withTimeout(T, async () => {
  const net = createSimNetwork(200, { seed: 15, latency: [20, 40] })
  const c = start(net, net.nodes[0]!)
  try {
    const doomed = c.send({ type: 'crawler.lookup', target: net.randomId() } as Message)
    const kept = c.send({ type: 'crawler.lookup', target: net.randomId() } as Message)
    assert.is(findNodeAsks(c.deps).length, 6, 'both lookups sent their first queries at once')
    c.in$.next({ type: 'actor.cancel', ask: doomed } as Message)
    assert.is(c.deps.inFlight(), 3, 'the cancelled lookup\'s queries were unsubscribed')
    await waitFor(() => c.out.find(m => m.re === kept && m.end === true), { timeout: T, what: 'the other lookup to end' })
    assert.not.ok(c.out.some(m => m.re === doomed && m.end === true), 'the cancelled lookup never replied')
    assert.is(c.deps.inFlight(), 0)
  } finally {
    c.stop()
  }
}))

lookup.run()
find.run()
boot.run()
cancel.run()

// ── virtual time (TestScheduler) ─────────────────────────────────────────────────────────────

const virtual = suite('crawler actor - virtual time')

function runVirtual (net: SimNetwork, origin: SimNode, msg: Message, init: Partial<CrawlerInit> = {}, opts: SimDepsOptions = {}) {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  let deps: SimDeps | undefined
  const out: Array<{ at: number, m: Message }> = []
  scheduler.run(({ flush }) => {
    deps = simDeps(net, origin, { ...opts, scheduler })
    const in$ = new Subject<Message>()
    crawler({ id: origin.id, ...init }).run(in$, deps).subscribe(m => out.push({ at: scheduler.now(), m }))
    in$.next({ ...msg, cid: 1 })
    flush()
  })
  return { deps: deps!, out }
}

virtual('crawler - alpha queries in flight at most, in virtual time', () => {
  const net = createSimNetwork(300, { seed: 16, latency: [5, 20] })
  for (const alpha of [1, 3, 6]) {
    for (let i = 0; i < 5; i++) {
      const { deps, out } = runVirtual(net, net.nodes[i]!, { type: 'crawler.lookup', target: net.randomId() } as Message, { alpha })
      assert.ok(out.some(o => isCrawlerResult(o.m)))
      assert.ok(deps.maxInFlight <= alpha, `alpha ${alpha}: ${deps.maxInFlight} in flight`)
      assert.is(deps.maxInFlight, alpha)
    }
  }
})

virtual('crawler - a slow node gives its slot up at the threshold and its late reply still counts', () => {
  const net = createSimNetwork(300, { seed: 17, latency: [100, 100] })
  const origin = net.nodes[0]!
  const target = net.randomId()
  const seeds = net.seedsFor(origin, target, 16)
  const slow = net.byAddress(seeds[0]!.host, seeds[0]!.port)!
  slow.latency = SLOW_INITIAL + 50
  const { deps, out } = runVirtual(net, origin, { type: 'crawler.lookup', target } as Message, { alpha: 1 }, { timeout: 5000 })
  const sent = findNodeAsks(deps)
  assert.is(sent[0]!.node, slow, 'the closest seed is asked first')
  assert.is(sent[0]!.at, 0)
  assert.is(sent[1]!.at, SLOW_INITIAL, 'with nothing measured its slot is released after SLOW_INITIAL')
  assert.is(sent[2]!.at, SLOW_INITIAL + 100, 'the next query goes out when the other one answers')
  assert.ok(sent.every(s => s.at < 1000 || s.node !== slow), 'the slow node is not asked twice')
  const result = out.find(o => isCrawlerResult(o.m))!
  assert.ok(isCrawlerResult(result.m))
  const rank = hex(net.trueClosest(target, 300, origin)).indexOf(idToHex(slow.id))
  assert.ok(rank >= 0 && rank < 8, 'the slow node is one of the true 8 closest')
  assert.ok(result.m.closest.some(c => idsEqual(c.id, slow.id)), 'its late reply was used')
  assert.equal(hex(result.m.closest.slice(0, 8)), hex(net.trueClosest(target, 8, origin)))
})

virtual('crawler - a node far slower than the others is presumed lost: the lookup does not wait for it', () => {
  const net = createSimNetwork(300, { seed: 17, latency: [10, 10] })
  const origin = net.nodes[0]!
  const target = net.randomId()
  const seeds = net.seedsFor(origin, target, 16)
  const slow = net.byAddress(seeds[0]!.host, seeds[0]!.port)!
  slow.latency = 1000
  const { deps, out } = runVirtual(net, origin, { type: 'crawler.lookup', target } as Message, { alpha: 1 }, { timeout: 5000 })
  const sent = findNodeAsks(deps)
  assert.is(sent[1]!.at, SLOW_INITIAL)
  const result = out.find(o => isCrawlerResult(o.m))!
  assert.ok(isCrawlerResult(result.m))
  assert.ok(result.at < 1000, `the result came at ${result.at} ms, before the slow reply`)
  assert.not.ok(result.m.closest.some(c => idsEqual(c.id, slow.id)))
  const others = net.trueClosest(target, 9, origin).filter(n => n !== slow).slice(0, 8)
  assert.equal(hex(result.m.closest.slice(0, 8)), hex(others), 'the true closest but the lost one')
  assert.ok(findNodeAsks(deps).some(a => a.node === slow && a.cancelled), 'its query was cancelled when the lookup ended')
})

virtual('crawler - find stops early: never more queries than the full lookup', () => {
  const net = createSimNetwork(300, { seed: 20, latency: [5, 40] })
  for (let i = 0; i < 10; i++) {
    const origin = net.nodes[i]!
    const wanted = net.nodes[100 + i * 13]!
    const find = runVirtual(net, origin, { type: 'crawler.find', id: wanted.id } as Message)
    const full = runVirtual(net, origin, { type: 'crawler.lookup', target: wanted.id } as Message)
    const f = find.out.find(o => isCrawlerResult(o.m))!
    const l = full.out.find(o => isCrawlerResult(o.m))!
    assert.ok(isCrawlerResult(f.m) && isCrawlerResult(l.m))
    assert.ok(f.m.found !== null && idsEqual(f.m.found.id, wanted.id))
    assert.ok(f.m.queries <= l.m.queries, `find ${f.m.queries} queries, lookup ${l.m.queries}`)
    assert.ok(f.at <= l.at)
  }
})

virtual('crawler.bootstrap - pings the seeds, looks up our id, refreshes farther buckets', () => {
  const net = createSimNetwork(200, { seed: 12, latency: [5, 40] })
  const origin = net.nodes[0]!
  origin.table.length = 0 // a fresh node: routing knows nobody
  net.nodes[2]!.dead = true
  const seeds = [1, 2, 3].map(i => ({ host: net.nodes[i]!.host, port: net.nodes[i]!.port }))
  const { deps, out } = runVirtual(net, origin, { type: 'crawler.bootstrap', seeds } as Message, {}, { timeout: 300 })
  const res = out.find(o => isCrawlerBootstrapReply(o.m))!.m
  assert.ok(isCrawlerBootstrapReply(res))
  assert.is(res.seedsAnswered, 2)
  const pings = deps.asks.filter(a => a.msg.type === 'transport.query' && (a.msg as TransportQuery).q === 'ping')
  assert.equal(pings.map(p => p.node?.index), [1, 2, 3])
  const lookups = deps.asks.filter(a => a.msg.type === 'routing.closest')
  const targets = lookups.map(a => (a.msg as Message & { target: NodeId }).target)
  assert.ok(idsEqual(targets[0]!, origin.id), 'the first lookup is of our own id')
  assert.ok(lookups[0]!.at >= 300, 'after the dead seed timed out')
  const depth = commonPrefixLength(net.trueClosest(origin.id, 1, origin)[0]!.id, origin.id)
  assert.ok(depth > 3)
  assert.is(targets.length, 1 + depth, 'then one lookup per bucket farther than our closest neighbour')
  targets.slice(1).forEach((t, i) => assert.is(commonPrefixLength(t, origin.id), i, `refresh target ${i} lies in bucket ${i}`))
  const answered = new Set(
    deps.asks.filter(a => a.msg.type === 'transport.query' && a.done && !a.cancelled && a.node !== undefined && !a.node.dead).map(a =>
      a.node!.index
    )
  )
  assert.is(res.contacts, answered.size, 'contacts = distinct nodes that answered')
})

virtual('crawler - lookupTimeout bounds a lookup that cannot finish', () => {
  const net = createSimNetwork(50, { seed: 18, latency: [10, 10] })
  for (const n of net.nodes) n.latency = 10_000
  const { out } = runVirtual(net, net.nodes[0]!, { type: 'crawler.lookup', target: net.randomId() } as Message, { lookupTimeout: 3000 }, {
    timeout: 60_000
  })
  const result = out.find(o => isCrawlerResult(o.m))!
  assert.is(result.at, 3000)
  assert.ok(isCrawlerResult(result.m))
  assert.equal(result.m.closest, [])
})

virtual('crawler - queryTimeout goes on every transport.query', () => {
  const net = createSimNetwork(50, { seed: 19, latency: [10, 10] })
  const { deps } = runVirtual(net, net.nodes[0]!, { type: 'crawler.lookup', target: net.randomId() } as Message, { queryTimeout: 777 })
  const sent = findNodeAsks(deps)
  assert.ok(sent.length > 0)
  assert.ok(sent.every(s => (s.msg as TransportQuery).timeout === 777))
  const plain = runVirtual(net, net.nodes[0]!, { type: 'crawler.lookup', target: net.randomId() } as Message)
  assert.ok(findNodeAsks(plain.deps).every(s => !('timeout' in s.msg)), 'no timeout field unless configured')
})

virtual.run()
