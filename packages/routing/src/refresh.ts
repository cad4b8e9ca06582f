/**
 * Bucket refresh: every `refreshInterval` the buckets untouched for `refreshAfter` get a lookup
 * of a random id in their range (`crawler.lookup`, fire and forget: the contacts that answer
 * reach the table through transport.seen). And self-lookups: a wide lookup of our own id
 * (`k` = the table's k) `selfLookupFirst` after the start, then after twice that gap each time, up to
 * `selfLookupEvery`: it asks our k closest again, so we meet the nodes that joined near us after our
 * own join (and they meet us: each pings us back), and a ping back lost to one dropped datagram is
 * made up for. Driven by `deps.scheduler`, so it runs in virtual time under a TestScheduler. Emits
 * nothing.
 */
import { catchError, concat, EMPTY, expand, from, ignoreElements, interval, mergeMap, of, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { randomIdWithPrefix } from '@peerconnect/protocol'
import type { CrawlerLookup } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { LOOKUP_TIMEOUT } from './constants.js'

export function refresh$ (ctx: RoutingContext): Observable<never> {
  return interval(ctx.opts.refreshInterval, ctx.deps.scheduler).pipe(
    mergeMap(() => from(staleTargets(ctx))),
    mergeMap(target => lookup(ctx, { type: 'crawler.lookup', target }))
  )
}

/**
 * Lookups of our own id with k = the table's k: the first `selfLookupFirst` after the start, each next one twice as
 * long after the last one ended, at most `selfLookupEvery` (0: none). Skipped while the table is empty (nothing to
 * start from). Each marks our own bucket touched (the lookup covers it).
 */
export function selfLookups$ (ctx: RoutingContext): Observable<never> {
  const { selfLookupFirst: first, selfLookupEvery: every } = ctx.opts
  if (!(first > 0) || !(every > 0)) return EMPTY
  const gap = (i: number): number => Math.min(every, first * 2 ** Math.min(i, 30))
  return of(0).pipe(
    expand(i => concat(timer(gap(i), ctx.deps.scheduler).pipe(mergeMap(() => selfLookup(ctx))), of(i + 1))),
    ignoreElements()
  )
}

function selfLookup (ctx: RoutingContext): Observable<never> {
  if (ctx.table.size === 0) return EMPTY
  ctx.table.touchBucket(ctx.table.bucketCount() - 1, ctx.deps.clock.now())
  return lookup(ctx, { type: 'crawler.lookup', target: ctx.table.self, k: ctx.table.k })
}

function lookup (ctx: RoutingContext, ask: CrawlerLookup): Observable<never> {
  return ctx.deps.ask(ask, { timeout: LOOKUP_TIMEOUT }).pipe(
    ignoreElements(),
    catchError((err: unknown) => {
      ctx.log.debug('refresh lookup failed', { code: (err as { code?: unknown } | null)?.code })
      return EMPTY
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
