/**
 * createSimSwarm: n full nodes (transport, routing, crawler, liveness, lists, gossip; every actor
 * inline) on runtime's simulated network, all on ONE virtual clock: timers, ask timeouts,
 * datagram latencies and the nodes' clocks are the clock's, randomness is seeded (identities,
 * transaction ids, rumor ids, lookups' choices), compute-pool tasks run on the calling thread. The
 * same seed and the same calls give the same run, event for event; an hour of network life takes
 * as long as its events take to compute.
 *
 *   const swarm = await createSimSwarm(200, { seed: 7, loss: 0.01 })
 *   await swarm.clock.run(10 * 60_000)                             // ten simulated minutes
 *   const res = await swarm.clock.until(swarm.nodes[3]!.request({ type: 'crawler.lookup', target }))
 *   const late = await swarm.add()                                // joins through live nodes
 *   await swarm.kill(late)                                        // gone without a word
 *   await swarm.stop()
 *
 * The clock moves only inside `clock.run` / `clock.until` (and inside createSimSwarm and `add`,
 * which drive it until the joins are done): start asks and lookups, then drive the clock until
 * they settle. Nodes have no TCP liveness listener and do not try TCP (the simulated network
 * carries datagrams only).
 */
import { createHash } from 'node:crypto'
import { identityFromSeed } from '@peerconnect/protocol'
import { createInlinePool, createSimClock, createSimNetwork, hashString, seededRandom, silentLogger } from '@peerconnect/runtime'
import type { ComputePool, Logger, SimClock, SimNetwork, SimNetworkOptions } from '@peerconnect/runtime'
import { createNode } from './node.js'
import type { NodeOptions, PeerNode } from './node.js'
import { JOIN_ATTEMPTS, JOIN_MIN_CONTACTS } from './constants.js'

export interface SimSwarmOptions {
  /** Seeds every random draw of the run (default 1). */
  readonly seed?: number
  /** One-way latency of a link in ms (default: `internetLatency(seed)`). */
  readonly latency?: (from: string, to: string) => number
  /** Share of datagrams lost (default 0). */
  readonly loss?: number
  /** The clock to run on (default: a new `createSimClock()`). */
  readonly clock?: SimClock
  /** Called for every datagram sent on the network (an event log; see SimNetworkOptions.trace). */
  readonly trace?: SimNetworkOptions['trace']
  /** Nodes joining at the same time while the swarm is built (default 16). */
  readonly concurrency?: number
  /** Seeds a joining node bootstraps through: that many random live nodes (default 3). */
  readonly seeds?: number
  readonly log?: Logger
  /** The name of node `i` (default `node-<i>`). */
  readonly name?: (i: number) => string
  /** Extra options for every node (actor settings). */
  readonly node?: Partial<Omit<NodeOptions, 'name' | 'identity' | 'scheduler' | 'clock' | 'random' | 'pool' | 'inline'>>
}

export interface SimSwarm {
  readonly clock: SimClock
  readonly network: SimNetwork
  /** Live nodes (joined and not killed), in the order they joined. */
  readonly nodes: readonly PeerNode[]
  /** Makes one more node and joins it through random live nodes, driving the clock until it has. */
  add(): Promise<PeerNode>
  /** Makes and joins a node without driving the clock (for a caller already inside `clock.run`). */
  join(): Promise<PeerNode>
  /**
   * Takes a node off the network at once, without a word to the others (a crash, a closed laptop); the promise (its
   * actors stopping) settles as the clock runs.
   */
  kill(node: PeerNode): Promise<void>
  /** Nodes made so far (the next node's index). */
  readonly made: number
  /** The index (order of making) of a node of this swarm. */
  indexOf(node: PeerNode): number
  stop(): Promise<void>
}

export async function createSimSwarm (n: number, opts: SimSwarmOptions = {}): Promise<SimSwarm> {
  const seed = opts.seed ?? 1
  const clock = opts.clock ?? createSimClock()
  const random = seededRandom(mix(seed, 0x5eed))
  const network = createSimNetwork({ scheduler: clock, latency: opts.latency ?? internetLatency({ seed }), loss: opts.loss ?? 0, seed,
    trace: opts.trace })
  const pool: ComputePool = createInlinePool({ clock })
  const live: PeerNode[] = []
  const index = new Map<PeerNode, number>()
  const seedCount = opts.seeds ?? 3
  let made = 0
  let stopping: Promise<void> | undefined

  const make = async (): Promise<PeerNode> => {
    const i = made++
    const node: PeerNode = await createNode({
      log: opts.log ?? silentLogger,
      askTimeout: undefined,
      ...opts.node,
      name: opts.name?.(i) ?? `node-${i}`,
      identity: identityFromSeed(seedBytes(seed, i)),
      inline: true,
      pool,
      scheduler: clock,
      clock,
      random: seededRandom(mix(seed, i + 1)),
      network,
      transport: { host: '0.0.0.0', port: 0, ...opts.node?.transport },
      liveness: { ...opts.node?.liveness, tcp: false }
    })
    index.set(node, i)
    return node
  }

  const join = async (): Promise<PeerNode> => {
    const node = await make()
    const seeds = pick(live, seedCount, random).map(s => s.udp)
    const want = Math.min(live.length, JOIN_MIN_CONTACTS)
    for (let attempt = 1; attempt <= JOIN_ATTEMPTS && seeds.length > 0; attempt++) {
      const joined = await node.bootstrap(seeds)
      if (joined.contacts >= want) break
    }
    live.push(node)
    return node
  }

  const swarm: SimSwarm = {
    clock,
    network,
    nodes: live,
    add: async () => await clock.until(join()),
    join,
    async kill (node) {
      const i = live.indexOf(node)
      if (i >= 0) live.splice(i, 1)
      network.setDown(node.udp.host, true)
      await node.stop()
    },
    get made () {
      return made
    },
    indexOf: node => index.get(node) ?? -1,
    stop: async () =>
      await (stopping ??= (async () => {
        await clock.until(Promise.allSettled(live.splice(0).map(async node => await node.stop())))
        network.close()
      })())
  }
  try {
    if (n > 0) await clock.until(join())
    const concurrency = Math.max(1, opts.concurrency ?? 16)
    const joiner = async (): Promise<void> => {
      while (made < n) await join()
    }
    await clock.until(Promise.all(Array.from({ length: Math.min(concurrency, n - 1) }, joiner)))
  } catch (err) {
    await swarm.stop().catch(() => {})
    throw err
  }
  return swarm
}

/**
 * One-way link latencies shaped like the Internet's: each host gets a region (shares of the
 * world's Internet users: Asia 0.45, Europe 0.20, Africa 0.11, North America 0.09, South America
 * 0.08, Oceania 0.07 — a coarse reading of ITU 2023 figures), a pair of hosts gets the one-way
 * latency between their regions (half the typical RTT between the regions' main exchange points,
 * WonderNetwork's global ping statistics: within a region 10–40 ms, across 60–160 ms), plus a
 * per-link access-network extra drawn from a log-normal (median 8 ms, 95% under ~30 ms). Fixed per
 * pair of hosts for the whole run; the same both ways.
 */
export function internetLatency (opts: { seed?: number } = {}): (from: string, to: string) => number {
  const seed = opts.seed ?? 1
  const regions = new Map<string, number>() // one entry per host: every datagram asks for two
  const regionOf = (host: string): number => {
    let r = regions.get(host)
    if (r === undefined) regions.set(host, r = drawRegion(host))
    return r
  }
  const drawRegion = (host: string): number => {
    const u = hashString(host, seed ^ 0x9e3779b9) / 4294967296
    let acc = 0
    for (let r = 0; r < REGION_SHARE.length; r++) {
      acc += REGION_SHARE[r]!
      if (u < acc) return r
    }
    return REGION_SHARE.length - 1
  }
  return (from, to) => {
    const [a, b] = from < to ? [from, to] : [to, from]
    const base = REGION_ONE_WAY[regionOf(a)]![regionOf(b)]!
    const u1 = (hashString(`${a}|${b}`, seed) + 0.5) / 4294967296
    const u2 = (hashString(`${b}|${a}`, seed ^ 0x85ebca6b) + 0.5) / 4294967296
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
    const extra = 8 * Math.exp(0.8 * normal)
    return Math.round(base + Math.min(extra, 200))
  }
}

/** Asia, Europe, Africa, North America, South America, Oceania. */
const REGION_SHARE = [0.45, 0.20, 0.11, 0.09, 0.08, 0.07]
/** One-way ms between regions (half RTT), same order as REGION_SHARE. */
const REGION_ONE_WAY: readonly (readonly number[])[] = [
  [20, 110, 140, 90, 150, 60],
  [110, 10, 70, 45, 100, 140],
  [140, 70, 35, 110, 160, 170],
  [90, 45, 110, 15, 65, 80],
  [150, 100, 160, 65, 25, 130],
  [60, 140, 170, 80, 130, 15]
]

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** Up to `k` distinct members of `list`, drawn with `random`. */
function pick<T> (list: readonly T[], k: number, random: () => number): T[] {
  if (list.length <= k) return [...list]
  const chosen = new Set<number>()
  while (chosen.size < k) chosen.add(Math.floor(random() * list.length))
  return [...chosen].map(i => list[i]!)
}

/** The 32-byte key seed of node `i` of a swarm seeded `seed`. */
function seedBytes (seed: number, i: number): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`peerconnect-sim:${seed}:${i}`).digest())
}

function mix (a: number, b: number): number {
  return hashString(`${a}:${b}`, 0x2545f491)
}
