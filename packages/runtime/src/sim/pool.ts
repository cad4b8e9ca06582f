/**
 * A compute pool that runs its tasks on the calling thread, for simulations: no piscina threads.
 * Tasks are loaded the way the thread pool loads them (`bootstrap/pool-task.mjs`: a module
 * imported once per process, TypeScript through tsx).
 *
 * On a virtual clock (`{ clock }`), a task's result is handed back at a fixed point of the run:
 * the task starts one promise job after the call (outside the instant's batch of actions), the
 * clock `hold`s it (time stays still until it is done), and its result is delivered by an action
 * scheduled at the call, in the next batch of the same instant. Loading a task module is real
 * I/O the first time in a process (and every `import()` goes through tsx's loader thread when
 * run from sources), so without this gate the result would arrive after a different number of
 * promise jobs in a cold and a warm process, and two runs with the same seed in one process part.
 */
import type { SchedulerLike } from 'rxjs'
import type { ComputePool } from '../contract.js'
import { unwrap } from '../control.js'
import type { Outcome } from '../control.js'
import { AbortError } from '../errors.js'
import { packageFile } from '../worker-entry.js'

type RunTask = (job: { module: string, name: string, arg: unknown }) => Promise<Outcome<unknown>>

/** What the inline pool needs of a SimClock. */
export interface InlinePoolClock {
  hold(p: Promise<unknown>): void
  schedule: SchedulerLike['schedule']
}

export function createInlinePool (opts: { clock?: InlinePoolClock } = {}): ComputePool {
  const clock = opts.clock
  let runTask: Promise<RunTask> | undefined
  const start = (job: { module: string, name: string, arg: unknown }): Promise<Outcome<unknown>> => {
    runTask ??= import(packageFile('bootstrap/pool-task.mjs').href).then(m => (m as { default: RunTask }).default)
    return runTask.then(fn => fn(job))
  }
  return {
    async run<R> (task: { module: string, name?: string }, arg: unknown, runOpts: { signal?: AbortSignal } = {}): Promise<R> {
      if (aborted(runOpts.signal)) throw new AbortError('the task was aborted before it started')
      const job = { module: task.module, name: task.name ?? 'default', arg }
      let outcome: Promise<Outcome<unknown>>
      if (clock === undefined) {
        outcome = start(job)
      } else {
        await Promise.resolve() // past the batch of actions this call may be part of
        outcome = start(job)
        clock.hold(outcome)
        await new Promise<void>(resolve => clock.schedule(() => resolve(), 0))
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
