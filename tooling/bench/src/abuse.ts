/**
 * `pnpm bench:abuse`: one node under a find_node flood, from one loopback address and then from
 * the 256 addresses of one /24 in turn (a separate process, `net/flood-gen.ts`), while 20 other
 * sources (each on its own /24) send it normal traffic. The node rate-limits loopback like any
 * source here (`exemptLoopback: false`, as `peerconnect start`), in worker mode as `start` runs
 * it (`--inline`: every actor on the bench's main thread). Prints, per phase, the share of
 * the others' queries answered, the flood's bytes back per byte sent, and the node's memory.
 * Last line: `{"bench":"abuse","othersServedRatio","amplification","heapGrowthBytes",…}` —
 * othersServedRatio = the others' answered rate under the worse flood / without a flood;
 * amplification = bytes the flooders got back / bytes they sent, both floods together.
 */
import dgram from 'node:dgram'
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { firstValueFrom } from 'rxjs'
import bencode from 'bencode'
import { generateIdentity, isRoutingContactsReply } from '@peerconnect/protocol'
import type { TransportSeen } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { createNode } from '@peerconnect/node'
import type { PeerNode } from '@peerconnect/node'
import { parseFlags } from './lib/argv.js'
import { printTable } from './lib/table.js'
import { tableFor } from './net/responders.js'
import type { FloodCommand, FloodResult } from './net/flood-gen.js'

const flags = parseFlags({ seconds: 3, others: 20, 'others-rate': 20, 'flood-rate': 10_000, contacts: 160, timeout: 1000, inline: false })
if (flags.seconds <= 0 || flags.seconds > 60) throw new RangeError('--seconds must be in (0, 60]')
if (flags.others < 1 || flags.others > 200) throw new RangeError('--others must be 1..200')
if (flags['flood-rate'] < 1 || flags['flood-rate'] > 100_000) throw new RangeError('--flood-rate must be 1..100000')

/** Where everyone sits: the node, the single flooder, the rotating flooders' /24, and one /24 per other source. */
const NODE_HOST = '127.70.0.1'
const ONE_PREFIX = '127.71.0'
const ROTATING_PREFIX = '127.72.0'
const othersHost = (i: number): string => `127.73.${i}.1`

/** A reply's 4-byte tid and the mark of an error, found without decoding. */
const TID = Buffer.from('1:t4:')
const Y_ERROR = Buffer.from('1:y1:e')

const gc = (globalThis as { gc?: () => void }).gc
const heap = (): number => { gc?.(); gc?.(); return process.memoryUsage().heapUsed }

const child = fork(new URL('./net/flood-gen.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
let node: PeerNode | undefined
const others: Other[] = []
try {
  await message(child)
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
  for (let i = 0; i < flags.others; i++) others.push(await other(othersHost(i), node.udp, flags.timeout))

  const ms = flags.seconds * 1000
  process.stdout.write(`abuse bench: node ${node.udp.host}:${node.udp.port} (${flags.inline ? 'inline' : 'actors in workers'}, ${contacts} contacts, loopback not exempt); ` +
    `${flags.others} others × ${flags['others-rate']} q/s; flood ${flags['flood-rate']} find_node/s for ${flags.seconds} s per phase\n\n`)

  await phase(ms, undefined) // warm-up, not counted
  const baseline = await phase(ms, undefined)
  const heapBefore = heap()
  const rssBefore = process.memoryUsage().rss
  const one = await phase(ms, { host: node.udp.host, port: node.udp.port, prefix: ONE_PREFIX, sources: 1, rate: flags['flood-rate'], ms, drain: flags.timeout })
  const rotating = await phase(ms, { host: node.udp.host, port: node.udp.port, prefix: ROTATING_PREFIX, sources: 256, rate: flags['flood-rate'], ms, drain: flags.timeout })
  const heapAfter = heap()
  const rssAfter = process.memoryUsage().rss

  const rows = [['no flood', baseline], ['one address', one], ['256 addresses (one /24)', rotating]] as const
  printTable(
    ['phase', 'others sent/s', 'others answered/s', 'answered', 'flood sent', 'flood answered', '201s', 'bytes in', 'bytes out', 'out/in'],
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
      p.flood === undefined ? '-' : ratio(p.flood.bytesReceived, p.flood.bytesSent)
    ]))
  const rate = (p: Phase): number => p.others.answered / Math.max(1, p.others.sent)
  const othersServedRatio = Math.min(rate(one), rate(rotating)) / Math.max(rate(baseline), 1e-9)
  const bytesIn = one.flood!.bytesSent + rotating.flood!.bytesSent
  const bytesOut = one.flood!.bytesReceived + rotating.flood!.bytesReceived
  const amplification = bytesOut / Math.max(1, bytesIn)
  const stats = (await node.request({ type: 'transport.info' })) as { stats?: Record<string, number> }
  process.stdout.write(`\nmemory (bench process, ${gc === undefined ? 'no gc between' : 'after gc'}): heap ${mb(heapBefore)} → ${mb(heapAfter)} MB, rss ${mb(rssBefore)} → ${mb(rssAfter)} MB; ` +
    `node: droppedRateLimited ${stats.stats?.droppedRateLimited ?? '?'}, rateLimitNotices ${stats.stats?.rateLimitNotices ?? '?'}, sources tracked ${stats.stats?.rateLimitSources ?? '?'}\n`)
  process.stdout.write(`others served under flood / without: ${othersServedRatio.toFixed(3)} (goal ≥ 0.95); amplification ${amplification.toFixed(4)} (goal ≤ 1)\n`)
  process.stdout.write(JSON.stringify({
    bench: 'abuse',
    othersServedRatio: round3(othersServedRatio),
    amplification: round3(amplification),
    heapGrowthBytes: heapAfter - heapBefore,
    rssGrowthBytes: rssAfter - rssBefore,
    phases: Object.fromEntries(rows.map(([name, p]) => [name, { othersSent: p.others.sent, othersAnswered: p.others.answered, flood: p.flood }]))
  }) + '\n')
} finally {
  for (const o of others) o.close()
  if (child.connected) child.send('exit')
  await node?.stop()
}

// ── phases ───────────────────────────────────────────────────────────────────────────────────

interface Phase { others: { sent: number, answered: number }, flood: FloodResult | undefined }

/** `ms` of the others' traffic, with a flood alongside when given; answers counted up to `timeout` after the last query. */
async function phase (ms: number, flood: FloodCommand | undefined): Promise<Phase> {
  const floodDone = flood === undefined ? undefined : (child.send(flood), message(child) as Promise<FloodResult>)
  for (const o of others) o.start(1000 / flags['others-rate'])
  await new Promise(resolve => setTimeout(resolve, ms))
  for (const o of others) o.stop()
  await new Promise(resolve => setTimeout(resolve, flags.timeout))
  const counts = { sent: 0, answered: 0 }
  for (const o of others) { const c = o.take(); counts.sent += c.sent; counts.answered += c.answered }
  const result = floodDone === undefined ? undefined : await floodDone
  if (result !== undefined && 'error' in result) throw new Error(`flood: ${String((result as { error: unknown }).error)}`)
  return { others: counts, flood: result }
}

interface Other {
  start (every: number): void
  stop (): void
  /** Queries sent and answered (by a reply, in time) since the last take. */
  take (): { sent: number, answered: number }
  close (): void
}

/** A well-behaved source: a find_node or a ping every `every` ms, each answer matched by its tid. */
async function other (host: string, to: { host: string, port: number }, timeout: number): Promise<Other> {
  const sock = dgram.createSocket('udp4')
  await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(0, host, () => resolve()) })
  sock.on('error', () => {})
  const id = randomBytes(20)
  const open = new Map<number, number>()
  let seq = 0
  let sent = 0
  let answered = 0
  let timer: NodeJS.Timeout | undefined
  sock.on('message', buf => {
    const at = buf.indexOf(TID)
    if (at < 0) return
    const tid = buf.readUInt32BE(at + TID.length)
    const t0 = open.get(tid)
    if (t0 === undefined) return
    open.delete(tid)
    if (!buf.includes(Y_ERROR) && performance.now() - t0 <= timeout) answered++
  })
  const send = (): void => {
    const tid = seq++ >>> 0
    const t = Buffer.alloc(4)
    t.writeUInt32BE(tid)
    const q = tid % 2 === 0 ? { t, y: 'q', q: 'find_node', a: { id, target: randomBytes(20) } } : { t, y: 'q', q: 'ping', a: { id } }
    open.set(tid, performance.now())
    sent++
    sock.send(Buffer.from(bencode.encode(q)), to.port, to.host)
  }
  return {
    start (every) { timer = setInterval(send, every) },
    stop () { clearInterval(timer) },
    take () { const r = { sent, answered }; sent = 0; answered = 0; open.clear(); return r },
    close () { clearInterval(timer); sock.close() }
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function message (c: ReturnType<typeof fork>): Promise<unknown> {
  return await new Promise(resolve => c.once('message', resolve))
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
