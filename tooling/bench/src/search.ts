/**
 * `pnpm bench:search --nodes N [--queries Q] [--shared S] [--interval S] [--timeout MS]`: keyword
 * search in a swarm of N inline nodes (real UDP on 127.0.0.1, every actor of a full node, gossip
 * included), through each of lists, gossip and hybrid.
 *
 * Node i is named `Peer n0042` (ids zero-padded, so `n0042` matches one peer and is no prefix of
 * another); the first 10 are `Teamwork n000i`. Per via, Q searches for one unique name and S for
 * the shared prefix `teamw`, each from a different random node other than the ones it looks for.
 *
 * - recall: the share of the live peers whose names match that the search returned (mean; min in the table);
 * - firstHitMs / doneMs: from the ask to the first hit / to search.done, by the bench's clock (median);
 * - msgs: KRPC queries the search caused (mean): everything the searcher sent during the search
 *   (holder lookups, pc_search, its own gossip forwards) plus the gossip forwards and hits other
 *   nodes sent for it (their gossip counters), minus the searcher's own background rate.
 *
 * `cold`: the searcher's caches are dropped first (search.invalidate: results and list holders),
 * as for a node's first search. `warm`: its holders are cached by an earlier search (a node that
 * searched within the last minute); results never come from the result cache here. The JSON's
 * top level is the cold case; `warm` holds the other.
 *
 * Prints a table, then, last, one JSON line.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { isGossipStatsReply, isListsStatsReply, isSearchDone, isSearchHit, isTransportInfoReply, idToHex,
  matchesName } from '@peerconnect/protocol'
import type { Message, SearchQuery, SearchVia } from '@peerconnect/protocol'
import { createSwarm } from '@peerconnect/node'
import type { PeerNode } from '@peerconnect/node'
import { parseFlags } from './lib/argv.js'
import { printTable } from './lib/table.js'
import { summarize } from './lib/stats.js'

const flags = parseFlags({ nodes: 200, queries: 10, shared: 2, interval: 10, timeout: 3000, team: 10 })
if (flags.nodes < flags.team + 2) throw new RangeError(`--nodes needs at least ${flags.team + 2}`)

const VIAS: readonly SearchVia[] = ['lists', 'gossip', 'hybrid']
const names = Array.from({ length: flags.nodes }, (_, i) => `${i < flags.team ? 'Teamwork' : 'Peer'} n${String(i).padStart(4, '0')}`)

interface Sample {
  readonly recall: number
  readonly firstHitMs: number
  readonly doneMs: number
  readonly msgs: number
  readonly hits: number
}
type Figures = { recall: number, minRecall: number, firstHitMs: number, doneMs: number, msgs: number, searches: number }

const t0 = performance.now()
const swarm = await createSwarm(flags.nodes, { names, node: { lists: { announceInterval: flags.interval * 1000 } } })
const builtMs = performance.now() - t0
const results: Record<'cold' | 'warm', Record<SearchVia, Figures>> = { cold: {} as Record<SearchVia, Figures>,
  warm: {} as Record<SearchVia, Figures> }
let background = 0
try {
  await settle(swarm.nodes)
  background = await backgroundRate(swarm.nodes)
  for (const mode of ['cold', 'warm'] as const) {
    for (const via of VIAS) {
      const samples: Sample[] = []
      for (const q of workload()) samples.push(await measure(q, via, mode))
      results[mode][via] = figures(samples)
    }
  }
} finally {
  await swarm.stop()
}

process.stdout.write(`search bench: ${flags.nodes} nodes (inline, UDP on 127.0.0.1), announce every ${flags.interval} s, ` +
  `swarm built in ${Math.round(builtMs)} ms; per via ${flags.queries} unique-name and ${flags.shared} shared-prefix ` +
  `(${flags.team} peers) searches, bound ${flags.timeout} ms\n\n`)
printTable(
  ['caches', 'via', 'recall (mean)', 'recall (min)', 'first hit ms (p50)', 'done ms (p50)', 'msgs/search (mean)'],
  (['cold', 'warm'] as const).flatMap(mode => VIAS.map(via => {
    const f = results[mode][via]
    return [mode, via, f.recall, f.minRecall, f.firstHitMs, f.doneMs, f.msgs]
  }))
)
process.stdout.write(
  `\nsearcher background: ${background.toFixed(1)} queries/s (subtracted); goals (hybrid): recall 1, first hit ≤ 50 ms, done ≤ 1 s\n`
)
const json = (f: Figures): Record<string, number> => ({ recall: f.recall, firstHitMs: f.firstHitMs, doneMs: f.doneMs, msgs: f.msgs })
process.stdout.write(JSON.stringify({
  bench: 'search',
  nodes: flags.nodes,
  hybrid: json(results.cold.hybrid),
  lists: json(results.cold.lists),
  gossip: json(results.cold.gossip),
  warm: { hybrid: json(results.warm.hybrid), lists: json(results.warm.lists), gossip: json(results.warm.gossip) }
}) + '\n')

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** The queries of one via: unique names of random peers outside the team, then the team's prefix. */
function workload (): string[] {
  const unique = Array.from({ length: flags.queries },
    () => `n${String(flags.team + Math.floor(Math.random() * (flags.nodes - flags.team))).padStart(4, '0')}`)
  return [...unique, ...Array.from({ length: flags.shared }, () => 'teamw')]
}

/** One search of `q` through `via` from a random node that is not among its matches. */
async function measure (q: string, via: SearchVia, mode: 'cold' | 'warm'): Promise<Sample> {
  const want = new Set(swarm.nodes.filter(n => matchesName(n.name, q)).map(n => n.idHex))
  const candidates = swarm.nodes.filter(n => !want.has(n.idHex))
  const searcher = candidates[Math.floor(Math.random() * candidates.length)]!
  await searcher.request({ type: 'search.invalidate' }, { timeout: 10_000 })
  if (mode === 'warm' && via !== 'gossip') await run(searcher, 'zzzwarmup', 'lists') // fills the holder cache; no peer matches
  const before = await counters(searcher)
  const r = await run(searcher, q, via)
  const after = await counters(searcher)
  const own = after.own - before.own - background * (r.doneMs / 1000)
  const msgs = Math.max(0, own + (after.others - before.others))
  const found = r.ids.filter(id => want.has(id)).length
  return { recall: want.size === 0 ? 1 : found / want.size, firstHitMs: r.firstHitMs, doneMs: r.doneMs, msgs, hits: r.ids.length }
}

/** Runs one search to its end: the hit ids, and the times of the first hit (NaN if none) and of the done. */
async function run (node: PeerNode, q: string, via: SearchVia): Promise<{ ids: string[], firstHitMs: number, doneMs: number }> {
  const msg: SearchQuery = { type: 'search.query', q, via, timeout: flags.timeout }
  const start = performance.now()
  const ids: string[] = []
  let firstHitMs = NaN
  return await new Promise((resolve, reject) => {
    node.supervisor.ask(msg, { timeout: flags.timeout + 10_000 }).subscribe({
      next: (m: Message) => {
        if (isSearchHit(m)) {
          if (ids.length === 0) firstHitMs = performance.now() - start
          ids.push(idToHex(m.record.id))
        } else if (isSearchDone(m)) resolve({ ids, firstHitMs, doneMs: performance.now() - start })
      },
      error: reject
    })
  })
}

/** Queries the searcher sent (transport), and the gossip forwards and hits the other nodes sent. */
async function counters (searcher: PeerNode): Promise<{ own: number, others: number }> {
  let others = 0
  const info = await searcher.request({ type: 'transport.info' }, { timeout: 10_000 })
  const own = isTransportInfoReply(info) ? info.stats.queriesSent ?? 0 : 0
  await Promise.all(swarm.nodes.filter(n => n !== searcher).map(async n => {
    const g = await n.request({ type: 'gossip.stats' }, { timeout: 10_000 })
    if (isGossipStatsReply(g)) others += g.forwarded + g.hitsSent
  }))
  return { own, others }
}

/** Waits until every node has completed two announce rounds (its record is with its holders). */
async function settle (nodes: readonly PeerNode[]): Promise<void> {
  const deadline = performance.now() + 10 * flags.interval * 1000
  for (;;) {
    const rounds = await Promise.all(nodes.map(async n => {
      const s = await n.request({ type: 'lists.stats' }, { timeout: 10_000 })
      return isListsStatsReply(s) ? s.rounds : 0
    }))
    if (rounds.every(r => r >= 2)) return
    if (performance.now() > deadline) {
      throw new Error(`nodes did not complete two announce rounds: ${rounds.filter(r => r < 2).length} behind`)
    }
    await sleep(500)
  }
}

/** Queries per second a node sends with no search running (announces, lookups of its own holders, routing upkeep), over 5 nodes × 5 s. */
async function backgroundRate (nodes: readonly PeerNode[]): Promise<number> {
  const sample = nodes.slice(0, 5)
  const sent = async (): Promise<number> =>
    (await Promise.all(sample.map(async n => {
      const info = await n.request({ type: 'transport.info' }, { timeout: 10_000 })
      return isTransportInfoReply(info) ? info.stats.queriesSent ?? 0 : 0
    }))).reduce((a, b) => a + b, 0)
  const a = await sent()
  await sleep(5000)
  return (await sent() - a) / sample.length / 5
}

function figures (samples: readonly Sample[]): Figures {
  const recalls = samples.map(s => s.recall)
  const first = summarize(samples.map(s => s.firstHitMs).filter(Number.isFinite))
  return {
    recall: round3(recalls.reduce((a, b) => a + b, 0) / recalls.length),
    minRecall: round3(Math.min(...recalls)),
    firstHitMs: Math.round(first.p50),
    doneMs: Math.round(summarize(samples.map(s => s.doneMs)).p50),
    msgs: Math.round(samples.reduce((a, s) => a + s.msgs, 0) / samples.length),
    searches: samples.length
  }
}

function round3 (x: number): number {
  return Math.round(x * 1000) / 1000
}
