/**
 * Interop with BEP 5 nodes (the `bittorrent-dht` package, v11): they ping us, find nodes through
 * us and bootstrap through our swarm; we bootstrap from a swarm of them and find the true closest
 * nodes among them; their silence on `pc_*` methods stalls nothing.
 *
 * Note: bittorrent-dht does not answer a method it does not know (no 204, no reply at all), so a
 * `pc_*` query to one never heard from ends with the transport's own adaptive timeout
 * (ERR_RPC_TIMEOUT); once it has spoken (without a "PC" `v`) the transport refuses to send it any
 * `pc_*` query (ERR_RPC_UNSUPPORTED). interop-mixed-swarm.test.ts: a larger mixed swarm.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compareDistance, decodeNodes, generateIdentity, idToHex, idsEqual } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createNode, createSwarm } from '../src/index.js'
import type { PeerNode, Swarm } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { destroyDhts, dhtQuery, dhtReady, startDht, startDhtMesh } from './fixtures/dht.js'
import type { DhtNode } from './fixtures/dht.js'
import { hexes, idFrom, prng, trueClosest } from './fixtures/ids.js'
import { askedAgainstTable, contactOf, contactsOf, findExpecting, lookup, lookupExpecting, query, transportStats } from './fixtures/node.js'
import { retryOnce } from './fixtures/retry.js'
import { LOOPBACK } from './fixtures/loopback.js'

const K = 8
const T = 60_000
const random = prng(0xb7)

// ── a bittorrent-dht node meets our swarm ────────────────────────────────────────────────────

const ours = { swarm: undefined as Swarm | undefined, dhts: [] as DhtNode[] }
const swarmOf = (): Swarm => ours.swarm!

const visitor = suite('interop - bittorrent-dht nodes use our swarm')

visitor.before(hook(T, async () => {
  ours.swarm = await createSwarm(20, { host: LOOPBACK })
}))
visitor.after(hook(T, async () => {
  await destroyDhts(ours.dhts)
  await ours.swarm?.stop()
}))

visitor('bittorrent-dht - it pings one of our nodes and gets its id; we add it to our table', withTimeout(T, async () => {
  const dht = await visit()
  const us = swarmOf().nodes[3]!
  const r = await dhtQuery(dht, us.udp, 'ping')
  assert.ok(r.id instanceof Uint8Array && idsEqual(r.id, us.id), 'the reply carries our id')
  const seen = await waitFor(async () => await contactOf(us, dht.id), { timeout: 10_000,
    what: 'our routing to add the bittorrent-dht node' })
  assert.is(seen.host, dht.address.host)
  assert.is(seen.port, dht.address.port)
}))

visitor('bittorrent-dht - its find_node through our node returns the 8 closest of our contacts', withTimeout(T, async () => {
  const dht = await visit()
  const us = swarmOf().nodes[5]!
  for (let i = 0; i < 5; i++) {
    const target = idFrom(random)
    const { nodes, table } = await askedAgainstTable(us, target, dht.id, async () => {
      const r = await dhtQuery(dht, us.udp, 'find_node', { target })
      assert.ok(r.id instanceof Uint8Array && idsEqual(r.id, us.id))
      const nodes = decodeNodes(r.nodes)
      assert.ok(nodes !== undefined, 'compact node info, 26 bytes per node')
      return nodes
    })
    assert.ok(nodes.length >= 1 && nodes.length <= K, `query ${i}: ${nodes.length} nodes`)
    assert.equal(hexes(nodes), hexes(table), `query ${i}: what our table answers (its closest good contacts)`)
    const known = new Set(hexes((await contactsOf(us)).contacts))
    assert.ok(hexes(nodes).every(h => known.has(h) && h !== idToHex(dht.id)), `query ${i}: our contacts, less the querier`)
    assert.equal(hexes(nodes), hexes(nodes.slice().sort((a, b) => compareDistance(a.id, b.id, target))), `query ${i}: nearest first`)
    const byId = new Map(swarmOf().nodes.map(n => [idToHex(n.id), n]))
    for (const n of nodes) {
      const peer = byId.get(idToHex(n.id))
      assert.ok(peer !== undefined, 'every node returned is a swarm node')
      assert.is(`${n.host}:${n.port}`, `${peer.udp.host}:${peer.udp.port}`, 'at its real address')
    }
  }
}))

visitor('bittorrent-dht - a node learned through us answers it', withTimeout(T, async () => {
  const dht = await visit()
  const r = await dhtQuery(dht, swarmOf().nodes[0]!.udp, 'find_node', { target: swarmOf().nodes[9]!.id })
  const first = decodeNodes(r.nodes)![0]!
  assert.ok(idsEqual(first.id, swarmOf().nodes[9]!.id), 'the closest node to a node id is that node')
  const pong = await dhtQuery(dht, first, 'ping')
  assert.ok(pong.id instanceof Uint8Array && idsEqual(pong.id, first.id))
}))

visitor('bittorrent-dht - sample_infohashes and BEP 44 get / put get a 204 error, and we keep answering', withTimeout(T, async () => {
  const dht = await visit()
  const us = swarmOf().nodes[2]!
  for (const q of ['sample_infohashes', 'get', 'put']) {
    const err = await dhtQuery(dht, us.udp, q, { target: idFrom(random) }).then(() => undefined, (e: unknown) => e as Error)
    assert.ok(err !== undefined, `${q} is refused`)
    assert.match(String(err.message), /204/)
  }
  const r = await dhtQuery(dht, us.udp, 'ping')
  assert.ok(r.id instanceof Uint8Array && idsEqual(r.id, us.id))
}))

visitor('bittorrent-dht - it bootstraps through our swarm, then our lookups find it', withTimeout(T, async () => {
  const seed = swarmOf().nodes[0]!
  const dht = await startDht([`${seed.udp.host}:${seed.udp.port}`])
  ours.dhts.push(dht)
  await dhtReady(dht)
  const known = new Set(dht.dht.nodes.toArray().map(n => idToHex(n.id)))
  const swarmIds = swarmOf().nodes.map(n => n.id)
  const nearest = trueClosest(swarmIds, dht.id, K)
  assert.ok(nearest.every(id => known.has(idToHex(id))), `its table holds our 8 nodes closest to its id (knows ${known.size})`)
  // Our nodes met it as it looked itself up: it is now a routing contact for us.
  const from = swarmOf().nodes[17]!
  const res = await findExpecting(from, dht.id)
  assert.ok(res.found !== null, 'crawler.find reaches the bittorrent-dht node')
  assert.ok(idsEqual(res.found.id, dht.id))
  assert.is(res.found.port, dht.address.port)
  const around = await retryOnce(async () => await lookup(from, dht.id),
    r => r.closest[0] !== undefined && idsEqual(r.closest[0].id, dht.id))
  assert.ok(idsEqual(around.closest[0]!.id, dht.id), 'a lookup of its id ends at it')
}))

visitor.run()

async function visit (): Promise<DhtNode> {
  const dht = await startDht()
  ours.dhts.push(dht)
  return dht
}

// ── our node joins a swarm of bittorrent-dht nodes ───────────────────────────────────────────

const theirs = { dhts: [] as DhtNode[], node: undefined as PeerNode | undefined, ids: [] as NodeId[] }
const node = (): PeerNode => theirs.node!

const guest = suite('interop - our node in a bittorrent-dht swarm')

guest.before(hook(T, async () => {
  theirs.dhts = await startDhtMesh(30)
  theirs.ids = theirs.dhts.map(d => d.id)
  theirs.node = await createNode({ name: 'guest', host: LOOPBACK, identity: generateIdentity(), inline: true, log: silentLogger })
}))
guest.after(hook(T, async () => {
  await theirs.node?.stop()
  await destroyDhts(theirs.dhts)
}))

guest('bittorrent-dht - our node bootstraps from one of 30 bittorrent-dht nodes', withTimeout(T, async () => {
  const joined = await node().bootstrap([theirs.dhts[0]!.address])
  assert.is(joined.seedsAnswered, 1)
  assert.ok(joined.contacts >= K, `met ${joined.contacts} bittorrent-dht nodes`)
  const table = await contactsOf(node())
  const dhtHex = new Set(theirs.ids.map(idToHex))
  assert.ok(table.contacts.length >= K, `routing holds ${table.contacts.length} contacts`)
  assert.ok(table.contacts.every(c => dhtHex.has(idToHex(c.id))), 'every contact is a bittorrent-dht node')
  const byId = new Map(theirs.dhts.map(d => [idToHex(d.id), d]))
  assert.ok(table.contacts.every(c => byId.get(idToHex(c.id))!.address.port === c.port), 'at its real port')
}))

guest('bittorrent-dht - lookups over bittorrent-dht nodes find the true closest 8', withTimeout(T, async () => {
  for (let i = 0; i < 10; i++) {
    const target = idFrom(random)
    const truth = trueClosest(theirs.ids, target, K)
    const res = await lookupExpecting(node(), target, truth)
    assert.equal(hexes(res.closest.slice(0, K)), hexes(truth), `lookup ${i}`)
    assert.ok(res.queries > 0)
  }
}))

guest('bittorrent-dht - crawler.find of a bittorrent-dht node finds it', withTimeout(T, async () => {
  const wanted = theirs.dhts[21]!
  const res = await findExpecting(node(), wanted.id)
  assert.ok(res.found !== null && idsEqual(res.found.id, wanted.id))
  assert.is(res.found.port, wanted.address.port)
}))

guest('bittorrent-dht - a pc_record query to a node known to speak BEP 5 only is refused at once (ERR_RPC_UNSUPPORTED), nothing sent',
  withTimeout(T, async () => {
    const dht = theirs.dhts[7]!
    const pong = await query(node(), dht.address, 'ping') // it answers without a "PC" v: BEP 5 only
    assert.is(pong.pc, false)
    const before = (await transportStats(node()))['queriesSent.pc_record']!
    const err = await rejects(query(node(), dht.address, 'pc_record', {}, 30_000), 'ERR_RPC_UNSUPPORTED')
    assert.match(String(err.message), /BEP 5 only/)
    assert.is((await transportStats(node()))['queriesSent.pc_record'], before, 'no pc_record went out')
    const again = await query(node(), dht.address, 'ping')
    assert.ok(idsEqual(again.id, dht.id), 'the contact still answers what it knows')
  }))

guest('bittorrent-dht - a pc_record query to a node never heard from goes out and fails by the transport\'s own timeout, not the ask\'s',
  withTimeout(T, async () => {
    const stranger = await startDht()
    try {
      const t0 = Date.now()
      const err = await rejects(query(node(), stranger.address, 'pc_record', {}, 30_000), 'ERR_RPC_TIMEOUT')
      const ms = Date.now() - t0
      assert.ok(ms < 5000, `gave up after ${ms} ms, within the transport's ceiling, long before the 30 s ask bound`)
      assert.match(String(err.message), /no reply/)
    } finally {
      await destroyDhts([stranger])
    }
  }))

guest('bittorrent-dht - pc_* queries left unanswered do not stall lookups running beside them', withTimeout(T, async () => {
  const silent = theirs.dhts.slice(10, 16).map(async d =>
    await query(node(), d.address, 'pc_list', { list: 3 }, 30_000).then(() => 'answered', (e: unknown) => (e as { code?: string }).code)
  )
  const targets = [idFrom(random), idFrom(random), idFrom(random)]
  const truths = targets.map(t => trueClosest(theirs.ids, t, K))
  const results = await Promise.all(targets.map(async (t, i) => await lookupExpecting(node(), t, truths[i]!)))
  results.forEach((res, i) => assert.equal(hexes(res.closest.slice(0, K)), hexes(truths[i]!), `lookup ${i}`))
  // Refused at once when the transport already heard the node speak BEP 5 only, else left unanswered.
  for (const code of await Promise.all(silent)) assert.ok(code === 'ERR_RPC_UNSUPPORTED' || code === 'ERR_RPC_TIMEOUT', String(code))
  // Queries a finished lookup no longer needs settle on their own (reply or adaptive timeout).
  const stats = await waitFor(async () => {
    const s = await transportStats(node())
    return s.pending === 0 ? s : undefined
  }, { timeout: 15_000, what: 'the transport to have nothing pending' })
  assert.is(stats.badReplies, 0, 'every bittorrent-dht reply passed our guards')
}))

guest.run()

// ── a mixed swarm ────────────────────────────────────────────────────────────────────────────

const mixed = { swarm: undefined as Swarm | undefined, dhts: [] as DhtNode[], newcomer: undefined as PeerNode | undefined }

const blend = suite('interop - a swarm of our nodes and bittorrent-dht nodes')

blend.before(hook(T, async () => {
  mixed.swarm = await createSwarm(12, { host: LOOPBACK })
  const seed = mixed.swarm.nodes[0]!.udp
  for (let i = 0; i < 12; i++) {
    const dht = await startDht([`${seed.host}:${seed.port}`])
    mixed.dhts.push(dht)
    await dhtReady(dht)
  }
  mixed.newcomer = await createNode({ name: 'newcomer', host: LOOPBACK, identity: generateIdentity(), inline: true, log: silentLogger })
}))
blend.after(hook(T, async () => {
  await mixed.newcomer?.stop()
  await destroyDhts(mixed.dhts)
  await mixed.swarm?.stop()
}))

blend('bittorrent-dht - a node joining a mixed swarm meets both kinds and its lookups find the true closest 8', withTimeout(T, async () => {
  const newcomer = mixed.newcomer!
  const joined = await newcomer.bootstrap([mixed.swarm!.nodes[0]!.udp])
  assert.ok(joined.contacts >= K)
  const dhtHex = new Set(mixed.dhts.map(d => idToHex(d.id)))
  const table = await contactsOf(newcomer)
  assert.ok(table.contacts.some(c => dhtHex.has(idToHex(c.id))), 'some contacts are bittorrent-dht nodes')
  assert.ok(table.contacts.some(c => !dhtHex.has(idToHex(c.id))), 'some are ours')
  const all = [...mixed.swarm!.nodes.map(n => n.id), ...mixed.dhts.map(d => d.id)]
  for (let i = 0; i < 8; i++) {
    const target = i < 4 ? idFrom(random) : mixed.dhts[i]!.id
    const truth = trueClosest(all, target, K, newcomer.id)
    const res = await lookupExpecting(newcomer, target, truth)
    assert.equal(hexes(res.closest.slice(0, K)), hexes(truth), `lookup ${i}`)
    assert.ok(res.ms < 10_000, `lookup ${i} took ${res.ms} ms`)
  }
}))

blend('bittorrent-dht - replies from both kinds are well-formed for our transport', withTimeout(T, async () => {
  const stats = await transportStats(mixed.newcomer!)
  assert.is(stats.badReplies, 0)
  assert.ok((stats.repliesIn ?? 0) > 0)
  assert.is(stats.droppedMalformed, 0, 'nothing either kind sent us was malformed')
}))

blend.run()
