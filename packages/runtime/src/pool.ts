/**
 * The shared compute pool: ONE piscina instance for CPU work of about a millisecond or more. A
 * task is a plain exported function in a module, addressed by file URL and export name:
 *
 *   const pool = createComputePool()
 *   await pool.run({ module: new URL('./sort.js', import.meta.url).href, name: 'sortByDistance' }, ids)
 *
 * Threads start on the first task. Every task goes through `bootstrap/pool-task.mjs`, which
 * imports the module once per thread (TypeScript modules through tsx) and returns an outcome, so
 * a task's error code survives the hop. Actors in workers reach this pool through their deps.
 *
 * The pool keeps its own queue in front of piscina (which is never given more than `threads`
 * tasks): at most `maxQueue` tasks wait, one more is refused at once with ERR_POOL_BUSY (shed
 * load rather than queue it without bound), and a waiting task whose `signal` aborts leaves the
 * queue and never runs. A running task is not interrupted (its thread is not killed): its caller
 * is answered ERR_ABORTED at once and its result is dropped.
 */
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { ComputePool } from './contract.js'
import { type Outcome, unwrap } from './control.js'
import { AbortError, PoolBusyError, PoolClosedError } from './errors.js'
import { packageFile } from './worker-entry.js'
import { second } from '@peerconnect/protocol'
import { POOL_MAX_QUEUE } from './constants.js'

export interface ComputePoolOptions {
  /** Threads at most (default: the number of cores minus one, at least 1). */
  readonly threads?: number
  /** An idle thread exits after this many ms (default 30 s). */
  readonly idleTimeout?: number
  /** Tasks waiting for a thread at most (default 256); one more is refused with ERR_POOL_BUSY. */
  readonly maxQueue?: number
}

/** A pool this code owns: `close()` ends its threads. */
export interface LocalComputePool extends ComputePool {
  close(): Promise<void>
  /** Threads at most. */
  readonly threads: number
  /** Tasks waiting for a thread now (at most `maxQueue`). */
  readonly queued: number
  /** Tasks running on a thread now (at most `threads`). */
  readonly running: number
}

export function createComputePool (opts: ComputePoolOptions = {}): LocalComputePool {
  const threads = Math.max(1, opts.threads ?? availableParallelism() - 1)
  const maxQueue = Math.max(0, opts.maxQueue ?? POOL_MAX_QUEUE)
  let piscina: Piscina | undefined
  let closed = false
  let running = 0
  /** Tasks waiting for a thread, oldest first. Piscina is given at most `threads` tasks at once, so this is the only queue. */
  const waiting: Waiting[] = []
  const started = (): Piscina => {
    piscina ??= new Piscina({
      filename: fileURLToPath(packageFile('bootstrap/pool-task.mjs')),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: opts.idleTimeout ?? 30 * second
    })
    return piscina
  }
  const start = (w: Waiting): void => {
    running++
    started().run(w.job).then(
      (outcome) => {
        try {
          w.settle.resolve(unwrap(outcome as Outcome<unknown>))
        } catch (err) {
          w.settle.reject(err)
        }
      },
      (err: unknown) => w.settle.reject(err)
    ).finally(() => {
      running--
      pump()
    })
  }
  const pump = (): void => {
    while (!closed && running < threads && waiting.length > 0) start(waiting.shift()!)
  }
  return {
    threads,
    get queued () {
      return waiting.length
    },
    get running () {
      return running
    },
    async run<R> (task: { module: string, name?: string }, arg: unknown, runOpts: { signal?: AbortSignal } = {}): Promise<R> {
      if (closed) throw new PoolClosedError('the compute pool is closed')
      const { signal } = runOpts
      if (signal?.aborted === true) throw new AbortError('the task was aborted before it started')
      if (running >= threads && waiting.length >= maxQueue) {
        throw new PoolBusyError(`the compute pool is busy: ${waiting.length} tasks wait`)
      }
      const job = { module: task.module, name: task.name ?? 'default', arg }
      return await new Promise<R>((resolve, reject) => {
        let done = false
        const onAbort = (): void => {
          const i = waiting.indexOf(w)
          if (i >= 0) waiting.splice(i, 1) // queued: it never runs; running: it finishes, its result is dropped
          finish(() => reject(new AbortError('the task was aborted')))
        }
        const finish = (f: () => void): void => {
          if (done) return
          done = true
          signal?.removeEventListener('abort', onAbort)
          f()
        }
        const w: Waiting = {
          job,
          settle: {
            resolve: (v) => finish(() => resolve(v as R)),
            reject: (e) => finish(() => reject(e))
          }
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        waiting.push(w)
        pump()
      })
    },
    async close () {
      closed = true
      const p = piscina
      piscina = undefined
      for (const w of waiting.splice(0)) w.settle.reject(new PoolClosedError('the compute pool is closed'))
      await p?.destroy()
    }
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Waiting {
  readonly job: { module: string, name: string, arg: unknown }
  readonly settle: { resolve(v: unknown): void, reject(e: unknown): void }
}
