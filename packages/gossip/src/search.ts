/**
 * Gossip search. At the origin, `gossip.search` spreads a search rumor carrying our address and
 * streams the hits that come back (verified, matching, one per peer) until its time bound, then
 * `gossip.search.done`; unsubscribing (an actor.cancel does: the actor kit) ends it at once and stops its forwards.
 * Elsewhere, a node whose own name matches sends its record straight to the origin (`hit`), by
 * one pc_gossip query: hits are never spread. Before that it asks the origin's address whether
 * the search is its own (`check`, a small query): a rumor naming someone else's address (a
 * reflection attack) gets a refusal or silence there, and no record is sent. Each search (id and
 * address) is answered once, and at most HITS_PER_ORIGIN checks go to one origin IP per
 * HIT_WINDOW (origin-budget.ts).
 */
import { catchError, concat, defer, EMPTY, filter, finalize, ignoreElements, map, merge, mergeMap, of, Subject, take, takeUntil,
  timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { BadRequestError, decodeAddress, encodeAddress, errorReply, idsEqual, isGossipSearch, matchesName, MAX_GOSSIP_SEARCH_TIMEOUT,
  recordFromWire, recordToWire, reply, validateQuery, verifyRecord } from '@peerconnect/protocol'
import type { Address, GossipHit, GossipSearchDone, Message, NodeId, TransportQuery } from '@peerconnect/protocol'
import type { ActiveSearch, GossipContext } from './context.js'
import { randomBytes } from './context.js'
import { encodeRumor } from './rumor.js'
import type { CheckRumor, HitRumor, SearchRumor } from './rumor.js'
import { spread } from './spread.js'
import { ownAddress$, ownName$, ownRecord$ } from './self.js'
import { idKey } from './view.js'
import { ASK_MARGIN, RUMOR_ID_LENGTH } from './constants.js'

/** `gossip.search {q, timeout?}` → gossip.hit (end: false) …, gossip.search.done (end: true). */
export function onSearch (m: Message, ctx: GossipContext): Observable<Message> {
  if (!isGossipSearch(m)) return of(errorReply(m, new BadRequestError('gossip.search needs q: string, timeout?: ms')))
  const checked = validateQuery(m.q)
  if (!checked.ok) return of(errorReply(m, checked.error))
  const timeout = Math.min(m.timeout ?? ctx.s.searchTimeout, MAX_GOSSIP_SEARCH_TIMEOUT)
  return defer(() => {
    const started = ctx.deps.clock.now()
    const searchId = randomBytes(RUMOR_ID_LENGTH, ctx.deps.random)
    const search: ActiveSearch = { cid: m.cid, query: checked.query, hits: new Set(), found$: new Subject(), stopped: false }
    const stop$ = new Subject<void>()
    ctx.searches.set(idKey(searchId), search)
    ctx.counts.searches++
    const start$ = ownAddress$(ctx).pipe(
      map(address => {
        const rumor: SearchRumor = {
          kind: 'search',
          id: randomBytes(RUMOR_ID_LENGTH, ctx.deps.random),
          hops: 0,
          query: checked.query,
          address: encodeAddress(address.host, address.port)!,
          search: searchId,
          origin: ctx.s.id,
          depth: 0,
          path: new Uint8Array(0)
        }
        ctx.seen.add(idKey(rumor.id), started)
        spread(ctx, rumor, { receivedAt: started, stop: stop$, stopped: () => search.stopped })
      }),
      ignoreElements()
    )
    const hits$ = merge(start$, search.found$).pipe(takeUntil(timer(timeout, ctx.deps.scheduler)))
    const done$ = defer(() => of(reply<GossipSearchDone>(m, {
      type: 'gossip.search.done',
      hits: search.hits.size,
      ms: Math.max(0, Math.round(ctx.deps.clock.now() - started))
    })))
    const end = (): void => {
      search.stopped = true
      ctx.searches.delete(idKey(searchId))
      stop$.next()
      stop$.complete()
      search.found$.complete()
    }
    return concat(hits$, done$).pipe(
      catchError((err: unknown) => of(errorReply(m, err))),
      finalize(end)
    )
  })
}

/** A hit for one of our searches: verified, from the node it names, matching, new → streamed. */
export function onHit (rumor: HitRumor, sender: NodeId, ctx: GossipContext): void {
  const search = ctx.searches.get(idKey(rumor.search))
  if (search === undefined || search.stopped) {
    ctx.counts.dropped++
    return
  }
  const checked = verifyRecord(recordFromWire(rumor.record))
  if (!checked.ok || !idsEqual(checked.record.id, sender) || !matchesName(checked.record.n, search.query)) {
    ctx.counts.malformed++
    return
  }
  const key = idKey(checked.record.id)
  if (search.hits.has(key)) return
  search.hits.add(key)
  ctx.counts.hitsReceived++
  const hit: GossipHit = { type: 'gossip.hit', record: checked.record, via: 'gossip' }
  search.found$.next(reply(searchRequest(search), hit, false))
}

/**
 * Someone else's search reached us: if our name matches, and the origin's address confirms the
 * search is its own, our record goes straight to it. Emits nothing.
 */
export function answerSearch$ (rumor: SearchRumor, ctx: GossipContext, opts: { confirmed?: boolean } = {}): Observable<never> {
  if (idsEqual(rumor.origin, ctx.s.id)) return EMPTY
  const to = decodeAddress(rumor.address)
  if (to === undefined) return EMPTY
  return ownName$(ctx).pipe(
    filter(name => matchesName(name, rumor.query)),
    filter(() => {
      const now = ctx.deps.clock.now()
      if (!ctx.answered.add(idKey(rumor.search) + idKey(rumor.address), now)) return false
      if (ctx.hitBudget.take(to.host, now)) return true
      ctx.counts.dropped++
      return false
    }),
    mergeMap(() => opts.confirmed === true ? of(true) : confirmOrigin$(rumor, to, ctx)),
    mergeMap(() => ownRecord$(ctx)),
    mergeMap(record => {
      const hit: HitRumor = { kind: 'hit', id: randomBytes(RUMOR_ID_LENGTH, ctx.deps.random), hops: 1, search: rumor.search,
        record: recordToWire(record) }
      const query: TransportQuery = { type: 'transport.query', to, q: 'pc_gossip', a: { m: encodeRumor(hit) },
        timeout: ctx.s.forwardTimeout }
      ctx.counts.hitsSent++
      return ctx.deps.ask(query, { timeout: ctx.s.forwardTimeout + ASK_MARGIN }).pipe(take(1))
    }),
    catchError((err: unknown) => {
      ctx.log.debug('no hit sent', { message: (err as { message?: unknown })?.message })
      return EMPTY
    }),
    ignoreElements()
  )
}

/** Asks `to` whether the search is its own; emits once if so, completes empty (counted as dropped) if not. */
export function confirmOrigin$ (rumor: SearchRumor, to: Address, ctx: GossipContext): Observable<unknown> {
  const check: CheckRumor = { kind: 'check', id: randomBytes(RUMOR_ID_LENGTH, ctx.deps.random), hops: 1, search: rumor.search }
  const query: TransportQuery = { type: 'transport.query', to, q: 'pc_gossip', a: { m: encodeRumor(check) }, timeout: ctx.s.forwardTimeout }
  return ctx.deps.ask(query, { timeout: ctx.s.forwardTimeout + ASK_MARGIN }).pipe(
    take(1),
    catchError((err: unknown) => {
      ctx.counts.dropped++
      ctx.log.debug('the origin did not confirm the search; no hit', { to: `${to.host}:${to.port}`,
        code: (err as { code?: unknown })?.code })
      return EMPTY
    })
  )
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** The request a search's replies answer (only its cid matters). */
function searchRequest (search: ActiveSearch): Message {
  return search.cid === undefined ? { type: 'gossip.search' } : { type: 'gossip.search', cid: search.cid }
}
