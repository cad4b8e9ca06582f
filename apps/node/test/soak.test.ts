/**
 * Soak: a 50-node swarm on this process's loopback address (inline nodes, real UDP) with churn
 * and a steady load runs for PC_SOAK_MS (default ten minutes, what the suite runs). Every 30 s
 * every live node is sampled, and what grows with traffic must stay within its bound:
 *
 * - held only while live (they would leak with churn otherwise): a transport's pending
 *   transactions and a supervisor's open asks (under a cap at every sample, and drained to what
 *   background work holds once the load stops), gossip's forwards in flight and its seen-cache (no
 *   more ids than rumors started within its ttl), the directory records a node stores (no more
 *   than the nodes alive within a record's ttl), routing-table contacts (no more than nodes ever
 *   made), name queries in flight on the two API nodes;
 * - capped caches (rtt table, rate limiter, name books): within their cap and within the peers ever met;
 * - the process heap after a full GC: under HEAP_MAX, and the last sample at most 1.5× (+64 MB)
 *   the one taken once the swarm is up, so a steady leak per churned node fails.
 *
 * Sizes are asserted, not timings: a loaded machine makes the load lighter, not the test red.
 * Churn: every 10 s two nodes (never the seed or the API nodes) stop and two new ones join through
 * a random live node. The test stops itself after PC_SOAK_MS; the runner's bound for this file is
 * in the `pc-test-timeout` line below.
 */
// pc-test-timeout: 1500000
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { generateIdentity, isGossipStatsReply, isListsStatsReply } from '@peerconnect/protocol'
import type { GossipPublish, GossipStatsReply, ListsStatsReply, SearchQuery } from '@peerconnect/protocol'
import { createComputePool, silentLogger } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createNode, createSwarm } from '../src/index.js'
import type { PeerNode, Swarm } from '../src/index.js'
import { contactsOf, lookup, transportStats } from './fixtures/node.js'
import { idFrom, prng } from './fixtures/ids.js'
import { LOOPBACK } from './fixtures/loopback.js'

const DURATION = Number(process.env.PC_SOAK_MS ?? 10 * 60_000)
if (!(Number.isFinite(DURATION) && DURATION >= 10_000)) {
  throw new RangeError(`PC_SOAK_MS must be at least 10000, got ${process.env.PC_SOAK_MS}`)
}
const SIZE = 50
const API_NODES = 2
const SAMPLE_EVERY = Math.min(30_000, DURATION / 4)
const CHURN_EVERY = 10_000
const CHURN = 2
const LOAD_EVERY = 1_000
/**
 * The defaults these bounds follow (gossip SEEN_TTL, lists' record ttl: 3 announce intervals of 10 s, ui-bridge
 * MAX_NAMES, transport RTT_MAX_CONTACTS / RATE_LIMIT_MAX_SOURCES).
 */
const SEEN_TTL = 60_000
const RECORD_TTL = 30_000
const MAX_NAMES = 10_000
const CACHE_CAP = 10_000
/** Per node at any sample (a burst of searches and lookups can hold a hundred for a moment). */
const PENDING_MAX = 512
const OPEN_ASKS_MAX = 512
/** Per node once the load and churn have stopped: what background work (announces, refreshes) holds. */
const DRAINED_MAX = 32
const GOSSIP_IN_FLIGHT_MAX = 64
const HEAP_MAX = 384 * 2 ** 20
const T = DURATION + 5 * 60_000

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

interface Sample {
  at: number
  live: number
  heap: number
  pending: number
  openAsks: number
  rtt: number
  rateLimit: number
  seen: number
  gossipInFlight: number
  records: number
  contacts: number
  names: number
  namesInFlight: number
}

const random = prng(0x50a4)
const ctx = {
  swarm: undefined as Swarm | undefined,
  api: [] as PeerNode[],
  churned: [] as PeerNode[],
  pool: createComputePool(),
  /** When each node that was stopped stopped. */
  stoppedAt: new Map<PeerNode, number>(),
  made: 0,
  /** When each rumor (a gossip note or a gossip search) was started. */
  rumors: [] as number[],
  failures: { lookups: 0, loads: 0, joins: 0 },
  samples: [] as Sample[]
}

const soak = suite(`soak - ${SIZE} nodes, churn, ${DURATION / 60_000} min`)

soak.before(withTimeout(5 * 60_000, async () => {
  ctx.swarm = await createSwarm(SIZE - API_NODES, { host: LOOPBACK, node: { pool: ctx.pool } })
  ctx.made = SIZE - API_NODES
  for (let i = 0; i < API_NODES; i++) {
    const node = await createNode({ name: `api-${i}`, identity: generateIdentity(), host: LOOPBACK, inline: true, log: silentLogger,
      pool: ctx.pool, api: { host: LOOPBACK, port: 0 } })
    ctx.api.push(node)
    ctx.made++
    await node.bootstrap([ctx.swarm.nodes[1 + i]!.udp])
  }
}))

soak.after(withTimeout(2 * 60_000, async () => {
  await Promise.allSettled([...ctx.api, ...ctx.churned].map(async n => await n.stop()))
  await ctx.swarm?.stop()
  await ctx.pool.close()
}))

/** Every node not stopped: the swarm's, the API nodes, the ones that joined by churn. */
const live = (): PeerNode[] => [...(ctx.swarm?.nodes ?? []), ...ctx.api, ...ctx.churned].filter(n => !ctx.stoppedAt.has(n))
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!

soak('soak - sizes stay within their bounds while nodes come and go', withTimeout(T, async () => {
  const end = Date.now() + DURATION
  let stopped = false
  const churn = loop(CHURN_EVERY, () => stopped, churnOnce)
  const load = loop(LOAD_EVERY, () => stopped, loadOnce)
  try {
    while (Date.now() < end) {
      await new Promise(resolve => setTimeout(resolve, Math.min(SAMPLE_EVERY, end - Date.now())))
      const s = await sample()
      ctx.samples.push(s)
      process.stdout.write(
        `soak ${Math.round((s.at - end + DURATION) / 1000)}s ` +
          `${JSON.stringify({ ...s, at: undefined, heap: `${Math.round(s.heap / 2 ** 20)} MB` })}\n`
      )
      check(s)
    }
  } finally {
    stopped = true
    await Promise.all([churn, load])
  }
  // Once the load and churn stop, what they left open drains: a leaked transaction or ask never would.
  const drained = await waitFor(async () => {
    const per = await Promise.all(
      live().map(async n => ({ pending: (await transportStats(n)).pending ?? 0, asks: n.supervisor.pendingAsks() }))
    )
    const most = Math.max(0, ...per.flatMap(p => [p.pending, p.asks]))
    return most <= DRAINED_MAX ? { most } : undefined
  }, { timeout: 60_000, interval: 1_000, what: `pending transactions and open asks to drain to ${DRAINED_MAX} per node` })
  process.stdout.write(`soak drained: at most ${drained.most} pending transactions or open asks on a node\n`)
  const samples = ctx.samples
  assert.ok(samples.length >= 4, `${samples.length} samples`)
  // The first sample is taken once the swarm has run SAMPLE_EVERY; the heap must not keep growing after it.
  const base = samples[0]!.heap
  const last = samples.at(-1)!.heap
  assert.ok(last <= base * 1.5 + 64 * 2 ** 20, `heap ${mb(last)} at the end, ${mb(base)} at the first sample`)
  assert.ok(ctx.stoppedAt.size >= Math.floor(DURATION / CHURN_EVERY / 2) * CHURN, `churn ran: ${ctx.stoppedAt.size} nodes stopped`)
  assert.ok(ctx.rumors.length >= DURATION / LOAD_EVERY / 4, `load ran: ${ctx.rumors.length} rumors`)
  // The swarm still works: a lookup from a node that joined by churn reaches the others.
  const newest = ctx.churned.filter(n => !ctx.stoppedAt.has(n)).at(-1) ?? ctx.api[0]!
  const res = await lookup(newest, idFrom(random), 60_000)
  assert.ok(res.closest.length >= 8, `a lookup at the end found ${res.closest.length}`)
}))

soak.run()

/** Checks one sample against the bounds (see the top of the file). */
function check (s: Sample): void {
  const made = ctx.made
  const at = s.at
  const since = (ms: number): number => [...ctx.stoppedAt.values()].filter(t => t >= at - ms).length
  const rumorsWithin = (ms: number): number => ctx.rumors.filter(t => t >= at - ms).length
  assert.ok(s.heap <= HEAP_MAX, `heap ${mb(s.heap)} > ${mb(HEAP_MAX)}`)
  assert.ok(s.pending <= PENDING_MAX, `${s.pending} pending transactions on one node`)
  assert.ok(s.openAsks <= OPEN_ASKS_MAX, `${s.openAsks} open asks on one node`)
  assert.ok(s.gossipInFlight <= GOSSIP_IN_FLIGHT_MAX, `${s.gossipInFlight} gossip forwards in flight on one node`)
  // A rumor id is kept SEEN_TTL from its receipt, pruned on the next receipt (every LOAD_EVERY or so).
  const seenBound = rumorsWithin(SEEN_TTL + SAMPLE_EVERY) + 16
  assert.ok(s.seen <= seenBound, `seen-cache of ${s.seen} ids > ${seenBound}`)
  // Records live RECORD_TTL after their last announce: of nodes alive now or stopped within it (and a sample's delay).
  const recordBound = s.live + since(RECORD_TTL + SAMPLE_EVERY)
  assert.ok(s.records <= recordBound, `${s.records} records held by one node > ${recordBound} nodes alive within a record's ttl`)
  assert.ok(s.contacts <= made, `${s.contacts} contacts > ${made} nodes ever made`)
  assert.ok(s.rtt <= Math.min(CACHE_CAP, made), `rtt table of ${s.rtt}`)
  assert.ok(s.rateLimit <= Math.min(CACHE_CAP, made), `rate limiter of ${s.rateLimit} sources`)
  assert.ok(s.names <= Math.min(MAX_NAMES, made), `name book of ${s.names} ids > ${made} nodes ever made`)
  assert.ok(s.namesInFlight <= s.live, `${s.namesInFlight} name queries in flight`)
}

/** The largest of each size over the live nodes, and the heap after a full GC. */
async function sample (): Promise<Sample> {
  const nodes = live()
  const per = await Promise.all(nodes.map(async n => {
    const [t, g, l, c] = await Promise.all([transportStats(n), gossipStats(n), listsStats(n), contactsOf(n)])
    return { pending: t.pending ?? 0, rtt: t.rttContacts ?? 0, rateLimit: t.rateLimitSources ?? 0, seen: g.seenSize,
      gossipInFlight: g.inFlight, records: l.records, contacts: c.contacts.length, openAsks: n.supervisor.pendingAsks() }
  }))
  const names = await Promise.all(ctx.api.map(async n => await nameBook(n)))
  const max = (pick: (x: typeof per[number]) => number): number => Math.max(0, ...per.map(pick))
  gc()
  return {
    at: Date.now(),
    live: nodes.length,
    heap: process.memoryUsage().heapUsed,
    pending: max(x => x.pending),
    openAsks: max(x => x.openAsks),
    rtt: max(x => x.rtt),
    rateLimit: max(x => x.rateLimit),
    seen: max(x => x.seen),
    gossipInFlight: max(x => x.gossipInFlight),
    records: max(x => x.records),
    contacts: max(x => x.contacts),
    names: Math.max(0, ...names.map(b => b.entries)),
    namesInFlight: Math.max(0, ...names.map(b => b.inFlight))
  }
}

/** Stops CHURN churnable nodes and joins as many new ones through random live nodes. */
async function churnOnce (): Promise<void> {
  const keep = new Set<PeerNode>([ctx.swarm!.nodes[0]!, ...ctx.api])
  const victims: PeerNode[] = []
  for (let i = 0; i < CHURN; i++) {
    const candidates = live().filter(n => !keep.has(n) && !victims.includes(n))
    if (candidates.length > 0) victims.push(pick(candidates))
  }
  await Promise.all(victims.map(async v => {
    ctx.stoppedAt.set(v, Date.now())
    await v.stop()
  }))
  await Promise.all(victims.map(async () => {
    const node = await createNode({ name: `churn-${ctx.made}`, identity: generateIdentity(), host: LOOPBACK, inline: true,
      log: silentLogger, pool: ctx.pool })
    ctx.made++
    ctx.churned.push(node)
    const seed = pick(live().filter(n => n !== node))
    const joined = await node.bootstrap([seed.udp]).catch(() => ({ contacts: 0 }))
    if (joined.contacts === 0) ctx.failures.joins++
  }))
}

/** One unit of load: a lookup, a gossip note, and now and then a search, from random live nodes. */
async function loadOnce (): Promise<void> {
  const nodes = live()
  const note: GossipPublish = { type: 'gossip.publish', topic: 'soak', data: new TextEncoder().encode(`note ${ctx.rumors.length}`) }
  ctx.rumors.push(Date.now())
  const tasks: Array<Promise<unknown>> = [
    lookup(pick(nodes), idFrom(random), 20_000).catch(() => {
      ctx.failures.lookups++
    }),
    pick(nodes).request(note, { timeout: 20_000 }).catch(() => {
      ctx.failures.loads++
    })
  ]
  if (random() < 0.2) {
    ctx.rumors.push(Date.now())
    const search: SearchQuery = { type: 'search.query', q: `churn-${Math.floor(random() * ctx.made)}`, via: 'hybrid', timeout: 3_000 }
    tasks.push(pick(nodes).request(search, { timeout: 20_000 }).catch(() => {
      ctx.failures.loads++
    }))
  }
  await Promise.all(tasks)
}

/** Runs `fn` every `ms` (one at a time) until `done()`. */
async function loop (ms: number, done: () => boolean, fn: () => Promise<void>): Promise<void> {
  while (!done()) {
    const t0 = Date.now()
    await fn()
    const rest = ms - (Date.now() - t0)
    if (rest > 0 && !done()) await new Promise(resolve => setTimeout(resolve, rest))
  }
}

async function gossipStats (n: PeerNode): Promise<GossipStatsReply> {
  const r = await n.request({ type: 'gossip.stats' }, { timeout: 20_000 })
  if (!isGossipStatsReply(r)) throw new Error(`gossip.stats gave ${r.type}`)
  return r
}

async function listsStats (n: PeerNode): Promise<ListsStatsReply> {
  const r = await n.request({ type: 'lists.stats' }, { timeout: 20_000 })
  if (!isListsStatsReply(r)) throw new Error(`lists.stats gave ${r.type}`)
  return r
}

/** The name book's sizes of an API node, from its /metrics. */
async function nameBook (n: PeerNode): Promise<{ entries: number, inFlight: number }> {
  const text = await (await fetch(`${n.api!}/metrics`)).text()
  const gauge = (name: string): number => {
    const m = new RegExp(`^peerconnect_${name} (\\d+)$`, 'm').exec(text)
    if (m === null) throw new Error(`no ${name} in /metrics`)
    return Number(m[1])
  }
  return { entries: gauge('ui_names'), inFlight: gauge('ui_names_in_flight') }
}

function mb (bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`
}
