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
 */
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Piscina } from 'piscina'
import type { ComputePool } from './contract.js'
import { type Outcome, unwrap } from './control.js'
import { AbortError, PoolClosedError } from './errors.js'
import { packageFile } from './worker-entry.js'
import { second } from './constants.js'

export interface ComputePoolOptions {
  /** Threads at most (default: the number of cores minus one, at least 1). */
  readonly threads?: number
  /** An idle thread exits after this many ms (default 30 s). */
  readonly idleTimeout?: number
}

/** A pool this code owns: `close()` ends its threads. */
export interface LocalComputePool extends ComputePool {
  close (): Promise<void>
  /** Threads at most. */
  readonly threads: number
}

export function createComputePool (opts: ComputePoolOptions = {}): LocalComputePool {
  const threads = Math.max(1, opts.threads ?? availableParallelism() - 1)
  let piscina: Piscina | undefined
  let closed = false
  const started = (): Piscina => {
    piscina ??= new Piscina({
      filename: fileURLToPath(packageFile('bootstrap/pool-task.mjs')),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: opts.idleTimeout ?? 30 * second
    })
    return piscina
  }
  return {
    threads,
    async run<R> (task: { module: string, name?: string }, arg: unknown, runOpts: { signal?: AbortSignal } = {}): Promise<R> {
      if (closed) throw new PoolClosedError('the compute pool is closed')
      if (runOpts.signal?.aborted === true) throw new AbortError('the task was aborted before it started')
      const job = { module: task.module, name: task.name ?? 'default', arg }
      try {
        return unwrap(await started().run(job, { signal: runOpts.signal }) as Outcome<R>)
      } catch (err) {
        if ((err as { name?: unknown }).name === 'AbortError') throw new AbortError('the task was aborted')
        throw err
      }
    },
    async close () {
      closed = true
      const p = piscina
      piscina = undefined
      await p?.destroy()
    }
  }
}
