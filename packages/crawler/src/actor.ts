import { EMPTY, Observable, filter, last, map, mergeMap, of, takeUntil } from 'rxjs'
import { BadRequestError, errorReply, isActorCancel, isCrawlerBootstrap, isCrawlerFind, isCrawlerLookup, isCrawlerStats, reply } from '@peerconnect/protocol'
import type { CrawlerBootstrapReply, CrawlerFind, CrawlerLookup, CrawlerProgress, CrawlerResult, Message, NodeId } from '@peerconnect/protocol'
import type { ActorDeps, ActorFn } from '@peerconnect/runtime'
import { runLookup } from './run-lookup.js'
import type { LookupEvent } from './run-lookup.js'
import { runBootstrap } from './bootstrap.js'
import type { CrawlerInit } from './init.js'
import { createMetrics, statsBody } from './metrics.js'
import type { CrawlerMetrics } from './metrics.js'
import { NoResultError } from './errors.js'

/**
 * The crawler actor: `crawler.lookup` streams `crawler.progress` then `crawler.result`;
 * `crawler.find` replies one `crawler.result` whose `found` is the contact with that id (or
 * null); `crawler.bootstrap` pings the seeds, looks up our id, refreshes the farther buckets and
 * replies with counts; `crawler.stats` replies the lookup counters (every lookup the actor ran). A request stops (no more queries) when the actor is unsubscribed or an
 * `actor.cancel {ask: cid}` for it arrives.
 */
export function crawlerActor (init: CrawlerInit): ActorFn {
  return (in$, deps) => {
    const metrics = createMetrics()
    const handlers: Readonly<Record<string, (m: Message) => Observable<Message>>> = {
      'crawler.lookup': m => isCrawlerLookup(m) ? lookupReplies(m, deps, { init, metrics }) : bad(m, 'crawler.lookup needs target: 20 bytes, k?: number'),
      'crawler.find': m => isCrawlerFind(m) ? findReply(m, deps, { init, metrics }) : bad(m, 'crawler.find needs id: 20 bytes'),
      'crawler.bootstrap': m => isCrawlerBootstrap(m)
        ? runBootstrap(m.seeds, deps, init, { metrics }).pipe(map(counts => reply(m, { type: 'crawler.bootstrap.reply', ...counts } satisfies CrawlerBootstrapReply)))
        : bad(m, 'crawler.bootstrap needs seeds: [{host, port}]'),
      'crawler.stats': m => isCrawlerStats(m) ? of(reply(m, statsBody(metrics))) : bad(m, 'bad crawler.stats')
    }
    const cancelled = (m: Message): Observable<Message> => in$.pipe(filter(c => isActorCancel(c) && c.ask === m.cid))
    return in$.pipe(mergeMap(m => {
      const handle = handlers[m.type]
      return handle === undefined ? EMPTY : handle(m).pipe(takeUntil(cancelled(m)))
    }))
  }
}

function lookupReplies (m: CrawlerLookup, deps: ActorDeps, { init, metrics }: Running): Observable<Message> {
  const k = m.k
  return runLookup(m.target, deps, init, k === undefined ? { metrics } : { k, metrics }).pipe(map(ev => ev.kind === 'progress'
    ? reply(m, { type: 'crawler.progress', queried: ev.queried, responded: ev.responded, closest: ev.closest } satisfies CrawlerProgress, false)
    : reply(m, resultOf(m.target, ev))))
}

function findReply (m: CrawlerFind, deps: ActorDeps, { init, metrics }: Running): Observable<Message> {
  return runLookup(m.id, deps, init, { stopWhenFound: true, metrics }).pipe(
    last(),
    map(ev => ev.kind === 'result' ? reply(m, resultOf(m.id, ev)) : errorReply(m, new NoResultError()))
  )
}

/** The crawler.result of a finished lookup. */
export function resultOf (target: NodeId, ev: Extract<LookupEvent, { kind: 'result' }>): CrawlerResult {
  const s = ev.lookup.stats()
  return { type: 'crawler.result', target, closest: ev.lookup.closest(), found: ev.lookup.found, queries: s.queries, bytes: s.bytes, ms: ev.ms }
}

interface Running { readonly init: CrawlerInit, readonly metrics: CrawlerMetrics }

function bad (m: Message, why: string): Observable<Message> {
  return of(errorReply(m, new BadRequestError(why)))
}
