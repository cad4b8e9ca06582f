/** The holders of a list id: the closest nodes a crawler lookup found that may speak PeerConnect (never this node, never a BEP 5-only node; at most `ipLimits.bucket` per subnet). */
import { catchError, filter, last, map, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { idsEqual, isCrawlerResult, limitPerSubnet } from '@peerconnect/protocol'
import type { Contact, CrawlerLookup, NodeId } from '@peerconnect/protocol'
import type { Context } from './context.js'
import { LOOKUP_TIMEOUT } from './constants.js'

/** The `k` closest contacts to `target`, nearest first; errors when the lookup fails. */
export function lookupHolders (ctx: Context, target: NodeId, k: number): Observable<Contact[]> {
  const ask: CrawlerLookup = { type: 'crawler.lookup', target, k }
  ctx.sent.add('lookup')
  return ctx.deps.ask(ask, { timeout: LOOKUP_TIMEOUT }).pipe(
    filter(isCrawlerResult),
    last(),
    map(res => diverse(ctx, res.closest.filter(c => c.pc !== false && !idsEqual(c.id, ctx.settings.id))).slice(0, k))
  )
}

/** `lookupHolders`, with `fallback` when the lookup fails. */
export function lookupHoldersOr (ctx: Context, target: NodeId, k: number, fallback: Contact[]): Observable<Contact[]> {
  return lookupHolders(ctx, target, k).pipe(catchError(() => of(fallback)))
}

/** At most `ipLimits.bucket` contacts of one IPv4 /24 (IPv6 /64), nearest first: one machine cannot be every holder of a list. */
export function diverse (ctx: Context, contacts: readonly Contact[]): Contact[] {
  return limitPerSubnet(contacts, ctx.settings.ipLimits.bucket, ctx.settings.ipLimits.mode)
}
