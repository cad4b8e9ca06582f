import { last, map, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { BadRequestError, errorReply, isCrawlerBootstrap, isCrawlerFind, isCrawlerLookup, isCrawlerStats,
  reply } from '@peerconnect/protocol'
import type { CrawlerBootstrapReply, CrawlerFind, CrawlerLookup, CrawlerProgress, CrawlerResult, Message,
  NodeId } from '@peerconnect/protocol'
import { kitActor } from '@peerconnect/runtime'
import type { ActorDefinition, ActorDeps, ActorFn } from '@peerconnect/runtime'
import { runLookup } from './run-lookup.js'
import type { LookupEvent } from './run-lookup.js'
import { runBootstrap } from './bootstrap.js'
import type { CrawlerInit } from './init.js'
import { createMetrics, statsBody } from './metrics.js'
import type { CrawlerMetrics } from './metrics.js'
import { NoResultError } from './errors.js'

/** What the handlers share during one run: the init, deps and the lookup counters. */
export interface CrawlerContext {
  readonly init: CrawlerInit
  readonly deps: ActorDeps
  readonly metrics: CrawlerMetrics
}

/**
 * The crawler actor: `crawler.lookup` streams `crawler.progress` then `crawler.result`;
 * `crawler.find` replies one `crawler.result` whose `found` is the contact with that id (or
 * null); `crawler.bootstrap` pings the seeds, looks up our id, refreshes the farther buckets and
 * replies with counts; `crawler.stats` replies the lookup counters (every lookup the actor ran).
 * A request stops (no more queries) when the actor is unsubscribed or an `actor.cancel {ask: cid}`
 * for it arrives (the kit unsubscribes its handler).
 */
export const crawlerDefinition = {
  name: 'crawler',
  worker: new URL('./worker.js', import.meta.url),
  context: (init: CrawlerInit, deps: ActorDeps): CrawlerContext => ({ init, deps, metrics: createMetrics() }),
  handlers: {
    'crawler.lookup': (m, ctx) => isCrawlerLookup(m) ? lookupReplies(m, ctx) : bad(m, 'crawler.lookup needs target: 20 bytes, k?: number'),
    'crawler.find': (m, ctx) => isCrawlerFind(m) ? findReply(m, ctx) : bad(m, 'crawler.find needs id: 20 bytes'),
    'crawler.bootstrap': (m, { init, deps, metrics }) =>
      isCrawlerBootstrap(m)
        ? runBootstrap(m.seeds, deps, init, { metrics }).pipe(
          map(counts => reply(m, { type: 'crawler.bootstrap.reply', ...counts } satisfies CrawlerBootstrapReply))
        )
        : bad(m, 'crawler.bootstrap needs seeds: [{host, port}]'),
    'crawler.stats': (m, ctx) => isCrawlerStats(m) ? of(reply(m, statsBody(ctx.metrics))) : bad(m, 'bad crawler.stats')
  }
} satisfies ActorDefinition<CrawlerInit, CrawlerContext>

/** The actor's stream function (for tests that drive it without a supervisor). */
export function crawlerActor (init: CrawlerInit): ActorFn {
  return kitActor(crawlerDefinition, init)
}

function lookupReplies (m: CrawlerLookup, { init, deps, metrics }: CrawlerContext): Observable<Message> {
  const k = m.k
  return runLookup(m.target, deps, init, k === undefined ? { metrics } : { k, metrics }).pipe(map(ev =>
    ev.kind === 'progress'
      ? reply(m, { type: 'crawler.progress', queried: ev.queried, responded: ev.responded, closest: ev.closest } satisfies CrawlerProgress,
        false)
      : reply(m, resultOf(m.target, ev))
  ))
}

function findReply (m: CrawlerFind, { init, deps, metrics }: CrawlerContext): Observable<Message> {
  return runLookup(m.id, deps, init, { stopWhenFound: true, metrics }).pipe(
    last(),
    map(ev => ev.kind === 'result' ? reply(m, resultOf(m.id, ev)) : errorReply(m, new NoResultError()))
  )
}

/** The crawler.result of a finished lookup. */
export function resultOf (target: NodeId, ev: Extract<LookupEvent, { kind: 'result' }>): CrawlerResult {
  const s = ev.lookup.stats()
  return { type: 'crawler.result', target, closest: ev.lookup.closest(), found: ev.lookup.found, queries: s.queries, bytes: s.bytes,
    ms: ev.ms }
}

function bad (m: Message, why: string): Observable<Message> {
  return of(errorReply(m, new BadRequestError(why)))
}
