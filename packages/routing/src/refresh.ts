/**
 * Bucket refresh: every `refreshInterval` the buckets untouched for `refreshAfter` get a lookup
 * of a random id in their range (`crawler.lookup`, fire and forget: the contacts that answer
 * reach the table through transport.seen). Driven by `deps.scheduler`, so it runs in virtual
 * time under a TestScheduler. Emits nothing.
 */
import { catchError, EMPTY, from, ignoreElements, interval, mergeMap } from 'rxjs'
import type { Observable } from 'rxjs'
import { randomIdWithPrefix } from '@peerconnect/protocol'
import type { CrawlerLookup } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { LOOKUP_TIMEOUT } from './constants.js'

export function refresh$ (ctx: RoutingContext): Observable<never> {
  return interval(ctx.opts.refreshInterval, ctx.deps.scheduler).pipe(
    mergeMap(() => from(staleTargets(ctx))),
    mergeMap(target => {
      const lookup: CrawlerLookup = { type: 'crawler.lookup', target }
      return ctx.deps.ask(lookup, { timeout: LOOKUP_TIMEOUT }).pipe(
        ignoreElements(),
        catchError((err: unknown) => {
          ctx.log.debug('refresh lookup failed', { code: (err as { code?: unknown } | null)?.code })
          return EMPTY
        })
      )
    })
  )
}

/** Marks every stale bucket touched now and returns a random id in each one's range. */
export function staleTargets (ctx: RoutingContext): Uint8Array[] {
  const now = ctx.deps.clock.now()
  return ctx.table.staleBuckets(now, ctx.opts.refreshAfter).map(bucket => {
    ctx.table.touchBucket(bucket, now)
    return randomIdWithPrefix(ctx.table.self, bucket, ctx.deps.random)
  })
}
