/**
 * `pnpm bench:gossip --nodes N`: how one rumor spreads through N nodes on the simulated network
 * (runtime's createSimNetwork: no sockets, per-link latency, optional loss). Each node is the
 * real transport, routing and gossip actors on the inline host of its own supervisor. Routing
 * tables are filled without bootstraps: every node is told (`transport.seen`) of up to `--k`
 * random nodes of each of its buckets, the shape of a settled Kademlia table (all near nodes,
 * a sample of far ones); `--fill` < 1 leaves buckets partly empty. Then `--warmup` notes (not
 * counted: the first one meets a cold JIT and a heap still settling from the build) and
 * `--rumors` notes are published from random nodes, one after the other; for each it measures:
 *   rounds99     the hop count at which 99% of the nodes had it (the origin is hop 0)
 *   ms99         the time until then
 *   msgs/node    pc_gossip messages received per node (first receipts and duplicates)
 *   dups/node    of those, duplicates
 * Bounded in time (`--seconds` overall, `--timeout` per rumor). Prints a table, then, last, one
 * JSON line: {"bench":"gossip","nodes":N,"rounds99":…,"msgsPerNode":…,"dupsPerNode":…, …}.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { lastValueFrom, toArray } from 'rxjs'
import { idToHex, isGossipStatsReply, isTransportInfoReply } from '@peerconnect/protocol'
import type { Address, GossipCounters, Message, NodeId } from '@peerconnect/protocol'
import { createSimNetwork, createSupervisor, linkLatency, seededRandom, silentLogger } from '@peerconnect/runtime'
import type { ComputePool, SimNetwork, Supervisor } from '@peerconnect/runtime'
import { transport } from '@peerconnect/transport'
import { routing } from '@peerconnect/routing'
import { gossip } from '@peerconnect/gossip'
import { parseFlags } from './lib/argv.js'
import { round } from './lib/stats.js'
import { printTable } from './lib/table.js'

const flags = parseFlags({ nodes: 1000, k: 8, fill: 1, rumors: 3, warmup: 1, latencyMin: 10, latencyMax: 60, loss: 0, seed: 1, timeout: 60,
  seconds: 900 })
if (!(flags.nodes >= 2)) throw new RangeError('--nodes needs at least 2')
if (!(flags.fill > 0 && flags.fill <= 1)) throw new RangeError('--fill is a fraction in (0, 1]')
const deadline = performance.now() + flags.seconds * 1000
const random = seededRandom(flags.seed)
const noPool: ComputePool = { run: async () => {
  throw new Error('no compute pool in the gossip bench')
} }

interface BenchNode {
  readonly id: NodeId
  readonly sup: Supervisor
  udp: Address
}
interface RumorResult {
  origin: number
  reached: number
  rounds99: number | null
  maxHops: number
  ms99: number | null
  msgsPerNode: number
  dupsPerNode: number
  datagramsPerNode: number
}

const net = createSimNetwork({ latency: linkLatency({ min: flags.latencyMin, max: flags.latencyMax, seed: flags.seed }), loss: flags.loss,
  seed: flags.seed })
const t0 = performance.now()
const nodes = await build(net, flags.nodes)
const buildMs = performance.now() - t0
const contacts = await fill(nodes)
const fillMs = performance.now() - t0 - buildMs
const memory = process.memoryUsage()
const results: RumorResult[] = []
try {
  const seen = watchNotes(nodes)
  for (let r = 0; r < flags.warmup && performance.now() < deadline; r++) await spreadOne(nodes, seen, Math.floor(random() * nodes.length))
  for (let r = 0; r < flags.rumors && performance.now() < deadline; r++) {
    results.push(await spreadOne(nodes, seen, Math.floor(random() * nodes.length)))
  }
} finally {
  await Promise.all(nodes.map(async n => await n.sup.stop()))
  net.close()
}

printTable(['rumor', 'origin', 'reached %', 'rounds99', 'max hops', 'ms99', 'msgs/node', 'dups/node', 'datagrams/node'],
  results.map((x, i) => [
    i + 1,
    x.origin,
    round(100 * x.reached / flags.nodes),
    x.rounds99 ?? '-',
    x.maxHops,
    x.ms99 === null ? '-' : Math.round(x.ms99),
    round(x.msgsPerNode),
    round(x.dupsPerNode),
    round(x.datagramsPerNode)
  ]))
const goal = Math.log(flags.nodes) / Math.log(3) + 3
const worst = results.some(x => x.rounds99 === null) ? null : Math.max(...results.map(x => x.rounds99!))
const mean = (f: (x: RumorResult) => number): number => round(results.reduce((s, x) => s + f(x), 0) / Math.max(1, results.length))
process.stdout.write(
  `${flags.nodes} nodes, k ${flags.k}, ${round(contacts / flags.nodes)} contacts per node, ${flags.warmup} warm-up rumor(s) not shown; ` +
    `built in ${Math.round(buildMs)} ms, tables filled in ${Math.round(fillMs)} ms; heap ${mb(memory.heapUsed)} MB, rss ` +
    `${mb(memory.rss)} MB\n`
)
process.stdout.write(
  `goal: 99% within log3(N) + 3 = ${round(goal)} rounds, at most 4 messages per node → ` +
    `${worst !== null && worst <= goal && mean(x => x.msgsPerNode) <= 4 ? 'met' : 'NOT met'}\n`
)
process.stdout.write(JSON.stringify({
  bench: 'gossip',
  nodes: flags.nodes,
  rounds99: worst,
  msgsPerNode: mean(x => x.msgsPerNode),
  dupsPerNode: mean(x => x.dupsPerNode),
  ms99: results.some(x => x.ms99 === null) ? null : Math.round(Math.max(...results.map(x => x.ms99!))),
  reached: round(Math.min(...results.map(x => x.reached)) / flags.nodes),
  maxHops: Math.max(...results.map(x => x.maxHops)),
  goalRounds: round(goal),
  rumors: results.length,
  warmup: flags.warmup,
  k: flags.k,
  contactsPerNode: round(contacts / flags.nodes),
  loss: flags.loss,
  buildMs: Math.round(buildMs),
  fillMs: Math.round(fillMs),
  heapMB: mb(memory.heapUsed),
  rssMB: mb(memory.rss)
}) + '\n')

// ── the swarm ────────────────────────────────────────────────────────────────────────────────

async function build (sim: SimNetwork, n: number): Promise<BenchNode[]> {
  const out: BenchNode[] = []
  for (let i = 0; i < n; i++) {
    checkDeadline('building the swarm')
    const id = new Uint8Array(20)
    for (let b = 0; b < 20; b++) id[b] = Math.floor(random() * 256)
    const sup = createSupervisor({ log: silentLogger, pool: noPool })
    await sup.start(transport({ id, host: '0.0.0.0', port: 0 }), { host: 'inline', network: sim })
    await sup.start(routing({ id, k: flags.k }), { host: 'inline' })
    await sup.start(gossip({ id }), { host: 'inline' })
    const [info] = await ask(sup, { type: 'transport.info' })
    if (!isTransportInfoReply(info)) throw new Error('no transport.info')
    out.push({ id, sup, udp: info.udp })
  }
  return out
}

/** Tells each node's routing (transport.seen) of up to k random nodes per bucket; returns the contacts gossip saw. */
async function fill (all: BenchNode[]): Promise<number> {
  const order = all.map((_, i) => i).sort((a, b) => compareIds(all[a]!.id, all[b]!.id))
  const sorted = order.map(i => all[i]!.id)
  for (const [i, node] of all.entries()) {
    checkDeadline('filling the tables')
    for (const j of kademliaSample(node.id, sorted, order)) {
      const c = all[j]!
      node.sup.publish({ type: 'transport.seen', id: c.id, host: c.udp.host, port: c.udp.port } as Message)
    }
    if (i % 100 === 99) await sleep(0)
  }
  await sleep(50)
  const views = await Promise.all(all.map(async n => (await gossipStats(n)).viewSize))
  return views.reduce((s, v) => s + v, 0)
}

/** For every bucket of `self` (ids sharing exactly j leading bits), up to fill·k random members. */
function kademliaSample (self: NodeId, sorted: NodeId[], order: number[]): number[] {
  const picked: number[] = []
  for (let j = 0; j < 160; j++) {
    const from = lowerBound(sorted, bucketEdge(self, j, false))
    const to = lowerBound(sorted, bucketEdge(self, j, true))
    const size = to - from
    if (size <= 0) continue
    const want = Math.max(1, Math.round(flags.fill * Math.min(flags.k, size)))
    const chosen = new Set<number>()
    while (chosen.size < want) chosen.add(from + Math.floor(random() * size))
    for (const x of chosen) picked.push(order[x]!)
  }
  return picked
}

// ── one rumor ────────────────────────────────────────────────────────────────────────────────

type Seen = Map<string, { hops: Int16Array, at: Float64Array }>

/** Every node's gossip.note, by rumor id: the hop count and time of its first receipt. */
function watchNotes (all: BenchNode[]): Seen {
  const seen: Seen = new Map()
  all.forEach((node, i) => node.sup.messages$(['gossip.note']).subscribe(m => {
    const entry = seen.get(idToHex((m as Message & { id: Uint8Array }).id))
    if (entry !== undefined && entry.hops[i] === -1) {
      entry.hops[i] = (m as Message & { hops: number }).hops
      entry.at[i] = performance.now()
    }
  }))
  return seen
}

async function spreadOne (all: BenchNode[], seen: Seen, origin: number): Promise<RumorResult> {
  const n = all.length
  const before = await Promise.all(all.map(gossipStats))
  const datagrams = net.stats().datagrams
  const start = performance.now()
  const [reply] = await ask(all[origin]!.sup, { type: 'gossip.publish', topic: 'bench', data: new Uint8Array(32) } as Message)
  const entry = { hops: new Int16Array(n).fill(-1), at: new Float64Array(n) }
  entry.hops[origin] = 0
  entry.at[origin] = start
  seen.set(idToHex((reply as Message & { id: Uint8Array }).id), entry)
  await settle(() => entry.hops.filter(h => h >= 0).length, start + flags.timeout * 1000)
  const after = await Promise.all(all.map(gossipStats))
  const sum = (k: keyof GossipCounters): number => after.reduce((s, x, i) => s + x[k] - before[i]![k], 0)
  const hops = [...entry.hops].filter(h => h >= 0).sort((a, b) => a - b)
  const times = [...entry.at].filter((_, i) => entry.hops[i]! >= 0).map(t => t - start).sort((a, b) => a - b)
  const need = Math.ceil(0.99 * n)
  if (process.env.GOSSIP_BENCH_DEBUG !== undefined) {
    const byHop = new Map<number, number[]>()
    entry.hops.forEach((h, i) => {
      if (h >= 0) {
        const l = byHop.get(h) ?? []
        l.push(entry.at[i]! - start)
        byHop.set(h, l)
      }
    })
    for (const [h, l] of [...byHop].sort((a, b) => a[0] - b[0])) {
      process.stderr.write(`hop ${h}: ${l.length} nodes, first ${Math.round(Math.min(...l))} ms, last ${Math.round(Math.max(...l))} ms\n`)
    }
    process.stderr.write(
      `forwarded ${sum('forwarded')}, failed ${sum('failed')}, dropped ${sum('dropped')}, in flight ` +
        `${after.reduce((x, y) => x + y.inFlight, 0)}\n`
    )
  }
  return {
    origin,
    reached: hops.length,
    rounds99: hops.length >= need ? hops[need - 1]! : null,
    maxHops: hops.at(-1) ?? 0,
    ms99: times.length >= need ? times[need - 1]! : null,
    msgsPerNode: sum('received') / n,
    dupsPerNode: sum('duplicates') / n,
    datagramsPerNode: (net.stats().datagrams - datagrams) / n
  }
}

/**
 * Waits until nothing is in flight on the network and the count stopped growing (longer with loss: forwards wait for
 * timeouts), or the deadline.
 */
async function settle (count: () => number, until: number): Promise<void> {
  let last = -1
  let quiet = 0
  while (performance.now() < Math.min(until, deadline)) {
    await sleep(100)
    const now = count()
    quiet = now === last && net.stats().inFlight === 0 ? quiet + 1 : 0
    last = now
    if (quiet >= (flags.loss > 0 ? 40 : 3)) return
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function ask (sup: Supervisor, msg: Message): Promise<Message[]> {
  return await lastValueFrom(sup.ask(msg, { timeout: 30_000 }).pipe(toArray()))
}

async function gossipStats (node: BenchNode): Promise<GossipCounters> {
  const [r] = await ask(node.sup, { type: 'gossip.stats' })
  if (!isGossipStatsReply(r)) throw new Error('bad gossip.stats reply')
  return r
}

/** The first id of bucket j of `self` (`end`: the first id after it): `self`'s first j bits, bit j flipped, then zeros. */
function bucketEdge (self: NodeId, j: number, end: boolean): NodeId {
  const id = new Uint8Array(20)
  id.set(self.subarray(0, j >> 3))
  const byte = j >> 3
  const bit = 7 - (j & 7)
  const keep = self[byte]! & (0xff << (bit + 1)) & 0xff
  id[byte] = keep | ((((self[byte]! >> bit) & 1) ^ 1) << bit)
  if (!end) return id
  // one past the bucket: add 1 at bit j (carry upwards); all ones → past the end of the id space
  for (let b = byte, add = 1 << bit; b >= 0; b--, add = 1) {
    const v = id[b]! + add
    id[b] = v & 0xff
    if (v <= 0xff) return id
  }
  return new Uint8Array(21).fill(0xff)
}

function lowerBound (sorted: NodeId[], x: Uint8Array): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (compareIds(sorted[mid]!, x) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

function compareIds (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

function checkDeadline (what: string): void {
  if (performance.now() > deadline) throw new Error(`--seconds ${flags.seconds} reached while ${what}`)
}

function mb (bytes: number): number {
  return Math.round(bytes / 1024 / 1024)
}
