/**
 * `pnpm bench:directory --nodes N [--interval S] [--kill F] [--window S]`: the distributed peer
 * directory in a swarm of N inline nodes (real UDP on 127.0.0.1), announcing every `--interval`
 * seconds (default 10, the default of the lists actor).
 *
 * - completeSeconds: from the swarm being up (every node joined) until a directory walk from one
 *   node lists every node (walks run back to back, each after `lists.invalidate`). Nodes announce
 *   while the swarm forms, so this is short; the table also shows `join listed s`: from one more
 *   node's bootstrap until a walk lists it.
 * - msgsPerNodeMinute: KRPC queries sent per node per minute in the steady state, measured over
 *   `--window` seconds with no walk running — everything the node sends (announces, holder
 *   lookups, routing upkeep); the lists' own pc_* share is in the table.
 * - staleSeconds: after a fraction `--kill` of the nodes stops silently, until a walk lists none
 *   of them (the bound is RECORD_TTL = 3 intervals, plus the walk).
 *
 * Prints a table, then, last, one JSON line.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateIdentity, idToHex, isListsPageReply, isListsStatsReply, isTransportInfoReply } from '@peerconnect/protocol'
import type { ListsPage } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { createNode, createSwarm } from '@peerconnect/node'
import type { PeerNode } from '@peerconnect/node'
import { parseFlags } from './lib/argv.js'
import { printTable } from './lib/table.js'

const flags = parseFlags({ nodes: 200, interval: 10, kill: 0.2, window: 60, limit: 50, seconds: 600 })
if (flags.nodes < 2) throw new RangeError('--nodes needs at least 2')
if (!(flags.kill > 0 && flags.kill < 1)) throw new RangeError('--kill is a fraction in (0, 1)')

const interval = flags.interval * 1000
const deadline = performance.now() + flags.seconds * 1000
const t0 = performance.now()
const swarm = await createSwarm(flags.nodes, { node: { lists: { announceInterval: interval } } })
const builtMs = performance.now() - t0
const dead = new Set<PeerNode>()
const extra: PeerNode[] = []
const live = (): PeerNode[] => swarm.nodes.concat(extra).filter(n => !dead.has(n))
let result: { completeSeconds: number, joinSeconds: number, msgsPerNodeMinute: number, listsPerNodeMinute: number, staleSeconds: number,
  walkMs: number, walkQueries: number, pages: number }
try {
  const reader = swarm.nodes[0]!
  const ready = performance.now()
  let walk = await walkOnce(reader)
  while (missing(walk.ids, live()).length > 0) {
    if (performance.now() > deadline) throw new Error(`the directory never became complete: ${missing(walk.ids, live()).length} missing`)
    walk = await walkOnce(reader)
  }
  const completeSeconds = (performance.now() - ready) / 1000

  const joiner = await createNode({ name: 'joiner', identity: generateIdentity(), inline: true, log: silentLogger,
    lists: { announceInterval: interval } })
  extra.push(joiner)
  const joinedAt = performance.now()
  await joiner.bootstrap([swarm.nodes[1]!.udp])
  let joined = await walkOnce(reader)
  while (!joined.ids.includes(joiner.idHex)) {
    if (performance.now() > deadline) throw new Error('the joiner was never listed')
    joined = await walkOnce(reader)
  }
  const joinSeconds = (performance.now() - joinedAt) / 1000

  const before = await counters(live())
  await sleep(flags.window * 1000)
  const after = await counters(live())
  const minutes = flags.window / 60
  const msgsPerNodeMinute = (after.queries - before.queries) / live().length / minutes
  const listsPerNodeMinute = (after.lists - before.lists) / live().length / minutes

  const probe = await walkOnce(reader)
  const victims = pickVictims(swarm.nodes.slice(1), Math.max(1, Math.round(flags.kill * flags.nodes)))
  for (const v of victims) dead.add(v)
  const killedAt = performance.now()
  await Promise.all(victims.map(async v => await v.stop()))
  const gone = new Set(victims.map(v => v.idHex))
  let stale = await walkOnce(reader)
  while (stale.ids.some(id => gone.has(id))) {
    if (performance.now() > deadline) throw new Error('killed nodes stayed listed')
    stale = await walkOnce(reader)
  }
  result = {
    completeSeconds: round(completeSeconds),
    joinSeconds: round(joinSeconds),
    msgsPerNodeMinute: round(msgsPerNodeMinute),
    listsPerNodeMinute: round(listsPerNodeMinute),
    staleSeconds: round((performance.now() - killedAt) / 1000),
    walkMs: Math.round(probe.ms),
    walkQueries: probe.queries,
    pages: probe.pages
  }
} finally {
  await Promise.allSettled(extra.map(async n => await n.stop()))
  await swarm.stop()
}

process.stdout.write(`directory bench: ${flags.nodes} nodes (inline, UDP on 127.0.0.1), announce every ${flags.interval} s, ` +
  `swarm built in ${Math.round(builtMs)} ms; ${Math.round(flags.kill * flags.nodes)} killed for the staleness run\n\n`)
printTable(
  ['complete s', 'join listed s', 'queries/node/min', 'lists pc_*/node/min', 'stale s', 'walk ms', 'walk queries',
    'pages of ' + String(flags.limit)],
  [[result.completeSeconds, result.joinSeconds, result.msgsPerNodeMinute, result.listsPerNodeMinute, result.staleSeconds, result.walkMs,
    result.walkQueries, result.pages]]
)
process.stdout.write(`\nbounds: stale ≤ RECORD_TTL + one interval = ${4 * flags.interval} s (plus one walk)\n`)
process.stdout.write(
  JSON.stringify({ bench: 'directory', nodes: flags.nodes, completeSeconds: result.completeSeconds,
    msgsPerNodeMinute: result.msgsPerNodeMinute, staleSeconds: result.staleSeconds }) + '\n'
)

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** One full walk of the directory from `node` (its cache dropped first): the ids listed, time, queries the reader sent. */
async function walkOnce (node: PeerNode): Promise<{ ids: string[], ms: number, queries: number, pages: number }> {
  const q0 = (await counters([node])).queries
  const start = performance.now()
  await node.request({ type: 'lists.invalidate' }, { timeout: 10_000 })
  const ids: string[] = []
  let cursor: string | undefined
  let pages = 0
  for (;;) {
    const msg: ListsPage = cursor === undefined
      ? { type: 'lists.page', limit: flags.limit }
      : { type: 'lists.page', limit: flags.limit, cursor }
    const r = await node.request(msg, { timeout: 120_000 })
    if (!isListsPageReply(r)) throw new Error(`lists.page gave ${r.type}`)
    pages++
    ids.push(...r.peers.map(p => idToHex(p.record.id)))
    if (r.next === null) break
    cursor = r.next
  }
  const ms = performance.now() - start
  return { ids, ms, queries: (await counters([node])).queries - q0, pages }
}

/** Queries sent by `nodes` (transport counters) and the lists actors' own pc_* queries. */
async function counters (nodes: readonly PeerNode[]): Promise<{ queries: number, lists: number }> {
  let queries = 0
  let lists = 0
  await Promise.all(nodes.map(async n => {
    const info = await n.request({ type: 'transport.info' }, { timeout: 10_000 })
    if (isTransportInfoReply(info)) queries += info.stats.queriesSent ?? 0
    const s = await n.request({ type: 'lists.stats' }, { timeout: 10_000 })
    if (isListsStatsReply(s)) lists += Object.entries(s.sent).filter(([k]) => k.startsWith('pc_')).reduce((a, [, v]) => a + v, 0)
  }))
  return { queries, lists }
}

function missing (ids: readonly string[], nodes: readonly PeerNode[]): string[] {
  const seen = new Set(ids)
  return nodes.map(n => n.idHex).filter(h => !seen.has(h))
}

function pickVictims (nodes: readonly PeerNode[], n: number): PeerNode[] {
  const all = [...nodes]
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = all[i]!
    all[i] = all[j]!
    all[j] = t
  }
  return all.slice(0, n)
}

function round (x: number): number {
  return Math.round(x * 100) / 100
}
