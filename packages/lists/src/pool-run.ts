/**
 * A compute-pool task as an Observable: the task starts on subscription, and unsubscribing before
 * it settles aborts it (a task still waiting for a thread leaves the pool's queue and never runs:
 * the ask that wanted it has ended).
 */
import { Observable } from 'rxjs'
import type { ComputePool } from '@peerconnect/runtime'

export function runOnPool<R> (pool: ComputePool, task: { module: string, name: string }, arg: unknown): Observable<R> {
  return new Observable<R>(sub => {
    const controller = new AbortController()
    let settled = false
    pool.run<R>(task, arg, { signal: controller.signal }).then(
      (value) => {
        settled = true
        sub.next(value)
        sub.complete()
      },
      (err: unknown) => {
        settled = true
        sub.error(err)
      }
    )
    return () => {
      if (!settled) controller.abort()
    }
  })
}
