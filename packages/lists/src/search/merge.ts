/**
 * Merging the parts of a search: one stream of hits, the first per peer id (the part that found
 * it first wins and tags it), then one end event — `complete` when every part ended on its own,
 * `bound` when the time bound came first (the parts still running are then unsubscribed, which
 * stops their traffic). Time goes through the scheduler, so marble tests run it in virtual time.
 */
import { concat, defer, EMPTY, endWith, filter, map, merge, of, takeUntil, tap, timer } from 'rxjs'
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs'
import { idToHex } from '@peerconnect/protocol'
import type { HitSource, PeerRecord } from '@peerconnect/protocol'

/** A hit: a verified record and the part of the search that found it. */
export interface Found {
  readonly record: PeerRecord
  readonly via: HitSource
}

export type MergeEvent = { readonly hit: Found } | { readonly end: 'complete' | 'bound' }

/** The parts' hits merged, each peer once, ended by `complete` or, after `bound` ms, by `bound`. */
export function mergeHits (parts: ReadonlyArray<Observable<Found>>,
  opts: { bound: number, scheduler: SchedulerLike }): Observable<MergeEvent> {
  return defer(() => {
    let ended = false
    const body$ = merge(...parts).pipe(
      distinctHits(),
      map((hit): MergeEvent => ({ hit })),
      endWith<MergeEvent>({ end: 'complete' }),
      tap(e => {
        if ('end' in e) ended = true
      }),
      takeUntil(timer(opts.bound, opts.scheduler))
    )
    return concat(body$, defer(() => ended ? EMPTY : of<MergeEvent>({ end: 'bound' })))
  })
}

/** Lets through the first hit of each peer id. */
export function distinctHits (): MonoTypeOperatorFunction<Found> {
  return source => defer(() => {
    const seen = new Set<string>()
    return source.pipe(filter(f => {
      const hex = idToHex(f.record.id)
      if (seen.has(hex)) return false
      seen.add(hex)
      return true
    }))
  })
}

/** Tags each record of `records$` with `via`. */
export function tagged (records$: Observable<PeerRecord>, via: HitSource): Observable<Found> {
  return records$.pipe(map(record => ({ record, via })))
}
