/**
 * A mixed swarm: 30 bittorrent-dht nodes (BEP 5 only) and 30 PeerConnect nodes, every node on a
 * loopback address of its own (127.a.b.x), all of them meeting each other. Lookups run from both
 * sides in rounds; then:
 * - every lookup of ours finds the true 8 closest of the whole swarm (all 60 ids XOR-sorted) —
 *   bittorrent-dht answers find_node with its whole table, over 1,500 bytes once it holds 56 of
 *   the others, and such a reply must reach us whole (protocol's MAX_REPLY_PACKET);
 * - bittorrent-dht's lookups find our nodes among the true closest as often as their own kind;
 * - at the end our find_node answers still name bittorrent-dht contacts, and theirs name ours;
 * - no pc_* query ever reached a bittorrent-dht node (counted on their side, from k-rpc's `query`
 *   event), though our nodes run lists, gossip and (on one node) the API's name book;
 * - the API shows a bittorrent-dht contact without a name, as a "BEP 5 node" (kind bep5).
 *
 * Bounded time: ROUNDS rounds (default 6, `PC_MIXED_ROUNDS` to change) of LOOKUPS lookups from
 * each side, a PAUSE (2 s) apart — about 12 s of lookups, 20–60 s with setup on the shared
 * machine — rather than two minutes of lookups: the contacts' timers and failure counts run
 * between rounds either way. `PC_MIXED_ROUNDS=55` runs about two minutes of them (measured: 24
 * rounds, 54 s with setup).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import DHT from 'bittorrent-dht'
import { decodeNodes, generateIdentity, idToHex, isNodeId } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { createComputePool, silentLogger } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { createNode } from '../src/index.js'
import type { PeerNode } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { dhtQuery } from './fixtures/dht.js'
import type { DhtNode } from './fixtures/dht.js'
import { idFrom, prng, trueClosest } from './fixtures/ids.js'
import { contactsOf, lookupExpecting, query } from './fixtures/node.js'
import { LOOPBACK } from './fixtures/loopback.js'

const N = 30
const K = 8
const ROUNDS = Math.max(1, Number(process.env.PC_MIXED_ROUNDS ?? 6))
const LOOKUPS = 4
const PAUSE = 2_000
const T = 240_000
const random = prng(0x5e)
const sleep = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms))

/** 60 loopback addresses of this process: 127.a.b.x next to LOOPBACK (or 127.0.0.1 for all where it fell back). */
function addresses (n: number): string[] {
  if (LOOPBACK === '127.0.0.1') return Array.from({ length: n }, () => LOOPBACK)
  const [a, b, c] = LOOPBACK.split('.').slice(1).map(Number) as [number, number, number]
  const out: string[] = []
  for (let x = 1; out.length < n && x < 255; x++) if (x !== c) out.push(`127.${a}.${b}.${x}`)
  return out
}

interface Mixed {
  pool: ReturnType<typeof createComputePool>
  ours: PeerNode[]
  theirs: DhtNode[]
  /** pc_* queries each bittorrent-dht node received, by method. */
  pcQueries: Map<string, number>
  /** Every query method bittorrent-dht nodes received, for the failure message. */
  methods: Map<string, number>
}

const m = {} as Mixed
const kindOf = new Map<string, 'pc' | 'bt'>()
const allIds = (): NodeId[] => [...m.ours.map(n => n.id), ...m.theirs.map(n => n.id)]

async function startDht (host: string, bootstrap: string[]): Promise<DhtNode> {
  const dht = new DHT({ bootstrap, host })
  dht.on('error', () => {})
  dht.on('warning', () => {})
  const rpc = dht._rpc as unknown as { on(event: 'query', listener: (q: { q?: Uint8Array }) => void): void }
  rpc.on('query', q => {
    const method = q.q === undefined ? '?' : Buffer.from(q.q).toString()
    m.methods.set(method, (m.methods.get(method) ?? 0) + 1)
    if (method.startsWith('pc_')) m.pcQueries.set(method, (m.pcQueries.get(method) ?? 0) + 1)
  })
  await new Promise<void>(resolve => dht.listen(0, host, () => resolve()))
  if (bootstrap.length > 0 && !dht.ready) await new Promise<void>(resolve => dht.once('ready', () => resolve()))
  return { dht, id: new Uint8Array(dht.nodeId), address: { host, port: dht.address().port } }
}

async function startOurs (i: number, host: string, api: boolean): Promise<PeerNode> {
  return await createNode({
    name: `pc-${i}`,
    identity: generateIdentity(),
    host,
    port: 0,
    inline: true,
    log: silentLogger,
    pool: m.pool,
    ...(api ? { api: { port: 0 } } : {})
  })
}

/** k-rpc's iterative find_node walk from a bittorrent-dht node: the ids of every node that answered. */
async function theirLookup (node: DhtNode, target: NodeId): Promise<Set<string>> {
  const responders = new Set<string>()
  await new Promise<void>(resolve => {
    node.dht._rpc.closest(Buffer.from(target), { q: 'find_node', a: { id: node.dht._rpc.id, target: Buffer.from(target) } }, res => {
      const id = res.r?.id
      if (isNodeId(id)) responders.add(idToHex(id))
      return undefined
    }, () => resolve())
  })
  return responders
}

const mixed = suite('interop - a mixed swarm of bittorrent-dht and PeerConnect nodes')

mixed.before(hook(T, async () => {
  m.pool = createComputePool()
  m.ours = []
  m.theirs = []
  m.pcQueries = new Map()
  m.methods = new Map()
  const hosts = addresses(2 * N)
  // Our first node, then their 30 joining through it one by one, then our other 29 joining
  // through our first and one of theirs each.
  m.ours.push(await startOurs(0, hosts[0]!, true))
  const seed0 = `${m.ours[0]!.udp.host}:${m.ours[0]!.udp.port}`
  for (let j = 0; j < N; j++) {
    m.theirs.push(
      await startDht(hosts[N + j]!, j === 0 ? [seed0] : [seed0, `${m.theirs[j - 1]!.address.host}:${m.theirs[j - 1]!.address.port}`])
    )
  }
  for (let i = 1; i < N; i += 6) {
    const batch = Array.from({ length: Math.min(6, N - i) }, (_, b) => i + b)
    const joined = await Promise.all(batch.map(async k => {
      const node = await startOurs(k, hosts[k]!, false)
      await node.bootstrap([m.ours[0]!.udp, m.theirs[k]!.address])
      return node
    }))
    m.ours.push(...joined)
  }
  // A second round: the early joiners met few nodes; their side learns of ours as we query them.
  await Promise.all(m.ours.map(async n => await n.bootstrap([])))
  await Promise.all(m.theirs.map(async n => await theirLookup(n, n.id)))
  for (const n of m.ours) kindOf.set(idToHex(n.id), 'pc')
  for (const n of m.theirs) kindOf.set(idToHex(n.id), 'bt')
}))

mixed.after(hook(T, async () => {
  await Promise.all((m.theirs ?? []).map(async n => await new Promise<void>(resolve => n.dht.destroy(() => resolve()))))
  await Promise.all((m.ours ?? []).map(async n => await n.stop()))
  await m.pool?.close()
}))

mixed('mixed swarm - lookups from both sides find the true closest; theirs find our nodes as often as their own kind; no pc_* reaches them',
  withTimeout(T, async () => {
    const ids = allIds()
    assert.is(new Set(ids.map(idToHex)).size, 2 * N)
    const tally = { pc: { truth: 0, found: 0 }, bt: { truth: 0, found: 0 } }
    const misses: string[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const ourLookups = Array.from({ length: LOOKUPS }, async () => {
        const node = m.ours[Math.floor(random() * N)]!
        const target = idFrom(random)
        const truth = trueClosest(ids, target, K, node.id)
        const res = await lookupExpecting(node, target, truth)
        const got = res.closest.slice(0, K).map(c => idToHex(c.id))
        if (got.join() !== truth.map(idToHex).join()) {
          const missed = truth.map(idToHex).filter(h => !got.includes(h))
          misses.push(
            `round ${round}: ${node.name} missed ${missed.length} of 8 (${
              missed.map(h => `${h.slice(0, 8)}, ${kindOf.get(h)}`).join('; ')
            })` +
              ` (kinds of the truth: ${truth.map(id => kindOf.get(idToHex(id))).join(' ')})`
          )
        }
      })
      const theirLookups = Array.from({ length: LOOKUPS }, async () => {
        const node = m.theirs[Math.floor(random() * N)]!
        const target = idFrom(random)
        const truth = trueClosest(ids, target, K, node.id)
        const found = await theirLookup(node, target)
        for (const id of truth) {
          const kind = kindOf.get(idToHex(id))!
          tally[kind].truth++
          if (found.has(idToHex(id))) tally[kind].found++
        }
      })
      await Promise.all([...ourLookups, ...theirLookups])
      if (round < ROUNDS - 1) await sleep(PAUSE)
    }
    assert.equal(misses, [], 'every lookup of ours found the true 8 closest of all 60')
    const share = (k: 'pc' | 'bt'): number => tally[k].truth === 0 ? 1 : tally[k].found / tally[k].truth
    const summary = `ours found ${tally.pc.found}/${tally.pc.truth}, theirs ${tally.bt.found}/${tally.bt.truth}`
    assert.ok(tally.pc.truth >= 10 && tally.bt.truth >= 10, `both kinds among the truths: ${summary}`)
    // Both shares are near 1 when both kinds answer find_node alike; 0.1 is about four standard
    // errors of the difference at the default rounds (~96 truths of each kind, shares ≥ 0.95), and a
    // node kind that bittorrent-dht dropped or never heard of would miss by far more.
    assert.ok(share('pc') >= share('bt') - 0.1, `bittorrent-dht's lookups find our nodes as often as theirs: ${summary}`)
    assert.ok(share('bt') >= 0.8, `and they work at all: ${summary}`)
    assert.equal(Object.fromEntries(m.pcQueries), {},
      `no pc_* query reached a bittorrent-dht node (they got: ${JSON.stringify(Object.fromEntries(m.methods))})`)
  }))

mixed('mixed swarm - at the end our find_node answers name bittorrent-dht contacts and theirs name ours', withTimeout(T, async () => {
  const theirHexes = new Set(m.theirs.map(n => idToHex(n.id)))
  const ourHexes = new Set(m.ours.map(n => idToHex(n.id)))
  let ourAnswersNamingTheirs = 0
  for (const node of m.ours) {
    const { contacts } = await contactsOf(node)
    const bt = contacts.filter(c => theirHexes.has(idToHex(c.id)))
    assert.ok(bt.length > 0, `${node.name} holds bittorrent-dht contacts`)
    assert.ok(bt.every(c => c.pc === false), `${node.name} knows they speak BEP 5 only`)
    assert.ok(contacts.filter(c => ourHexes.has(idToHex(c.id))).every(c => c.pc === true), `${node.name} knows our nodes speak PeerConnect`)
    // Asked by another of ours for a contact's own id, the contact itself leads the answer.
    const asker = m.ours[(m.ours.indexOf(node) + 1) % N]!
    const target = bt[Math.floor(random() * bt.length)]!
    const res = await query(asker, node.udp, 'find_node', { target: target.id })
    const nodes = decodeNodes(res.r.nodes) ?? []
    if (nodes.some(n => idToHex(n.id) === idToHex(target.id))) ourAnswersNamingTheirs++
    assert.ok(nodes.some(n => theirHexes.has(idToHex(n.id))), `${node.name}'s find_node answer names bittorrent-dht nodes`)
  }
  assert.is(ourAnswersNamingTheirs, N, 'each answer for a bittorrent-dht contact\'s id names that contact (it is good, not failed)')
  let theirAnswersNamingOurs = 0
  for (const node of m.theirs) {
    const ours = node.dht.nodes.toArray().filter(c => ourHexes.has(idToHex(c.id)))
    assert.ok(ours.length > 0, 'a bittorrent-dht node holds our nodes')
    const target = ours[Math.floor(random() * ours.length)]!
    const asker = m.theirs[(m.theirs.indexOf(node) + 1) % N]!
    const r = await dhtQuery(asker, node.address, 'find_node', { target: Buffer.from(target.id) })
    const nodes = decodeNodes(r.nodes) ?? []
    if (nodes.some(n => idToHex(n.id) === idToHex(target.id))) theirAnswersNamingOurs++
  }
  assert.is(theirAnswersNamingOurs, N, 'each bittorrent-dht answer for one of our ids names our node')
  assert.equal(Object.fromEntries(m.pcQueries), {}, 'still no pc_* query reached them')
}))

mixed('mixed swarm - the API shows a bittorrent-dht contact as a BEP 5 node without a name, and asks it nothing',
  withTimeout(T, async () => {
    const node = m.ours[0]!
    const { contacts } = await contactsOf(node)
    const bt = contacts.find(c => c.pc === false)
    assert.ok(bt !== undefined)
    const res = await fetch(`${node.api!}/api/peers/${idToHex(bt.id)}`)
    assert.is(res.status, 200)
    const peer = await res.json() as Record<string, unknown>
    assert.is(peer.name, '')
    assert.is(peer.kind, 'bep5')
    assert.equal(Object.fromEntries(m.pcQueries), {}, 'the name book asked no bittorrent-dht node for a record')
  }))

mixed.run()
