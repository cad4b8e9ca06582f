/**
 * The holders of a list: the nodes closest to its id that may speak PeerConnect — never this node,
 * never a BEP 5-only node, at most `ipLimits.bucket` per IPv4 /24 (IPv6 /64), nearest first, so one
 * machine cannot be every holder of a list. `lookupHolders` is the one crawler lookup of them (the
 * announcer, the directory and the search use it); `createHolderCache` is the one cached holder
 * lookup: a list's holders reused for `ttl` ms, concurrent readers sharing one lookup, its progress
 * (the closest responsive nodes so far) passed on so a search can ask the likely holders before the
 * lookup has confirmed them. A lookup that fails or finds nobody is not kept, and `forget` drops a
 * list whose holder stopped answering.
 */
import { catchError, defaultIfEmpty, defer, filter, last, map, of, take } from 'rxjs'
import type { Observable } from 'rxjs'
import { idsEqual, isCrawlerProgress, isCrawlerResult, isRoutingClosestReply, LIST_IDS, limitPerSubnet } from '@peerconnect/protocol'
import type { Contact, CrawlerLookup, Message, NodeId, RoutingClosest } from '@peerconnect/protocol'
import type { Context } from './context.js'
import { createSharedReads } from './shared-reads.js'
import { LOOKUP_TIMEOUT } from './constants.js'

/** The closest nodes to a list id, nearest first: `final` once the lookup has ended (or from the cache). */
export interface Holders {
  readonly final: boolean
  readonly closest: Contact[]
}

/**
 * A crawler lookup of the `k` holders of list `list`: its progress (final: false) …, then its
 * result (final: true); errors when the lookup fails.
 */
export function lookupHolders (ctx: Context, list: number, k: number): Observable<Holders> {
  const ask: CrawlerLookup = { type: 'crawler.lookup', target: listId(list), k }
  return defer(() => {
    ctx.sent.add('lookup')
    return ctx.deps.ask(ask, { timeout: LOOKUP_TIMEOUT })
  }).pipe(
    filter((m: Message) => isCrawlerProgress(m) || isCrawlerResult(m)),
    map(m => ({ final: isCrawlerResult(m), closest: holdersIn(ctx, (m as { closest: Contact[] }).closest, k) }))
  )
}

/** The `k` holders of list `list` a lookup found, nearest first; errors when the lookup fails. */
export function finalHolders (ctx: Context, list: number, k: number): Observable<Contact[]> {
  return lookupHolders(ctx, list, k).pipe(filter(h => h.final), last(), map(h => h.closest))
}

/** The routing table's `n` nodes closest to list `list`'s id that may hold it (empty when routing cannot tell). */
export function knownHolders (ctx: Context, list: number, n: number): Observable<Contact[]> {
  const ask: RoutingClosest = { type: 'routing.closest', target: listId(list), n, pc: true }
  return ctx.deps.ask(ask, { timeout: ctx.settings.queryTimeout }).pipe(
    take(1),
    filter(isRoutingClosestReply),
    map(m => holdersIn(ctx, m.contacts, n)),
    defaultIfEmpty([] as Contact[]),
    catchError(() => of([] as Contact[]))
  )
}

export interface HolderCache {
  /** List `list`'s holders while they are kept (final), else undefined. */
  cached(list: number): Contact[] | undefined
  /** The routing table's two nodes closest to list `list`'s id (never this node; empty when routing cannot tell): likely holders. */
  known(list: number): Observable<Contact[]>
  /** Progress of the lookup of list `list` (final: false) …, then its holders (final: true; empty when the lookup failed). */
  of(list: number): Observable<Holders>
  /** Drops list `list`'s holders: the next reader looks them up again. */
  forget(list: number): void
  /** Forgets every list's holders; lookups already running do not fill the cache. */
  clear(): void
  /** Lists whose holders are kept now. */
  size(): number
}

/** Holders of each list, `k` per lookup, kept `ttl` ms. */
export function createHolderCache (ctx: Context, opts: { ttl: number, k: number }): HolderCache {
  const reads = createSharedReads<number, Holders>({ ttl: opts.ttl, now: () => ctx.now(), keep: h => h.final && h.closest.length > 0 })
  return {
    cached: (list) => reads.cached(list)?.closest,
    known: (list) => knownHolders(ctx, list, 2),
    of: (list) => reads.read(list, () => lookupHolders(ctx, list, opts.k).pipe(catchError(() => of<Holders>(NONE)))),
    forget: (list) => {
      reads.forget(list)
    },
    clear: () => {
      reads.clear()
    },
    size: () => reads.size()
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** What a failed lookup gives: no holders, final. */
const NONE: Holders = { final: true, closest: [] }

function listId (list: number): NodeId {
  return LIST_IDS[list] as NodeId
}

/** The first `k` of `contacts` that may hold a list: not us, not BEP 5-only, at most `ipLimits.bucket` per subnet. */
function holdersIn (ctx: Context, contacts: readonly Contact[], k: number): Contact[] {
  const others = contacts.filter(c => c.pc !== false && !idsEqual(c.id, ctx.settings.id))
  return limitPerSubnet(others, ctx.settings.ipLimits.bucket, ctx.settings.ipLimits.mode).slice(0, k)
}
