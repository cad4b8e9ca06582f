/**
 * Restart times of a node's worker actors (bench:node, phase 4): one node made with `createNode`
 * as `peerconnect start` makes it (transport inline; routing, crawler, liveness, lists, gossip and
 * the ui-bridge, the API on, each on its own worker thread, started from its bundle while fresh),
 * with the test-only fault hook on (`allowFaults`) and the restart backoff reset after every run
 * (`restart: { reset: 0 }`), so every crash waits the supervisor's first delay (100 ms), as one
 * crash of a node that ran a while does. Each actor in turn calls `process.exit` in its worker
 * `times` times; a restart is timed from the fault until the supervisor lists a new incarnation,
 * on a new thread, running; for the ui-bridge also until its API answers `/api/status` again.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, loadOrCreateIdentity } from '@peerconnect/node'

/** The actors a `peerconnect start` node runs on worker threads, the ui-bridge with the API on. */
export const WORKER_ACTORS = ['routing', 'crawler', 'liveness', 'lists', 'gossip', 'ui-bridge'] as const

export interface RestartTimes {
  /** Per actor, each restart's time in ms (fault → running again on a new thread). */
  readonly running: Record<string, number[]>
  /** Per restart of the ui-bridge: fault → its API answering `/api/status` again, ms. */
  readonly apiBack: number[]
}

const POLL = 5
const LIMIT = 60_000
/** Between two faults: the node settles (the restarted actor's first snapshot, the old thread's exit). */
const SETTLE = 300

const sleep = async (ms: number): Promise<void> => {
  await new Promise(resolve => setTimeout(resolve, ms))
}

export async function measureRestarts (host: string, times: number): Promise<RestartTimes> {
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-restart-'))
  const { identity } = await loadOrCreateIdentity(dir)
  const node = await createNode({ name: 'bench-restart', identity, host, port: 0, dataDir: dir, api: { host, port: 0 }, allowFaults: true,
    restart: { reset: 0 } })
  const running: Record<string, number[]> = {}
  const apiBack: number[] = []
  try {
    const statsOf = (name: string): { restarts: number, state: string, threadId?: number } => {
      const s = node.supervisor.stats().find(x => x.name === name)
      if (s === undefined) throw new Error(`the node runs no actor ${name}`)
      return s
    }
    const until = async (what: string, t0: number, done: () => boolean | Promise<boolean>): Promise<number> => {
      while (!(await done())) {
        if (performance.now() - t0 > LIMIT) throw new Error(`${what}: not within ${LIMIT} ms`)
        await sleep(POLL)
      }
      return performance.now() - t0
    }
    const answers = async (): Promise<boolean> => {
      try {
        const res = await fetch(`${node.api!}/api/status`, { signal: AbortSignal.timeout(2_000) })
        await res.arrayBuffer()
        return res.ok
      } catch {
        return false
      }
    }
    await until('the API', performance.now(), answers)
    for (const name of WORKER_ACTORS) {
      running[name] = []
      for (let i = 0; i < times; i++) {
        await sleep(SETTLE)
        const old = statsOf(name)
        const t0 = performance.now()
        // The worker may exit before its control plane answers: the restart is what shows the fault took.
        await node.supervisor.control(name).fault({ kind: 'exit', code: 3 }).catch(() => {})
        running[name].push(
          await until(`${name} running again`, t0, () => {
            const s = statsOf(name)
            return s.restarts === old.restarts + 1 && s.state === 'running' && s.threadId !== old.threadId
          })
        )
        if (name === 'ui-bridge') apiBack.push(await until('the API answering again', t0, answers))
      }
    }
  } finally {
    await node.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  return { running, apiBack }
}
