/**
 * `pnpm bench:scale --nodes N [--minutes M] [--churn ipfs|none] [--seed S]`: N full nodes
 * (transport, routing, crawler, liveness, lists, gossip, every actor inline) on the simulated
 * network with Internet-shaped link latencies and 1% loss, all on one virtual clock
 * (`createSimSwarm` from @peerconnect/node), run for M simulated minutes. Every `--sample`
 * simulated seconds it measures, against the ground truth of the live set:
 *   lookups      success (the closest live node to the target is in the result), hops (the
 *                referral depth at which the closest node was reached, from the datagrams) and
 *                queries, for random targets and list ids, from random live nodes
 *   table health share of (sampled) nodes whose table holds all of their 20 closest live peers
 *                by XOR, and at least 18 of them
 *   directory    a full walk from a random node: share of the live peers up for a minute or more
 *                it lists (completeness), share of what it lists that is gone (staleness)
 *   search       recall of a search by a live peer's unique name from another node
 *   gossip       share of the nodes live since a note was published (one sample earlier) that got it
 *   traffic      datagrams and bytes per live node per simulated minute
 * and, at the end, heap (after GC) and RSS per node. `--churn ipfs` gives every node a session
 * length drawn from the IPFS DHT measurements (README) and replaces each node that leaves by a
 * newcomer, so N stays about constant. Prints a table, then, last, one JSON line
 * {"bench":"scale","nodes":N,"lookupSuccess":…,"hopsP50":…,…}.
 *
 * `--sweep` runs N = 1,000 / 2,000 / 5,000 / 10,000 (up to `--max-nodes`), each in its own process,
 * and prints the figures over N. `--svg DIR` writes the run's curves over time
 * (`scale-<N>-over-time.svg`, data in `scale-<N>.json`) and a sweep's figures over N
 * (`scale-heap-per-node.svg`, `scale-hops.svg`, data in `scale-sweep.json`) to DIR.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { closest, decodeKrpc, decodeNodes, idToHex, isCrawlerResult, isListsPageReply, isRoutingContactsReply, isSearchDone, isSearchHit,
  LIST_IDS, randomId } from '@peerconnect/protocol'
import type { CrawlerLookup, ListsPage, Message, NodeId, SearchQuery } from '@peerconnect/protocol'
import { seededRandom, SIM_EPOCH } from '@peerconnect/runtime'
import type { SimTraceEvent } from '@peerconnect/runtime'
import { createSimSwarm } from '@peerconnect/node'
import type { PeerNode, SimSwarm } from '@peerconnect/node'
import { parseFlags } from './lib/argv.js'
import { percentile, round } from './lib/stats.js'
import { printTable } from './lib/table.js'
import { lineChart, writeSvg } from './lib/chart.js'
import { sampleSession, residualSession } from './net/churn.js'

const flags = parseFlags({
  nodes: 1000,
  minutes: 10,
  churn: 'none',
  seed: 1,
  loss: 0.01,
  sample: 60,
  lookups: 20,
  searches: 5,
  health: 500,
  concurrency: 32,
  seconds: 6 * 3600,
  sweep: false,
  collect: false,
  'max-nodes': 10_000,
  retries: -1,
  svg: ''
})
if (flags.churn !== 'none' && flags.churn !== 'ipfs') throw new RangeError('--churn is ipfs or none')
if (!(flags.nodes >= 2)) throw new RangeError('--nodes needs at least 2')

// ── one run ──────────────────────────────────────────────────────────────────────────────────

interface Sample {
  minute: number
  live: number
  lookups: number
  lookupOk: number
  /** Lookups whose target's closest live peer up for SETTLED_MS or more is in the result (a newer one may not be findable yet). */
  lookupOkSettled: number
  hops: number[]
  queries: number[]
  healthNodes: number
  all20: number
  atLeast18: number
  directoryComplete: number | null
  directoryStale: number | null
  searches: number
  searchFound: number
  gossipCoverage: number | null
  datagramsPerNodeMinute: number
  bytesPerNodeMinute: number
}

async function single (): Promise<void> {
  const wallStart = performance.now()
  const deadline = wallStart + flags.seconds * 1000
  const random = seededRandom(flags.seed ^ 0x5ca1e)
  gc()
  const heapBase = process.memoryUsage().heapUsed
  const cpuStart = process.cpuUsage()
  const hops = createHopTracer()
  const swarm = await createSimSwarm(flags.nodes, {
    seed: flags.seed,
    loss: flags.loss,
    concurrency: flags.concurrency,
    ...(flags.retries >= 0 ? { node: { crawler: { retries: flags.retries } } } : {}),
    name: nameOf,
    trace: e => hops.see(e)
  })
  const buildMs = performance.now() - wallStart
  const buildCpu = process.cpuUsage(cpuStart)
  const buildVirtual = swarm.clock.now()
  process.stderr.write(
    `built ${flags.nodes} nodes in ${Math.round(buildMs / 1000)} s (${round((buildVirtual - SIM_EPOCH) / 1000)} s simulated)\n`
  )

  const joinedAt = new Map<PeerNode, number>()
  const notes = new Map<string, Set<PeerNode>>()
  const watch = (node: PeerNode): void => {
    joinedAt.set(node, swarm.clock.now())
    node.supervisor.messages$(['gossip.note']).subscribe(m => {
      const got = notes.get(idToHex((m as Message & { id: Uint8Array }).id))
      got?.add(node)
    })
  }
  for (const node of swarm.nodes) watch(node)
  // churn: when each node leaves
  const leaves = new Map<PeerNode, number>()
  if (flags.churn === 'ipfs') { for (const node of swarm.nodes) leaves.set(node, swarm.clock.now() + residualSession(random) * 60_000) }

  const samples: Sample[] = []
  const t0 = swarm.clock.now()
  const end = t0 + flags.minutes * 60_000
  let nextSample = t0 + flags.sample * 1000
  let last = { at: t0, stats: swarm.network.stats() }
  let lastNote: { id: string, at: number, eligible: PeerNode[] } | undefined
  let left = 0
  let joined = 0
  const busy = new Set<Promise<unknown>>()
  const track = (p: Promise<unknown>): void => {
    busy.add(p)
    void p.finally(() => busy.delete(p))
  }
  let stoppedEarly = false

  try {
    for (;;) {
      const now = swarm.clock.now()
      if (now >= end && nextSample > end) break
      if (performance.now() > deadline) {
        stoppedEarly = true
        break
      }
      if (flags.churn === 'ipfs') {
        for (const [node, at] of leaves) {
          if (at > now) continue
          leaves.delete(node)
          joinedAt.delete(node)
          left++
          track(swarm.kill(node))
          track(swarm.join().then(fresh => {
            joined++
            watch(fresh)
            leaves.set(fresh, swarm.clock.now() + sampleSession(random) * 60_000)
          }))
        }
      }
      if (now >= nextSample) {
        nextSample += flags.sample * 1000
        const stats = swarm.network.stats()
        const minutes = (now - last.at) / 60_000
        const live = swarm.nodes.length
        const sample: Sample = {
          minute: round((now - t0) / 60_000),
          live,
          lookups: 0,
          lookupOk: 0,
          lookupOkSettled: 0,
          hops: [],
          queries: [],
          healthNodes: 0,
          all20: 0,
          atLeast18: 0,
          directoryComplete: null,
          directoryStale: null,
          searches: 0,
          searchFound: 0,
          gossipCoverage: null,
          datagramsPerNodeMinute: (stats.datagrams - last.stats.datagrams) / live / minutes,
          bytesPerNodeMinute: (stats.bytes - last.stats.bytes) / live / minutes
        }
        last = { at: now, stats }
        samples.push(sample)
        if (lastNote !== undefined) {
          const got = notes.get(lastNote.id)
          const still = lastNote.eligible.filter(n => joinedAt.has(n))
          sample.gossipCoverage = still.length === 0 ? null : still.filter(n => got?.has(n) === true).length / still.length
          notes.delete(lastNote.id)
        }
        await swarm.clock.until(measure(swarm, sample, { random, joinedAt, hops, publish: note => {
          lastNote = note
          notes.set(note.id, new Set())
        } }), 5 * 60_000)
        printRow(sample)
        continue
      }
      await swarm.clock.runUntil(Math.min(end, nextSample, now + 10_000))
    }
    await swarm.clock.until(Promise.allSettled([...busy]), 120_000).catch(() => {})
  } finally {
    const live = swarm.nodes.length
    const runCpu = process.cpuUsage(cpuStart)
    gc()
    const memory = process.memoryUsage()
    await swarm.stop()
    report({ samples, live, memory, heapBase, buildMs, wallMs: performance.now() - wallStart, left, joined, stoppedEarly,
      minutesRun: (swarm.clock.now() - t0) / 60_000, buildCpuUser: buildCpu.user / 1e6, runCpuUser: (runCpu.user - buildCpu.user) / 1e6 })
  }
}

interface MeasureContext {
  readonly random: () => number
  readonly joinedAt: Map<PeerNode, number>
  readonly hops: HopTracer
  readonly publish: (note: { id: string, at: number, eligible: PeerNode[] }) => void
}

/** One round of measurements, all at once (they run while the network goes on). */
async function measure (swarm: SimSwarm, s: Sample, ctx: MeasureContext): Promise<void> {
  const live = [...swarm.nodes]
  const now = swarm.clock.now()
  const ids = live.map(n => n.id)
  const pickLive = (): PeerNode => live[Math.floor(ctx.random() * live.length)]!
  const jobs: Array<Promise<void>> = []

  // lookups: half random targets, half list ids
  for (let i = 0; i < flags.lookups; i++) {
    const from = pickLive()
    const target = i % 2 === 0 ? randomId(ctx.random) : LIST_IDS[Math.floor(ctx.random() * LIST_IDS.length)]!
    const truth = closest(ids.filter(id => id !== from.id), target, 1)[0]
    const settledIds = live.filter(n => n !== from && now - (ctx.joinedAt.get(n) ?? now) >= SETTLED_MS).map(n => n.id)
    const truthSettled = closest(settledIds, target, 1)[0]
    jobs.push((async () => {
      const done = ctx.hops.start(from, target)
      try {
        const ask: CrawlerLookup = { type: 'crawler.lookup', target }
        const res = await from.request(ask, { timeout: 60_000 })
        s.lookups++
        if (!isCrawlerResult(res)) return
        s.queries.push(res.queries)
        if (truth !== undefined && res.closest.some(c => sameId(c.id, truth))) s.lookupOk++
        if (truthSettled !== undefined && res.closest.some(c => sameId(c.id, truthSettled))) s.lookupOkSettled++
        const best = res.closest[0]
        s.hops.push(best === undefined ? 0 : done(best.id))
      } catch {
        s.lookups++
      } finally {
        ctx.hops.stop(from)
      }
    })())
  }

  // routing-table health of up to --health nodes
  const checked = flags.health > 0 && flags.health < live.length ? pickMany(live, flags.health, ctx.random) : live
  for (const node of checked) {
    jobs.push((async () => {
      const res = await node.request({ type: 'routing.contacts' }, { timeout: 30_000 })
      if (!isRoutingContactsReply(res)) return
      const known = new Set(res.contacts.map(c => idToHex(c.id)))
      const truth = closest(ids.filter(id => id !== node.id), node.id, 20)
      const have = truth.filter(id => known.has(idToHex(id))).length
      s.healthNodes++
      if (have >= Math.min(20, truth.length)) s.all20++
      if (have >= Math.min(18, truth.length)) s.atLeast18++
    })().catch(() => {}))
  }

  // one directory walk from a random node
  jobs.push((async () => {
    const walker = pickLive()
    await walker.request({ type: 'lists.invalidate' }, { timeout: 30_000 })
    const listed = new Set<string>()
    let cursor: string | undefined
    for (let page = 0; page < 1000; page++) {
      const ask: ListsPage = cursor === undefined ? { type: 'lists.page', limit: 1000 } : { type: 'lists.page', limit: 1000, cursor }
      const res = await walker.request(ask, { timeout: 60_000 })
      if (!isListsPageReply(res)) return
      for (const p of res.peers) listed.add(idToHex(p.record.id))
      if (res.next === null) break
      cursor = res.next
    }
    const liveHex = new Set(live.map(n => n.idHex))
    const settled = live.filter(n => n !== walker && now - (ctx.joinedAt.get(n) ?? now) >= 60_000)
    s.directoryComplete = settled.length === 0 ? null : settled.filter(n => listed.has(n.idHex)).length / settled.length
    s.directoryStale = listed.size === 0 ? 0 : [...listed].filter(h => !liveHex.has(h)).length / listed.size
  })().catch(() => {}))

  // searches by name
  for (let i = 0; i < flags.searches; i++) {
    const settled = live.filter(n => now - (ctx.joinedAt.get(n) ?? now) >= 60_000)
    if (settled.length < 2) break
    const wanted = settled[Math.floor(ctx.random() * settled.length)]!
    let from = pickLive()
    while (from === wanted) from = pickLive()
    jobs.push(new Promise<void>(resolve => {
      const q: SearchQuery = { type: 'search.query', q: wanted.name }
      let found = false
      from.supervisor.ask(q, { timeout: 120_000 }).subscribe({
        next: (m: Message) => {
          if (isSearchHit(m) && sameId(m.record.id, wanted.id)) found = true
          if (isSearchDone(m)) {
            s.searches++
            if (found) s.searchFound++
          }
        },
        error: () => {
          s.searches++
          resolve()
        },
        complete: () => resolve()
      })
    }))
  }

  // a gossip note, covered (or not) by the next sample
  jobs.push((async () => {
    const origin = pickLive()
    const res = await origin.request({ type: 'gossip.publish', topic: 'scale', data: new Uint8Array(32) } as Message, { timeout: 30_000 })
    const id = (res as Message & { id?: Uint8Array }).id
    if (id instanceof Uint8Array) ctx.publish({ id: idToHex(id), at: now, eligible: live.filter(n => n !== origin) })
  })().catch(() => {}))

  await Promise.all(jobs)
}

// ── hops, from the datagrams ─────────────────────────────────────────────────────────────────

interface HopTracer {
  see(e: SimTraceEvent): void
  /** Starts following `from`'s find_node queries for `target`; the result gives the depth at which an id was reached. */
  start(from: PeerNode, target: NodeId): (id: NodeId) => number
  stop(from: PeerNode): void
}

/**
 * The referral depth of a lookup: a node the querier queried without anyone naming it to it (from
 * its own table) is at depth 1; a node first named in the reply of a node at depth d is at d + 1.
 */
function createHopTracer (): HopTracer {
  interface Watch {
    target: NodeId
    tids: Map<string, string>
    depth: Map<string, number>
    idDepth: Map<string, number>
  }
  const watching = new Map<string, Watch>()
  return {
    see (e) {
      if (watching.size === 0) return
      const out = watching.get(e.from)
      const into = out === undefined ? watching.get(e.to) : undefined
      if (out === undefined && into === undefined) return
      const res = decodeKrpc(e.buf)
      if (!res.ok) return
      const msg = res.msg
      if (out !== undefined && msg.y === 'q' && msg.q === 'find_node' && msg.a.target instanceof Uint8Array &&
        sameId(msg.a.target, out.target)) {
        out.tids.set(hex(msg.t), e.to)
        if (!out.depth.has(e.to)) out.depth.set(e.to, 1)
      } else if (into !== undefined && msg.y === 'r') {
        const responder = into.tids.get(hex(msg.t))
        if (responder !== e.from) return
        const d = into.depth.get(responder) ?? 1
        into.idDepth.set(idToHex(msg.r.id), d)
        for (const n of decodeNodes(msg.r.nodes) ?? []) {
          const key = `${n.host}:${n.port}`
          if (!into.depth.has(key)) into.depth.set(key, d + 1)
        }
      }
    },
    start (from, target) {
      const w: Watch = { target, tids: new Map(), depth: new Map(), idDepth: new Map() }
      watching.set(`${from.udp.host}:${from.udp.port}`, w)
      return id => w.idDepth.get(idToHex(id)) ?? 1
    },
    stop (from) {
      watching.delete(`${from.udp.host}:${from.udp.port}`)
    }
  }
}

// ── the report ───────────────────────────────────────────────────────────────────────────────

const HEADER = ['min', 'live', 'lookup ok %', 'hops p50', 'queries p50', 'all 20 %', '≥ 18 %', 'directory %', 'stale %', 'search',
  'gossip %', 'datagrams/node/min', 'bytes/node/min']

function printRow (s: Sample): void {
  process.stderr.write(HEADER.map((h, i) => `${h}=${String(rowOf(s)[i])}`).join(' ') + '\n')
}

function rowOf (s: Sample): Array<string | number> {
  const pct = (x: number | null): string | number => x === null ? '-' : round(100 * x)
  return [
    s.minute,
    s.live,
    s.lookups === 0 ? '-' : round(100 * s.lookupOk / s.lookups),
    s.hops.length === 0 ? '-' : percentile([...s.hops].sort((a, b) => a - b), 50),
    s.queries.length === 0 ? '-' : percentile([...s.queries].sort((a, b) => a - b), 50),
    s.healthNodes === 0 ? '-' : round(100 * s.all20 / s.healthNodes),
    s.healthNodes === 0 ? '-' : round(100 * s.atLeast18 / s.healthNodes),
    pct(s.directoryComplete),
    pct(s.directoryStale),
    s.searches === 0 ? '-' : `${s.searchFound}/${s.searches}`,
    pct(s.gossipCoverage),
    Math.round(s.datagramsPerNodeMinute),
    Math.round(s.bytesPerNodeMinute)
  ]
}

interface Outcome {
  samples: Sample[]
  live: number
  memory: NodeJS.MemoryUsage
  heapBase: number
  buildMs: number
  wallMs: number
  left: number
  joined: number
  stoppedEarly: boolean
  minutesRun: number
  /** User CPU seconds of building the swarm, and of the run after it (measurements included). */
  buildCpuUser: number
  runCpuUser: number
}

function report (o: Outcome): void {
  const { samples } = o
  printTable(HEADER, samples.map(rowOf))
  const sum = (f: (s: Sample) => number): number => samples.reduce((a, s) => a + f(s), 0)
  const ratio = (num: number, den: number): number | null => den === 0 ? null : Math.round(10_000 * num / den) / 10_000
  const hops = samples.flatMap(s => s.hops).sort((a, b) => a - b)
  const queries = samples.flatMap(s => s.queries).sort((a, b) => a - b)
  const mean = (xs: Array<number | null>): number | null => {
    const v = xs.filter((x): x is number => x !== null)
    return v.length === 0 ? null : Math.round(10_000 * v.reduce((a, b) => a + b, 0) / v.length) / 10_000
  }
  const n = flags.nodes
  const result = {
    bench: 'scale',
    nodes: n,
    lookupSuccess: ratio(sum(s => s.lookupOk), sum(s => s.lookups)),
    hopsP50: hops.length === 0 ? null : percentile(hops, 50),
    queriesPerLookup: queries.length === 0 ? null : round(queries.reduce((a, b) => a + b, 0) / queries.length),
    tableHealthAll20: ratio(sum(s => s.all20), sum(s => s.healthNodes)),
    directoryComplete: mean(samples.map(s => s.directoryComplete)),
    searchRecall: ratio(sum(s => s.searchFound), sum(s => s.searches)),
    bytesPerNodeMinute: Math.round(mean(samples.map(s => s.bytesPerNodeMinute)) ?? 0),
    heapBytesPerNode: Math.round((o.memory.heapUsed - o.heapBase) / Math.max(1, o.live)),
    // the rest
    lookupSuccessSettled: ratio(sum(s => s.lookupOkSettled), sum(s => s.lookups)),
    minutes: round(o.minutesRun),
    churn: flags.churn,
    seed: flags.seed,
    loss: flags.loss,
    hopsP90: hops.length === 0 ? null : percentile(hops, 90),
    tableHealth18: ratio(sum(s => s.atLeast18), sum(s => s.healthNodes)),
    directoryStale: mean(samples.map(s => s.directoryStale)),
    gossipCoverage: mean(samples.map(s => s.gossipCoverage)),
    datagramsPerNodeMinute: round(mean(samples.map(s => s.datagramsPerNodeMinute)) ?? 0),
    rssBytesPerNode: Math.round(o.memory.rss / Math.max(1, o.live)),
    heapMB: Math.round(o.memory.heapUsed / 2 ** 20),
    rssMB: Math.round(o.memory.rss / 2 ** 20),
    left: o.left,
    joined: o.joined,
    buildSeconds: Math.round(o.buildMs / 1000),
    wallSeconds: Math.round(o.wallMs / 1000),
    cpuBuildSeconds: round(o.buildCpuUser),
    cpuRunSeconds: round(o.runCpuUser),
    cpuMsPerNodeMinute: o.minutesRun > 0 ? round(1000 * o.runCpuUser / Math.max(1, o.live) / o.minutesRun) : null,
    stoppedEarly: o.stoppedEarly,
    curves: undefined as unknown
  }
  const goals = [
    ['lookup success ≥ 0.995', result.lookupSuccess !== null && result.lookupSuccess >= 0.995],
    [`hops p50 ≤ log2(N/20) + 1 = ${round(Math.log2(n / 20) + 1)}`, result.hopsP50 !== null && result.hopsP50 <= Math.log2(n / 20) + 1],
    ['≥ 95% of nodes know all 20 closest', result.tableHealthAll20 !== null && result.tableHealthAll20 >= 0.95],
    ['directory ≥ 99% complete', result.directoryComplete !== null && result.directoryComplete >= 0.99],
    ['search recall ≥ 0.99', result.searchRecall !== null && result.searchRecall >= 0.99],
    ['heap ≤ 300 KB per node', result.heapBytesPerNode <= 300 * 1024]
  ] as const
  process.stdout.write(
    `${n} nodes, ${round(o.minutesRun)} simulated minutes, churn ${flags.churn} (${o.left} left, ${o.joined} joined), loss ` +
      `${flags.loss}, seed ${flags.seed}; built in ${result.buildSeconds} s (${result.cpuBuildSeconds} s CPU), ran in ` +
      `${result.wallSeconds} s (${result.cpuRunSeconds} s CPU, ${String(result.cpuMsPerNodeMinute)} ms per node per simulated minute)` +
      `${o.stoppedEarly ? ' (stopped early: --seconds)' : ''}; heap ${result.heapMB} MB, rss ${result.rssMB} MB\n`
  )
  for (const [goal, met] of goals) process.stdout.write(`goal: ${goal} → ${met ? 'met' : 'NOT met'}\n`)
  if (flags.svg !== '') {
    mkdirSync(flags.svg, { recursive: true })
    const curves = samples.map(s => ({ minute: s.minute, live: s.live, lookupSuccess: ratio(s.lookupOk, s.lookups),
      tableHealthAll20: ratio(s.all20, s.healthNodes), tableHealth18: ratio(s.atLeast18, s.healthNodes),
      directoryComplete: s.directoryComplete, gossipCoverage: s.gossipCoverage })
    )
    writeFileSync(join(flags.svg, `scale-${n}.json`), JSON.stringify({ ...result, curves }, null, 1) + '\n')
    const curve = (name: string, f: (c: typeof curves[number]) => number | null): { name: string, points: Array<[number, number]> } => ({
      name,
      points: curves.flatMap(c => {
        const y = f(c)
        return y === null ? [] : [[c.minute, y] as [number, number]]
      })
    })
    writeSvg(flags.svg, `scale-${n}-over-time.svg`, lineChart({
      title: `${n} nodes, churn ${flags.churn}: health over time`,
      x: { label: 'simulated minutes', min: 0 },
      y: { label: 'share', min: 0, max: 1 },
      series: [
        curve('lookup success', c => c.lookupSuccess),
        curve('tables with all 20 closest', c => c.tableHealthAll20),
        curve('tables with ≥ 18 of 20', c => c.tableHealth18),
        curve('directory completeness', c => c.directoryComplete),
        curve('gossip coverage', c => c.gossipCoverage)
      ],
      marks: [{ y: 0.95, label: 'table goal 0.95' }, { y: 0.99, label: 'directory goal 0.99' }]
    }))
  }
  process.stdout.write(JSON.stringify(result, (k, v: unknown) => k === 'curves' ? undefined : v) + '\n')
}

// ── the sweep ────────────────────────────────────────────────────────────────────────────────

async function sweep (): Promise<void> {
  const sizes = [1000, 2000, 5000, 10_000].filter(n => n <= flags['max-nodes'])
  const rows = flags.collect ? collect(sizes) : runSizes(sizes)
  reportSweep(rows)
}

/**
 * `--collect`: the rows of runs made before, one at a time (`--nodes N --svg DIR` each): the
 * `scale-<N>.json` files in the `--svg` directory. A size without its file is left out, said so.
 */
function collect (sizes: readonly number[]): Array<Record<string, unknown>> {
  if (flags.svg === '') throw new RangeError('--collect reads scale-<N>.json from the --svg directory: give --svg DIR')
  return sizes.flatMap(n => {
    const file = join(flags.svg, `scale-${n}.json`)
    if (!existsSync(file)) {
      process.stderr.write(`${n} nodes: no ${file}\n`)
      return []
    }
    const { curves: _curves, ...row } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    return [row]
  })
}

/** Runs each size in its own process with the other flags; the rows of those that gave a result. */
function runSizes (sizes: readonly number[]): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = []
  const self = fileURLToPath(import.meta.url)
  const pass = process.argv.slice(2).filter((a, i, all) =>
    a !== '--sweep' && a !== '--nodes' && all[i - 1] !== '--nodes' && a !== '--max-nodes' && all[i - 1] !== '--max-nodes'
  )
  for (const n of sizes) {
    process.stderr.write(`── ${n} nodes ──\n`)
    const child = spawnSync(process.execPath, [...process.execArgv, self, '--nodes', String(n), ...pass], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 64 * 2 ** 20
    })
    process.stdout.write(child.stdout)
    const last = child.stdout.trim().split('\n').at(-1) ?? ''
    try {
      rows.push(JSON.parse(last) as Record<string, unknown>)
    } catch {
      process.stderr.write(`${n} nodes: no result (exit ${String(child.status)})\n`)
    }
  }
  return rows
}

function reportSweep (rows: ReadonlyArray<Record<string, unknown>>): void {
  printTable(['nodes', 'lookup ok', 'hops p50', 'goal hops', 'queries', 'all 20', 'directory', 'search', 'bytes/node/min', 'heap/node KB',
    'rss/node KB'], rows.map(r => [
      String(r.nodes),
      String(r.lookupSuccess),
      String(r.hopsP50),
      round(Math.log2(Number(r.nodes) / 20) + 1),
      String(r.queriesPerLookup),
      String(r.tableHealthAll20),
      String(r.directoryComplete),
      String(r.searchRecall),
      String(r.bytesPerNodeMinute),
      Math.round(Number(r.heapBytesPerNode) / 1024),
      Math.round(Number(r.rssBytesPerNode) / 1024)
    ]))
  if (flags.svg !== '') {
    mkdirSync(flags.svg, { recursive: true })
    writeFileSync(join(flags.svg, 'scale-sweep.json'), JSON.stringify(rows, null, 1) + '\n')
    const over = (f: (r: Record<string, unknown>) => unknown): Array<[number, number]> =>
      rows.flatMap(r => {
        const y = Number(f(r))
        return Number.isFinite(y) ? [[Number(r.nodes), y] as [number, number]] : []
      })
    writeSvg(flags.svg, 'scale-heap-per-node.svg', lineChart({
      title: 'Heap per node over N',
      x: { label: 'nodes', log: true },
      y: { label: 'KB per node', min: 0 },
      series: [{ name: 'heap / node', points: over(r => Number(r.heapBytesPerNode) / 1024) }, { name: 'rss / node',
        points: over(r => Number(r.rssBytesPerNode) / 1024), dashed: true }],
      marks: [{ y: 300, label: 'goal 300 KB' }]
    }))
    writeSvg(flags.svg, 'scale-hops.svg', lineChart({
      title: 'Lookup hops over N',
      x: { label: 'nodes', log: true },
      y: { label: 'hops (p50)', min: 0 },
      series: [{ name: 'hops p50', points: over(r => r.hopsP50) }, { name: 'goal log2(N/20) + 1',
        points: over(r => Math.log2(Number(r.nodes) / 20) + 1), dashed: true }]
    }))
  }
  process.stdout.write(JSON.stringify({ bench: 'scale-sweep', runs: rows }) + '\n')
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** `lookupSuccessSettled` scores the closest live peer that has been up this long (a newer one may not be findable yet). */
const SETTLED_MS = 30_000

/** Unique, fixed-width names: a search for one matches no other. */
function nameOf (i: number): string {
  return `peer${String(i).padStart(6, '0')}`
}

function pickMany<T> (list: readonly T[], k: number, random: () => number): T[] {
  const chosen = new Set<number>()
  while (chosen.size < Math.min(k, list.length)) chosen.add(Math.floor(random() * list.length))
  return [...chosen].map(i => list[i]!)
}

function sameId (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function hex (b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

function gc (): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

// ── main (last: everything above is initialised) ─────────────────────────────────────────────

if (flags.sweep) await sweep()
else await single()
