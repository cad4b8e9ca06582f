/**
 * Lookups over a real local testnet: 100 inline nodes on 127.0.0.1 with real UDP sockets. Every
 * lookup is checked against the ground truth, the closest ids by XOR over all node ids.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, toArray } from 'rxjs'
import { idToHex, idsEqual, isCrawlerProgress, isCrawlerResult } from '@peerconnect/protocol'
import type { CrawlerLookup, NodeId } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { createSwarm } from '../src/index.js'
import type { PeerNode, Swarm } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { hexes, idFrom, prng, recall, trueClosest } from './fixtures/ids.js'
import { find, findExpecting, lookup, lookupExpecting } from './fixtures/node.js'
import { retryOnce } from './fixtures/retry.js'
import { LOOPBACK } from './fixtures/loopback.js'

const SIZE = 100
const K = 8
const T = 60_000

/** The swarm under test, its ids (the ground truth) and a seeded PRNG for picks and targets. */
interface Net {
  swarm: Swarm
  ids: NodeId[]
  random: () => number
}

const ctx = {} as Net

const testnet = suite('testnet - 100 nodes')

testnet.before(hook(T, async () => {
  ctx.swarm = await createSwarm(SIZE, { host: LOOPBACK })
  ctx.ids = ctx.swarm.nodes.map(n => n.id)
  ctx.random = prng(0x5eed)
}))

testnet.after(hook(T, async () => {
  await ctx.swarm?.stop()
}))

testnet('testnet - the swarm has 100 nodes with distinct ids and addresses', () => {
  assert.is(ctx.swarm.nodes.length, SIZE)
  assert.is(new Set(ctx.ids.map(idToHex)).size, SIZE)
  assert.is(new Set(ctx.swarm.nodes.map(n => `${n.udp.host}:${n.udp.port}`)).size, SIZE)
  assert.ok(ctx.swarm.nodes.every(n => n.udp.host === LOOPBACK && n.udp.port > 0))
})

testnet('testnet - 25 lookups of random targets from random nodes find the true closest 8', withTimeout(T, async () => {
  for (let i = 0; i < 25; i++) {
    const from = pick(ctx.swarm.nodes, ctx.random)
    const target = idFrom(ctx.random)
    const truth = trueClosest(ctx.ids, target, K, from.id)
    const res = await lookupExpecting(from, target, truth)
    assert.is(recall(res.closest.slice(0, K), truth), 1,
      `lookup ${i} from ${from.name}: got ${hexes(res.closest.slice(0, K)).join(',')}, want ${hexes(truth).join(',')}`)
    assert.equal(hexes(res.closest.slice(0, K)), hexes(truth), 'nearest first, in XOR order')
    assert.ok(idsEqual(res.target, target))
    assert.ok(res.queries > 0, 'queries reported')
    assert.ok(res.queries < SIZE, `a lookup does not flood the swarm (${res.queries} queries)`)
    assert.ok(res.bytes > 0, 'bytes reported')
    assert.is(res.found, null, 'a random target is nobody')
  }
}))

testnet('testnet - the result never contains the node that looked', withTimeout(T, async () => {
  for (let i = 0; i < 5; i++) {
    const from = pick(ctx.swarm.nodes, ctx.random)
    const truth = trueClosest(ctx.ids, from.id, K, from.id)
    const res = await lookupExpecting(from, from.id, truth)
    assert.not.ok(res.closest.some(c => idsEqual(c.id, from.id)), 'our own id is never a candidate')
    assert.equal(hexes(res.closest.slice(0, K)), hexes(truth), 'our own neighbourhood')
  }
}))

testnet('testnet - 20 lookups at once from 20 nodes all find the true closest 8', withTimeout(T, async () => {
  const jobs = ctx.swarm.nodes.slice(10, 30).map(from => ({ from, target: idFrom(ctx.random) }))
  const truths = jobs.map(j => trueClosest(ctx.ids, j.target, K, j.from.id))
  const results = await Promise.all(jobs.map(async (j, i) => await lookupExpecting(j.from, j.target, truths[i]!)))
  results.forEach((res, i) => assert.equal(hexes(res.closest.slice(0, K)), hexes(truths[i]!), `concurrent lookup ${i}`))
}))

testnet('testnet - a lookup streams progress, then one result', withTimeout(T, async () => {
  const from = pick(ctx.swarm.nodes, ctx.random)
  const target = idFrom(ctx.random)
  const msgs = await lastValueFrom(
    from.supervisor.ask({ type: 'crawler.lookup', target } as CrawlerLookup, { timeout: 30_000 }).pipe(toArray())
  )
  const last = msgs[msgs.length - 1]
  assert.ok(isCrawlerResult(last), `last message is the result, got ${String(last?.type)}`)
  const progress = msgs.slice(0, -1)
  assert.ok(progress.length > 0, 'at least one progress message')
  assert.ok(progress.every(isCrawlerProgress), 'everything before the result is progress')
  const responded = progress.filter(isCrawlerProgress).map(p => p.responded)
  assert.equal(responded, [...responded].sort((a, b) => a - b), 'responded never goes down')
  assert.ok(last.closest.length >= K, 'the result holds the k closest responsive nodes')
  assert.equal(hexes(last.closest), hexes(trueClosest(last.closest.map(c => c.id), target, last.closest.length)), 'nearest first')
}))

testnet('testnet - crawler.find of an existing node returns that node, at its address', withTimeout(T, async () => {
  for (let i = 0; i < 10; i++) {
    const from = pick(ctx.swarm.nodes, ctx.random)
    let wanted = pick(ctx.swarm.nodes, ctx.random)
    while (wanted === from) wanted = pick(ctx.swarm.nodes, ctx.random)
    const res = await findExpecting(from, wanted.id)
    assert.ok(res.found !== null, `${from.name} finds ${wanted.name}`)
    assert.ok(idsEqual(res.found.id, wanted.id))
    assert.is(res.found.host, wanted.udp.host)
    assert.is(res.found.port, wanted.udp.port)
    assert.ok(res.queries > 0)
  }
}))

testnet('testnet - crawler.find of a random id returns found = null and the closest nodes', withTimeout(T, async () => {
  for (let i = 0; i < 5; i++) {
    const from = pick(ctx.swarm.nodes, ctx.random)
    const id = idFrom(ctx.random)
    const truth = trueClosest(ctx.ids, id, K, from.id)
    const res = await retryOnce(async () => await find(from, id), r => hexes(r.closest.slice(0, K)).join() === hexes(truth).join())
    assert.is(res.found, null)
    assert.ok(res.queries > 0)
    assert.equal(hexes(res.closest.slice(0, K)), hexes(truth))
  }
}))

testnet.run()

// ── a testnet that loses nodes ───────────────────────────────────────────────────────────────

const net = {} as Net

const churn = suite('testnet - dead nodes')

churn.before(hook(T, async () => {
  net.swarm = await createSwarm(40, { host: LOOPBACK })
  net.ids = net.swarm.nodes.map(n => n.id)
  net.random = prng(0xdead)
}))

churn.after(hook(T, async () => {
  await net.swarm?.stop()
}))

churn('testnet - with 8 of 40 nodes stopped, lookups end with live nodes only, nearest first', withTimeout(T, async () => {
  const dead = net.swarm.nodes.slice(30, 38)
  await Promise.all(dead.map(async n => await n.stop()))
  const live = net.swarm.nodes.filter(n => !dead.includes(n))
  const liveHex = new Set(live.map(n => idToHex(n.id)))
  for (let i = 0; i < 6; i++) {
    const from = pick(live, net.random)
    // Aim at a dead node's id too: the lookup must close in on the hole and still end.
    const target = i % 2 === 0 ? dead[i]!.id : idFrom(net.random)
    const nearest = trueClosest(live.map(n => n.id), target, 1, from.id)[0]!
    const res = await retryOnce(async () => await lookup(from, target),
      r => r.closest[0] !== undefined && idsEqual(r.closest[0].id, nearest))
    assert.ok(res.closest.length >= K, `lookup ${i} found ${res.closest.length} responsive nodes`)
    assert.ok(res.closest.every(c => liveHex.has(idToHex(c.id))), 'only live nodes answer, so only they are in the result')
    assert.equal(hexes(res.closest), hexes(trueClosest(res.closest.map(c => c.id), target, res.closest.length)), 'nearest first')
    // Tables still list the dead nodes, and a find_node reply holds only 8 entries, so the live
    // 7th or 8th may hide behind dead ones; the nearest live node is always reached.
    assert.ok(idsEqual(res.closest[0]!.id, nearest), `lookup ${i}: the nearest live node`)
  }
}))

churn('testnet - crawler.find of a stopped node gives found = null', withTimeout(T, async () => {
  const gone = net.swarm.nodes[38]!
  await gone.stop()
  const res = await find(net.swarm.nodes[1]!, gone.id)
  assert.is(res.found, null)
}))

churn.run()

function pick (nodes: readonly PeerNode[], random: () => number): PeerNode {
  return nodes[Math.floor(random() * nodes.length)]!
}
