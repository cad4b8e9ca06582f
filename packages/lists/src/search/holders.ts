/**
 * The holders of each list, found by a crawler lookup of the list id and reused for `ttl` ms:
 * searches within that window do not crawl again for the same list, and concurrent searches share
 * one lookup. While a lookup runs, its progress (the closest responsive nodes so far) is passed on,
 * so a search can ask the likely holders before the lookup has confirmed them; `known` gives the
 * routing table's closest nodes to the list id, the likely holders before any lookup. A lookup that
 * fails or finds nobody is not kept, and `forget` drops a list whose holder stopped answering.
 */
import { catchError, defaultIfEmpty, defer, filter, finalize, map, of, share, take, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import { idsEqual, isCrawlerProgress, isCrawlerResult, isRoutingClosestReply, LIST_IDS } from '@peerconnect/protocol'
import type { Contact, CrawlerLookup, Message, RoutingClosest } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { LOOKUP_TIMEOUT } from '../constants.js'
import { diverse } from '../lookup.js'
import { LOOKUP_SPARE } from './constants.js'

/** The closest nodes to a list id, nearest first: `final` once the lookup has ended (or from the cache). */
export interface Holders { readonly final: boolean, readonly closest: Contact[] }

export interface HolderCache {
  /** List `list`'s holders while they are kept (final), else undefined. */
  cached (list: number): Contact[] | undefined
  /** The routing table's nodes closest to list `list`'s id, nearest first (never this node; empty when routing cannot tell). */
  known (list: number): Observable<Contact[]>
  /** Progress of the lookup of list `list` (final: false) …, then its holders (final: true; empty when the lookup failed). */
  of (list: number): Observable<Holders>
  /** Drops list `list`'s holders: the next search looks them up again. */
  forget (list: number): void
  /** Forgets every list's holders; lookups already running do not fill the cache. */
  clear (): void
  /** Lists whose holders are kept now. */
  size (now: number): number
}

export function createHolderCache (ctx: Context, opts: { ttl: number }): HolderCache {
  const cache = new Map<number, { at: number, holders: Contact[] }>()
  const running = new Map<number, Observable<Holders>>()
  let generation = 0

  const cached = (list: number): Contact[] | undefined => {
    const hit = cache.get(list)
    return hit !== undefined && ctx.now() - hit.at < opts.ttl ? hit.holders : undefined
  }

  return {
    cached,
    known: (list) => knownHolders(ctx, list),
    of: (list) => defer(() => {
      const hit = cached(list)
      if (hit !== undefined) return of<Holders>({ final: true, closest: hit })
      let lookup = running.get(list)
      if (lookup === undefined) {
        const gen = generation
        const l: Observable<Holders> = lookupWithProgress(ctx, list).pipe(
          tap(h => { if (h.final && gen === generation && h.closest.length > 0) cache.set(list, { at: ctx.now(), holders: h.closest }) }),
          catchError(() => of<Holders>({ final: true, closest: [] })),
          finalize(() => { if (running.get(list) === l) running.delete(list) }),
          share()
        )
        lookup = l
        running.set(list, l)
      }
      return lookup
    }),
    forget: (list) => { cache.delete(list) },
    clear () {
      generation++
      cache.clear()
    },
    size: (now) => [...cache.values()].filter(h => now - h.at < opts.ttl).length
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** The number of holders a lookup asks for: those a search asks and a few spares (at most R). */
function lookupK (ctx: Context): number {
  return Math.min(ctx.settings.r, ctx.settings.search.holders + LOOKUP_SPARE)
}

function others (ctx: Context, cs: readonly Contact[]): Contact[] {
  return diverse(ctx, cs.filter(c => c.pc !== false && !idsEqual(c.id, ctx.settings.id))).slice(0, lookupK(ctx))
}

/** routing.closest for list `list`'s id: two nodes (self is dropped), or none when routing fails. */
function knownHolders (ctx: Context, list: number): Observable<Contact[]> {
  const ask: RoutingClosest = { type: 'routing.closest', target: LIST_IDS[list]!, n: 2, pc: true }
  return ctx.deps.ask(ask, { timeout: ctx.settings.queryTimeout }).pipe(
    take(1),
    filter(isRoutingClosestReply),
    map(m => others(ctx, m.contacts)),
    defaultIfEmpty([] as Contact[]),
    catchError(() => of([] as Contact[]))
  )
}

/** A crawler lookup of list `list`'s id for the holders a search asks and a few spares, as progress events then the result (never this node). */
function lookupWithProgress (ctx: Context, list: number): Observable<Holders> {
  const ask: CrawlerLookup = { type: 'crawler.lookup', target: LIST_IDS[list]!, k: lookupK(ctx) }
  return defer(() => {
    ctx.sent.add('lookup')
    return ctx.deps.ask(ask, { timeout: LOOKUP_TIMEOUT })
  }).pipe(
    filter((m: Message) => isCrawlerProgress(m) || isCrawlerResult(m)),
    map(m => ({ final: isCrawlerResult(m), closest: others(ctx, (m as { closest: Contact[] }).closest) }))
  )
}
