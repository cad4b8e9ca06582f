/**
 * The search owner (docs/PROTOCOL.md, pc_search; docs/API.md, Search): answers `search.query {q, via?, timeout?}` with a stream of
 * `search.hit {record, via}` (end: false), then `search.done {hits, ms}`. The parts of a search:
 *
 * - hybrid (the default): local matches (our record, the records we hold, the records the
 *   directory showed lately), the lists search and a gossip search sent once the lists' first
 *   wave is in (at most `headStart` after the start) and lasting until `gossipWindow`;
 * - lists: the records we hold and the lists search, all tagged `lists`;
 * - gossip: the gossip search alone, until the bound.
 *
 * Hits are merged, each peer once (the first part to find it tags it), and the search ends when
 * every part has ended or at its time bound, whichever comes first. A finished search's hits are
 * replayed from the result cache for the same normalized query and via (`search.invalidate` drops
 * it). Unsubscribing (the actor then gets `actor.cancel`) ends the search and its traffic at once.
 */
import { defer, EMPTY, from, map, merge, mergeMap, of, ReplaySubject, take, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { BadRequestError, closestListId, errorReply, idsEqual, isSearchInvalidate, isSearchQuery, reply,
  validateQuery } from '@peerconnect/protocol'
import type { Message, PeerRecord, SearchDone, SearchHit, SearchInvalidateReply, SearchVia } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { createResultCache, searchKey } from './cache.js'
import type { CachedSearch } from './cache.js'
import { heldIndex, indexMatches, matching } from './candidates.js'
import { searchGossip } from './gossip-search.js'
import { createHolderCache } from '../holders.js'
import type { HolderCache } from '../holders.js'
import { createKnown } from './known.js'
import type { Known } from './known.js'
import { searchLists } from './lists-search.js'
import { mergeHits, tagged } from './merge.js'
import type { Found } from './merge.js'
import { LOOKUP_SPARE, MATCH_POOL_THRESHOLD, MAX_CACHED_RESULTS, MAX_KNOWN, MAX_SEARCH_TIMEOUT } from './constants.js'

export interface Search {
  /** `search.query` → search.hit (end: false) …, then search.done; a bad query is an ERR_BAD_QUERY error reply. */
  query(m: Message): Observable<Message>
  /** `search.invalidate` → search.invalidate.reply: cached results and list holders are dropped. */
  invalidate(m: Message): Observable<Message>
  /** Records a directory page showed: local matches of hybrid searches while the directory would reuse them. */
  remember(records: readonly PeerRecord[]): void
}

export function createSearch (ctx: Context): Search {
  const s = ctx.settings.search
  const cache = createResultCache({ ttl: s.resultTtl, max: MAX_CACHED_RESULTS })
  const holders = createSearchHolders(ctx)
  const known = createKnown({ ttl: ctx.settings.cacheTtl, max: MAX_KNOWN })
  const env: Env = { ctx, holders, known }

  return {
    query (m) {
      if (m.cid === undefined) return EMPTY // published, not asked: nobody would read the hits
      if (!isSearchQuery(m)) {
        return of(errorReply(m, new BadRequestError('search.query needs q: string, via?: hybrid | lists | gossip, timeout?: ms')))
      }
      const checked = validateQuery(m.q)
      if (!checked.ok) return of(errorReply(m, checked.error))
      const query = checked.query
      const via = m.via ?? 'hybrid'
      const bound = Math.min(m.timeout ?? s.timeout, MAX_SEARCH_TIMEOUT)
      return defer(() => {
        const started = ctx.now()
        const key = searchKey(query, via)
        const cached = cache.get(key, started, bound)
        const answered = { holders: 0 }
        const parts = cached !== undefined ? [from(cached.hits)] : PARTS[via]({ env, query, bound, answered })
        const hits: Found[] = []
        return mergeHits(parts, { bound, scheduler: ctx.deps.scheduler }).pipe(map(e => {
          if ('hit' in e) {
            hits.push(e.hit)
            return reply<SearchHit>(m, { type: 'search.hit', record: e.hit.record, via: e.hit.via }, false)
          }
          const ms = Math.max(0, Math.round(ctx.now() - started))
          if (cached === undefined) cache.set(key, { hits, at: ctx.now(), bound, complete: e.end === 'complete' } satisfies CachedSearch)
          ctx.log.debug('search done', { via, hits: hits.length, ms, end: e.end, cached: cached !== undefined })
          return reply<SearchDone>(m, { type: 'search.done', hits: hits.length, ms, holders: answered.holders })
        }))
      })
    },
    invalidate (m) {
      if (!isSearchInvalidate(m)) return of(errorReply(m, new BadRequestError('bad search.invalidate')))
      cache.clear()
      holders.clear()
      return m.cid === undefined ? of() : of(reply<SearchInvalidateReply>(m, { type: 'search.invalidate.reply' }))
    },
    remember (records) {
      known.remember(records, ctx.now())
    }
  }
}

/**
 * The search's holder cache: each list's holders kept `ttl` ms (default `holderTtl`); a lookup
 * wants the holders a search asks plus LOOKUP_SPARE (at most R: every one of the R holds the list,
 * and a smaller k ends the lookup sooner).
 */
export function createSearchHolders (ctx: Context, ttl = ctx.settings.search.holderTtl): HolderCache {
  return createHolderCache(ctx, { ttl, k: Math.min(ctx.settings.r, ctx.settings.search.holders + LOOKUP_SPARE) })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Env {
  readonly ctx: Context
  readonly holders: HolderCache
  readonly known: Known
}
/** `answered.holders`: list holders whose pc_search was answered (reported in search.done). */
interface Plan {
  readonly env: Env
  readonly query: string
  readonly bound: number
  readonly answered: { holders: number }
}

/** The parts of a search, by via. */
const PARTS: Readonly<Record<SearchVia, (p: Plan) => Array<Observable<Found>>>> = {
  hybrid: p => {
    const wave = new ReplaySubject<void>(1)
    return [tagged(local(p), 'local'), tagged(lists(p, () => wave.next()), 'lists'), tagged(gossipAfter(p, wave), 'gossip')]
  },
  lists: p => [tagged(held(p), 'lists'), tagged(lists(p), 'lists')],
  gossip: p => [tagged(searchGossip(p.env.ctx, p.query, p.bound), 'gossip')]
}

/** Our record, the records we hold and those the directory showed lately, that match. */
function local ({ env: { ctx, known }, query }: Plan): Observable<PeerRecord> {
  return defer(() => {
    const now = ctx.now()
    const held = indexMatches(heldIndex(ctx.store, ctx.self.record, now), query).map(c => c.record)
    return merge(from(held), matchingRecords(ctx, known.records(now), query))
  })
}

/** The records we hold (as one of the lists' holders) that match. */
function held ({ env: { ctx }, query }: Plan): Observable<PeerRecord> {
  return defer(() => {
    const self = ctx.self.record?.id
    const found = indexMatches(heldIndex(ctx.store, ctx.self.record, ctx.now()), query)
    return from(
      found.map(c => c.record).filter(r =>
        self === undefined || !idsEqual(r.id, self) || ctx.store.get(closestListId(r.id).index, r.id, ctx.now()) !== undefined
      )
    )
  })
}

function lists ({ env: { ctx, holders }, query, answered }: Plan, onFirstWave?: () => void): Observable<PeerRecord> {
  const s = ctx.settings.search
  return searchLists(ctx, query, { holders, perList: s.holders, concurrency: s.concurrency, maxPages: s.maxPages, early: s.early,
    headStart: s.headStart, onFirstWave, onAnswer: () => {
      answered.holders++
    } })
}

/**
 * The gossip part of a hybrid search: the rumor goes out once the lists' first wave is in (every
 * list has answered once), or `headStart` ms after the start, whichever comes first, and lasts
 * until `gossipWindow` ms after the start. A rumor costs the swarm about one message per node;
 * sent at once, its forwards queue in front of the holders' first answers on a busy node.
 */
function gossipAfter ({ env: { ctx }, query, bound }: Plan, wave: Observable<void>): Observable<PeerRecord> {
  const s = ctx.settings.search
  return defer(() => {
    const started = ctx.now()
    const window = Math.min(bound, s.gossipWindow)
    return merge(wave, timer(s.headStart, ctx.deps.scheduler)).pipe(
      take(1),
      mergeMap(() => {
        const left = window - (ctx.now() - started)
        return left > 0 ? searchGossip(ctx, query, left) : EMPTY
      })
    )
  })
}

function matchingRecords (ctx: Context, records: readonly PeerRecord[], query: string): Observable<PeerRecord> {
  return matching(records.map(record => ({ record })), query, { pool: ctx.deps.pool, threshold: MATCH_POOL_THRESHOLD }).pipe(
    mergeMap(found => from(found.map(f => f.record)))
  )
}
