/**
 * `pnpm bench:node`: one `peerconnect start` node in worker mode, as a person runs it.
 *
 *   1. time to ready with no bootstrap: spawn → its `ready` line, `--starts` times (median), and the
 *      CPU time the process had used by then (every thread: what a loaded machine makes wait);
 *   2. idle RSS: one node left alone for `--idle` seconds (VmRSS of the process: every thread);
 *   3. under load: `--rate` find_node/s from one loopback address (a forked sender, the same one
 *      bench:abuse uses) for `--load` seconds, the node started with `--exempt-loopback` so the
 *      rate limit does not decide what is measured; its RSS at the end and CPU (user + system, from
 *      /proc) as a percentage of one core, and the datagrams that came back per query sent (the
 *      node's one ping back to a new querier counts too, so it can pass 100 %).
 *   4. restart times: each worker actor made to call `process.exit` in its worker `--restarts`
 *      times (the test-only fault hook, net/restarts.ts), the median per actor of fault → running
 *      again on a new thread; for the ui-bridge also fault → its API answering again.
 *
 * Loopback only, every phase bounded in time; every node is stopped. Last line:
 * {"bench":"node","readyMs":…,"readyCpuMs":…,"idleRssBytes":…,"loadRssBytes":…,"loadCpuPercent":…,"answeredRatio":…,
 *  "restartMs":{"routing":…,…,"ui-bridge":…},"apiBackMs":…}
 * Goals (issues 13 and 15): ready ≤ 1 s, idle RSS ≤ 120 MB, every actor running again within 1 s.
 */
import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseFlags } from './lib/argv.js'
import { printTable } from './lib/table.js'
import type { FloodCommand, FloodResult } from './net/flood-gen.js'

const flags = parseFlags({ starts: 5, idle: 60, load: 10, rate: 10_000, restarts: 3 })
if (flags.starts < 1 || flags.starts > 20) throw new RangeError('--starts: 1..20')
if (flags.idle < 0 || flags.idle > 600) throw new RangeError('--idle: 0..600 s')
if (flags.load < 1 || flags.load > 60) throw new RangeError('--load: 1..60 s')
if (flags.rate < 1 || flags.rate > 100_000) throw new RangeError('--rate: 1..100000')
if (flags.restarts < 0 || flags.restarts > 20) throw new RangeError('--restarts: 0..20 (0: no restart phase)')

/** The `peerconnect` binary, as a person runs it (it starts the CLI's bundle while that is fresh). */
const CLI = fileURLToPath(new URL('../../../../apps/node/bin/peerconnect.js', import.meta.url))
const HOST = '127.0.91.1'
/** The restart phase's node (its API too). */
const RESTART_HOST = '127.0.91.2'
const SENDER = '127.0.92'
const TICKS = 100
const dirs: string[] = []
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const c of running) c.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

interface Started {
  child: ChildProcess
  ready: { udp: string }
  ms: number
  /** CPU time (user + system, every thread) the process had used when it printed `ready`, ms. */
  cpuMs: number
}

/** Starts a node and resolves at its `ready` line (rejects after 60 s or if it exits first). */
async function start (extra: readonly string[] = []): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-node-'))
  dirs.push(dir)
  const t0 = performance.now()
  const child = spawn(process.execPath, [CLI, 'start', '--name', 'bench', '--host', HOST, '--port', '0', '--no-api', '--no-mdns',
    '--data-dir', dir, '--json', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  child.on('exit', () => running.delete(child))
  return await new Promise<Started>((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new Error('no ready line within 60 s')), 60_000)
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      for (const line of buf.split('\n')) {
        if (!line.includes('"ready"')) continue
        clearTimeout(timer)
        resolve({ child, ready: JSON.parse(line) as { udp: string }, ms: performance.now() - t0,
          cpuMs: cpuTicks(child.pid!) * 1000 / TICKS })
        return
      }
    })
    child.on('exit', code => {
      clearTimeout(timer)
      reject(new Error(`the node exited with ${String(code)} before it was ready`))
    })
  })
}

async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  await new Promise<void>(resolve => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** VmRSS of a process, bytes. */
function rss (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? 0 : Number(m[1]) * 1024
}

/** user + system CPU of a process, in clock ticks. */
function cpuTicks (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return Number(fields[11]) + Number(fields[12])
}

function median (xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN
}

const sleep = async (ms: number): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, ms))
}

// 1. Time to ready.
const readyTimes: number[] = []
const readyCpu: number[] = []
for (let i = 0; i < flags.starts; i++) {
  const s = await start()
  readyTimes.push(s.ms)
  readyCpu.push(s.cpuMs)
  await stop(s.child)
}
const readyMs = median(readyTimes)
const readyCpuMs = median(readyCpu)

// 2. Idle RSS.
const idle = await start()
await sleep(flags.idle * 1000)
const idleRssBytes = rss(idle.child.pid!)
await stop(idle.child)

// 3. Under load.
const loaded = await start(['--exempt-loopback'])
const port = Number(/:(\d+)$/.exec(loaded.ready.udp)![1])
const sender = fork(new URL('./net/flood-gen.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
running.add(sender)
await new Promise<void>(resolve => sender.once('message', () => resolve()))
const cpu0 = cpuTicks(loaded.child.pid!)
const t0 = performance.now()
const cmd: FloodCommand = { host: HOST, port, prefix: SENDER, sources: 1, rate: flags.rate, ms: flags.load * 1000, drain: 500 }
sender.send(cmd)
const result = await new Promise<FloodResult>(resolve => sender.once('message', m => resolve(m as FloodResult)))
const wall = (performance.now() - t0) / 1000
const loadCpuPercent = Math.round((cpuTicks(loaded.child.pid!) - cpu0) / TICKS / wall * 1000) / 10
const loadRssBytes = rss(loaded.child.pid!)
sender.send('exit')
await stop(loaded.child)

// 4. Restart times (the node's modules are loaded here only: the phases above time other processes).
const restarts = flags.restarts === 0
  ? undefined
  : await (await import('./net/restarts.js')).measureRestarts(RESTART_HOST, flags.restarts)
const restartMs = restarts === undefined
  ? undefined
  : Object.fromEntries(Object.entries(restarts.running).map(([name, ms]) => [name, Math.round(median(ms))]))
const apiBackMs = restarts === undefined ? undefined : Math.round(median(restarts.apiBack))

const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`
printTable(['measure', 'value', 'goal'], [['ready, no bootstrap (median of ' + String(flags.starts) + ')',
  `${Math.round(readyMs)} ms (${readyTimes.map(t => Math.round(t)).join(', ')})`, '≤ 1000 ms'], [
  'CPU used until ready (every thread, median)',
  `${Math.round(readyCpuMs)} ms (${readyCpu.map(t => Math.round(t)).join(', ')})`,
  ''
], [`idle RSS after ${flags.idle} s`, mb(idleRssBytes), '≤ 120 MB'], [`RSS under ${flags.rate} find_node/s`, mb(loadRssBytes), ''], [
  'CPU under load (% of one core)',
  `${loadCpuPercent} %`,
  ''
], ['datagrams back per query under load',
  `${result.replies} for ${result.sent} (${(100 * result.replies / Math.max(1, result.sent)).toFixed(1)} %)`, ''],
  ...Object.entries(restarts?.running ?? {}).map((
    [name, ms]
  ) => [`${name} running again after a crash (median of ${ms.length})`,
    `${String(restartMs?.[name])} ms (${ms.map(t => Math.round(t)).join(', ')})`, '≤ 1000 ms']
  ),
  ...(restarts === undefined ?
    [] :
    [[`the API answering again after a ui-bridge crash (median of ${restarts.apiBack.length})`,
      `${String(apiBackMs)} ms (${restarts.apiBack.map(t => Math.round(t)).join(', ')})`, '']])])
console.log(
  JSON.stringify({ bench: 'node', readyMs: Math.round(readyMs), readyCpuMs: Math.round(readyCpuMs), idleRssBytes, loadRssBytes,
    loadCpuPercent, answeredRatio: Math.min(1, Math.round(1000 * result.replies / Math.max(1, result.sent)) / 1000), restartMs, apiBackMs })
)
process.exit(0)
