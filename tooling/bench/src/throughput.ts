/**
 * `pnpm bench:throughput --contacts 400`: find_node replies per second from one node whose
 * table holds `--contacts` contacts, under load from a separate process (`net/load-gen.ts`)
 * that keeps `--window` queries outstanding. In the same run and with the same load: our node
 * in worker mode, a bittorrent-dht node, and a bare UDP+bencode responder. Each is measured
 * `--rounds` times, alternating, `--seconds` each after `--warmup` ms; the best round counts (as
 * in the JSON line), and the table also shows every round and the median of the per-round
 * ratios (each round measures the three back to back, so its ratios share the machine's state).
 * Prints a table, then, last, one JSON line.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { parseFlags } from './lib/argv.js'
import { printTable } from './lib/table.js'
import { barChart, lineChart, writeSvg } from './lib/chart.js'
import { bareResponder, dhtResponder, ourResponder } from './net/responders.js'
import type { Responder } from './net/responders.js'
import type { LoadCommand, LoadResult } from './net/load-gen.js'

const flags = parseFlags({ contacts: 400, window: 256, seconds: 2, warmup: 500, prime: 2000, rounds: 5, timeout: 500, svg: '' })

const child = fork(new URL('./net/load-gen.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
const responders: Responder[] = []
const runs = new Map<string, LoadResult[]>()
try {
  await once(child, 'ready')
  responders.push(await bareResponder(flags.contacts), await dhtResponder(flags.contacts), await ourResponder(flags.contacts))
  const load = async (resp: Responder, ms: number): Promise<LoadResult> => {
    const cmd: LoadCommand = { host: resp.host, port: resp.port, window: flags.window, warmup: flags.warmup, ms, timeout: flags.timeout }
    child.send(cmd)
    return await once(child, undefined) as LoadResult
  }
  // An uncounted first pass, so that every responder's code is compiled before it is measured.
  for (const resp of responders) await load(resp, flags.prime)
  for (let r = 0; r < flags.rounds; r++) {
    for (const resp of responders) runs.set(resp.name, [...(runs.get(resp.name) ?? []), await load(resp, flags.seconds * 1000)])
  }
} finally {
  if (child.connected) child.send('exit')
  await Promise.allSettled(responders.map(async r => await r.close()))
}

const best = (name: string): LoadResult => runs.get(name)!.reduce((a, b) => (b.rps > a.rps ? b : a))
const report = Object.fromEntries(responders.map(r => {
  const b = best(r.name)
  return [r.name, { rps: Math.round(b.rps), replyBytes: b.replyBytes }]
})) as Record<string, { rps: number, replyBytes: number }>
const ours = report.ours!
const theirs = report['bittorrent-dht']!
const bare = report.bare!

process.stdout.write(
  `throughput bench: find_node from a separate process, ${flags.window} outstanding, ${flags.contacts} contacts per table, ` +
    `best of ${flags.rounds} × ${flags.seconds} s, alternating (each after ${flags.warmup} ms of load; a ${flags.prime} ms uncounted ` +
    `pass first)\n\n`
)
printTable(
  ['responder', 'contacts', 'replies/s', 'all rounds', 'reply bytes', 'query bytes', 'errors', 'lost'],
  responders.map(r => {
    const all = runs.get(r.name)!
    const b = best(r.name)
    return [r.name, r.contacts, Math.round(b.rps), all.map(x => `${(x.rps / 1000).toFixed(1)}k`).join(' '), b.replyBytes, b.queryBytes,
      b.errors, b.lost]
  })
)
const paired = (other: string): number => median(runs.get('ours')!.map((r, i) => r.rps / runs.get(other)![i]!.rps))
process.stdout.write(
  `\nours / bittorrent-dht: ${(ours.rps / theirs.rps).toFixed(2)}× best rounds, ${paired('bittorrent-dht').toFixed(2)}× median per ` +
    `round (goal ≥ 8×)\n`
)
process.stdout.write(
  `ours / bare: ${(ours.rps / bare.rps).toFixed(2)} best rounds, ${paired('bare').toFixed(2)} median per round (goal ≥ 0.75)\n`
)
if (flags.svg !== '') {
  const files = [
    writeSvg(flags.svg, `throughput-${flags.contacts}.svg`, barChart({
      title: `find_node replies/s, best of ${flags.rounds} rounds (${flags.contacts} contacts, ${flags.window} outstanding)`,
      y: { label: 'replies per second' },
      bars: responders.map(r => ({ label: r.name, value: report[r.name]?.rps ?? 0 }))
    })),
    writeSvg(flags.svg, `throughput-rounds-${flags.contacts}.svg`, lineChart({
      title: 'find_node replies/s, round by round (same load, alternating)',
      x: { label: 'round', min: 1, max: Math.max(2, flags.rounds) },
      y: { label: 'replies per second' },
      series: responders.map(r => ({ name: r.name, points: (runs.get(r.name) ?? []).map((x, i) => [i + 1, x.rps] as const) }))
    }))
  ]
  process.stdout.write(`charts: ${files.join(', ')}\n`)
}
process.stdout.write(JSON.stringify({ bench: 'throughput', ours, bittorrentDht: theirs, bare }) + '\n')

function median (xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** The next IPC message from the child (any message when `expected` is undefined). */
function once (proc: ChildProcess, expected: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (expected !== undefined && m !== expected) return
      cleanup()
      resolve(m)
    }
    const onExit = (code: number | null): void => {
      cleanup()
      reject(new Error(`the load generator exited (${String(code)})`))
    }
    const cleanup = (): void => {
      proc.off('message', onMessage)
      proc.off('exit', onExit)
    }
    proc.on('message', onMessage)
    proc.on('exit', onExit)
  })
}
