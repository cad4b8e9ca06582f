/**
 * `pnpm bench:abuse`: one node under a find_node flood, from one loopback address and then from
 * the 256 addresses of one /24 in turn (a separate process, `net/flood-gen.ts`), while 20 other
 * sources (each on its own /24) send it normal traffic. The node rate-limits loopback like any
 * source here (`exemptLoopback: false`, as `peerconnect start`), in worker mode as `start` runs
 * it (`--inline`: every actor on the bench's main thread). Prints, per phase, the share of
 * the others' queries answered, the flood's bytes back per byte sent, and the node's memory. The
 * flood and the others each run in a process of their own (`net/flood-gen.ts`, `net/others-gen.ts`).
 * Last line: `{"bench":"abuse","othersServedRatio","amplification","heapGrowthBytes",…}` —
 * othersServedRatio = the others' answered rate under the worse flood / without a flood;
 * amplification = bytes the flooders got back / bytes they sent, both floods together.
 */
import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { firstValueFrom } from 'rxjs'
import { generateIdentity, isRoutingContactsReply } from '@peerconnect/protocol'
import type { TransportSeen } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { createNode } from '@peerconnect/node'
import type { PeerNode } from '@peerconnect/node'
import { parseFlags } from './lib/argv.js'
import { printTable } from './lib/table.js'
import { tableFor } from './net/responders.js'
import type { FloodCommand, FloodResult } from './net/flood-gen.js'
import type { OthersCommand, OthersResult } from './net/others-gen.js'

const flags = parseFlags({ seconds: 3, others: 20, 'others-rate': 20, 'flood-rate': 10_000, contacts: 160, timeout: 1000, inline: false })
if (flags.seconds <= 0 || flags.seconds > 60) throw new RangeError('--seconds must be in (0, 60]')
if (flags.others < 1 || flags.others > 200) throw new RangeError('--others must be 1..200')
if (flags['flood-rate'] < 1 || flags['flood-rate'] > 100_000) throw new RangeError('--flood-rate must be 1..100000')

/** Where everyone sits: the node, the single flooder, the rotating flooders' /24, and one /24 per other source. */
const NODE_HOST = '127.70.0.1'
const ONE_PREFIX = '127.71.0'
const ROTATING_PREFIX = '127.72.0'
const OTHERS_PREFIX = '127.73'

const gc = (globalThis as { gc?: () => void }).gc
const heap = (): number => {
  gc?.()
  gc?.()
  return process.memoryUsage().heapUsed
}

const child = fork(new URL('./net/flood-gen.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const othersChild = fork(new URL('./net/others-gen.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
let node: PeerNode | undefined
try {
  await Promise.all([message(child), message(othersChild)])
  node = await createNode({
    name: 'target',
    identity: generateIdentity(),
    host: NODE_HOST,
    port: 0,
    inline: flags.inline,
    log: silentLogger,
    transport: { rateLimit: { exemptLoopback: false }, tcp: false }
  })
  for (const c of tableFor(node.id, flags.contacts)) {
    const seen: TransportSeen = { type: 'transport.seen', id: c.id, host: c.host, port: c.port }
    node.supervisor.publish(seen)
  }
  const held = await firstValueFrom(node.supervisor.ask({ type: 'routing.contacts' }))
  const contacts = isRoutingContactsReply(held) ? held.contacts.length : 0
  const open: OthersCommand = { kind: 'open', host: node.udp.host, port: node.udp.port, prefix: OTHERS_PREFIX, count: flags.others,
    timeout: flags.timeout }
  othersChild.send(open)
  const opened = await message(othersChild)
  if (opened !== 'open') throw new Error(`others: ${JSON.stringify(opened)}`)

  const ms = flags.seconds * 1000
  process.stdout.write(
    `abuse bench: node ${node.udp.host}:${node.udp.port} (${flags.inline ? 'inline' : 'actors in workers'}, ${contacts} contacts, ` +
      `loopback not exempt); ` +
      `${flags.others} others × ${flags['others-rate']} q/s; flood ${flags['flood-rate']} find_node/s for ${flags.seconds} s per phase\n\n`
  )

  await phase(ms, undefined) // warm-up, not counted
  const baseline = await phase(ms, undefined)
  const heapBefore = heap()
  const rssBefore = process.memoryUsage().rss
  const one = await phase(ms, { host: node.udp.host, port: node.udp.port, prefix: ONE_PREFIX, sources: 1, rate: flags['flood-rate'], ms,
    drain: flags.timeout })
  const rotating = await phase(ms, { host: node.udp.host, port: node.udp.port, prefix: ROTATING_PREFIX, sources: 256,
    rate: flags['flood-rate'], ms, drain: flags.timeout })
  const heapAfter = heap()
  const rssAfter = process.memoryUsage().rss

  const rows = [['no flood', baseline], ['one address', one], ['256 addresses (one /24)', rotating]] as const
  printTable(
    ['phase', 'others sent/s', 'others answered/s', 'answered', 'flood sent', 'flood answered', '201s', 'bytes in', 'bytes out', 'out/in',
      'kernel drops'],
    rows.map(([name, p]) => [
      name,
      Math.round(p.others.sent / flags.seconds),
      Math.round(p.others.answered / flags.seconds),
      ratio(p.others.answered, p.others.sent),
      p.flood?.sent ?? 0,
      p.flood?.replies ?? 0,
      p.flood?.notices ?? 0,
      p.flood?.bytesSent ?? 0,
      p.flood?.bytesReceived ?? 0,
      p.flood === undefined ? '-' : ratio(p.flood.bytesReceived, p.flood.bytesSent),
      p.kernelDrops ?? '-'
    ])
  )
  const rate = (p: Phase): number => p.others.answered / Math.max(1, p.others.sent)
  const othersServedRatio = Math.min(rate(one), rate(rotating)) / Math.max(rate(baseline), 1e-9)
  const bytesIn = one.flood!.bytesSent + rotating.flood!.bytesSent
  const bytesOut = one.flood!.bytesReceived + rotating.flood!.bytesReceived
  const amplification = bytesOut / Math.max(1, bytesIn)
  const stats = (await node.request({ type: 'transport.info' })) as { stats?: Record<string, number> }
  process.stdout.write(
    `\nmemory (bench process, ${gc === undefined ? 'no gc between' : 'after gc'}): heap ${mb(heapBefore)} → ${mb(heapAfter)} MB, rss ` +
      `${mb(rssBefore)} → ${mb(rssAfter)} MB; ` +
      `node: droppedRateLimited ${stats.stats?.droppedRateLimited ?? '?'}, rateLimitNotices ${stats.stats?.rateLimitNotices ?? '?'}, ` +
      `sources tracked ${stats.stats?.rateLimitSources ?? '?'}\n`
  )
  process.stdout.write(
    `others served under flood / without: ${othersServedRatio.toFixed(3)} (goal ≥ 0.95); amplification ${amplification.toFixed(4)} ` +
      `(goal ≤ 1)\n`
  )
  process.stdout.write(JSON.stringify({
    bench: 'abuse',
    othersServedRatio: round3(othersServedRatio),
    amplification: round3(amplification),
    heapGrowthBytes: heapAfter - heapBefore,
    rssGrowthBytes: rssAfter - rssBefore,
    phases: Object.fromEntries(
      rows.map((
        [name, p]
      ) => [name, { othersSent: p.others.sent, othersAnswered: p.others.answered, kernelDrops: p.kernelDrops, flood: p.flood }])
    )
  }) + '\n')
} finally {
  if (othersChild.connected) othersChild.send('exit')
  if (child.connected) child.send('exit')
  await node?.stop()
}

// ── phases ───────────────────────────────────────────────────────────────────────────────────

interface Phase {
  others: { sent: number, answered: number }
  flood: FloodResult | undefined
  kernelDrops: number | undefined
}

/** `ms` of the others' traffic, with a flood alongside when given; answers counted up to `timeout` after the last query. */
async function phase (ms: number, flood: FloodCommand | undefined): Promise<Phase> {
  const drops0 = rcvbufErrors()
  const floodDone = flood === undefined ? undefined : (child.send(flood), message(child) as Promise<FloodResult>)
  const run: OthersCommand = { kind: 'run', ms, every: 1000 / flags['others-rate'] }
  othersChild.send(run)
  const counts = await message(othersChild) as OthersResult
  const result = floodDone === undefined ? undefined : await floodDone
  if (result !== undefined && 'error' in result) throw new Error(`flood: ${String((result as { error: unknown }).error)}`)
  const drops1 = rcvbufErrors()
  return { others: counts, flood: result, kernelDrops: drops0 === undefined || drops1 === undefined ? undefined : drops1 - drops0 }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function message (c: ReturnType<typeof fork>): Promise<unknown> {
  return await new Promise(resolve => c.once('message', resolve))
}

/**
 * Datagrams the kernel dropped for a full receive buffer, machine-wide (Linux `/proc/net/snmp` Udp RcvbufErrors), or
 * undefined elsewhere.
 */
function rcvbufErrors (): number | undefined {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter(l => l.startsWith('Udp:'))
    const names = lines[0]!.split(/\s+/)
    const values = lines[1]!.split(/\s+/)
    const n = Number(values[names.indexOf('RcvbufErrors')])
    return Number.isFinite(n) ? n : undefined
  } catch {
    return undefined
  }
}

function ratio (a: number, b: number): string {
  return b === 0 ? '-' : (a / b).toFixed(3)
}

function round3 (n: number): number {
  return Math.round(n * 1000) / 1000
}

function mb (bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}
