import { EMPTY, Observable, filter, last, map, mergeMap, of, takeUntil } from 'rxjs'
import { errorReply, isActorCancel, isCrawlerBootstrap, isCrawlerFind, isCrawlerLookup, reply } from '@peerconnect/protocol'
import type { CrawlerBootstrapReply, CrawlerFind, CrawlerLookup, CrawlerProgress, CrawlerResult, Message, NodeId } from '@peerconnect/protocol'
import type { ActorDeps, ActorFn } from '@peerconnect/runtime'
import { runLookup } from './run-lookup.js'
import type { LookupEvent } from './run-lookup.js'
import { runBootstrap } from './bootstrap.js'
import { BadRequestError } from './errors.js'
import type { CrawlerInit } from './init.js'

/**
 * The crawler actor: `crawler.lookup` streams `crawler.progress` then `crawler.result`;
 * `crawler.find` replies one `crawler.result` whose `found` is the contact with that id (or
 * null); `crawler.bootstrap` pings the seeds, looks up our id, refreshes the farther buckets and
 * replies with counts. A request stops (no more queries) when the actor is unsubscribed or an
 * `actor.cancel {ask: cid}` for it arrives.
 */
export function crawlerActor (init: CrawlerInit): ActorFn {
  return (in$, deps) => {
    const handlers: Readonly<Record<string, (m: Message) => Observable<Message>>> = {
      'crawler.lookup': m => isCrawlerLookup(m) ? lookupReplies(m, deps, init) : bad(m, 'crawler.lookup needs target: 20 bytes, k?: number'),
      'crawler.find': m => isCrawlerFind(m) ? findReply(m, deps, init) : bad(m, 'crawler.find needs id: 20 bytes'),
      'crawler.bootstrap': m => isCrawlerBootstrap(m)
        ? runBootstrap(m.seeds, deps, init).pipe(map(counts => reply(m, { type: 'crawler.bootstrap.reply', ...counts } satisfies CrawlerBootstrapReply)))
        : bad(m, 'crawler.bootstrap needs seeds: [{host, port}]')
    }
    const cancelled = (m: Message): Observable<Message> => in$.pipe(filter(c => isActorCancel(c) && c.ask === m.cid))
    return in$.pipe(mergeMap(m => {
      const handle = handlers[m.type]
      return handle === undefined ? EMPTY : handle(m).pipe(takeUntil(cancelled(m)))
    }))
  }
}

function lookupReplies (m: CrawlerLookup, deps: ActorDeps, init: CrawlerInit): Observable<Message> {
  const k = m.k
  return runLookup(m.target, deps, init, k === undefined ? {} : { k }).pipe(map(ev => ev.kind === 'progress'
    ? reply(m, { type: 'crawler.progress', queried: ev.queried, responded: ev.responded, closest: ev.closest } satisfies CrawlerProgress, false)
    : reply(m, resultOf(m.target, ev))))
}

function findReply (m: CrawlerFind, deps: ActorDeps, init: CrawlerInit): Observable<Message> {
  return runLookup(m.id, deps, init, { stopWhenFound: true }).pipe(
    last(),
    map(ev => ev.kind === 'result' ? reply(m, resultOf(m.id, ev)) : errorReply(m, new Error('lookup ended without a result')))
  )
}

/** The crawler.result of a finished lookup. */
export function resultOf (target: NodeId, ev: Extract<LookupEvent, { kind: 'result' }>): CrawlerResult {
  const s = ev.lookup.stats()
  return { type: 'crawler.result', target, closest: ev.lookup.closest(), found: ev.lookup.found, queries: s.queries, bytes: s.bytes, ms: ev.ms }
}

function bad (m: Message, why: string): Observable<Message> {
  return of(errorReply(m, new BadRequestError(why)))
}
