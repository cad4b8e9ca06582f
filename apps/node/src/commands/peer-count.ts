/**
 * The demo's peer count: printed when the routing table's size changes, not on a timer. Each burst
 * of `routing.peer.added/removed` is let settle for `settle` ms, then the table is counted, and a
 * count equal to the last one printed (or the ready line's) is not printed again.
 */
import { debounceTime, filter, from, map, switchMap } from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'

export function peerCountChanges (changes$: Observable<unknown>, count: () => Promise<number | undefined>,
  opts: { initial: number, settle: number, scheduler?: SchedulerLike }): Observable<number> {
  let last = opts.initial
  return changes$.pipe(
    debounceTime(opts.settle, opts.scheduler),
    switchMap(() => from(count())),
    filter((c): c is number => c !== undefined && c !== last),
    map(c => {
      last = c
      return c
    })
  )
}
