/**
 * A compute pool that runs its tasks on the calling thread, for simulations: no piscina threads,
 * so a task's result arrives through promise jobs only and a run on a virtual clock stays
 * reproducible. Tasks are loaded the way the thread pool loads them (`bootstrap/pool-task.mjs`:
 * a module imported once, TypeScript through tsx); the first load of a module is real I/O, so it
 * is handed to `hold` (a SimClock's), which keeps time still until it is done.
 */
import type { ComputePool } from '../contract.js'
import { unwrap } from '../control.js'
import type { Outcome } from '../control.js'
import { AbortError } from '../errors.js'
import { packageFile } from '../worker-entry.js'

type RunTask = (job: { module: string, name: string, arg: unknown }) => Promise<Outcome<unknown>>

export function createInlinePool (opts: { hold?: (p: Promise<unknown>) => void } = {}): ComputePool {
  let runTask: Promise<RunTask> | undefined
  const loaded = new Set<string>()
  return {
    async run<R> (task: { module: string, name?: string }, arg: unknown, runOpts: { signal?: AbortSignal } = {}): Promise<R> {
      if (aborted(runOpts.signal)) throw new AbortError('the task was aborted before it started')
      if (runTask === undefined) {
        runTask = import(packageFile('bootstrap/pool-task.mjs').href).then(m => (m as { default: RunTask }).default)
        opts.hold?.(runTask)
      }
      const job = { module: task.module, name: task.name ?? 'default', arg }
      const outcome = (await runTask)(job)
      if (!loaded.has(task.module)) {
        loaded.add(task.module)
        opts.hold?.(outcome)
      }
      const value = unwrap(await outcome) as R
      if (aborted(runOpts.signal)) throw new AbortError('the task was aborted')
      return value
    }
  }
}

function aborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}
