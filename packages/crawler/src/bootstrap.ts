import { Observable, catchError, filter, from, last, map, mergeMap, of, take, tap, toArray } from 'rxjs'
import { commonPrefixLength, idToHex, isTransportResponse, randomIdWithPrefix } from '@peerconnect/protocol'
import type { Address, Contact, TransportQuery } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import { runLookup } from './run-lookup.js'
import type { LookupEvent } from './run-lookup.js'
import { BOOTSTRAP_RETRIES, PING_CONCURRENCY, QUERY_ASK_TIMEOUT, REFRESH_CONCURRENCY, SELF_LOOKUP_K } from './constants.js'
import type { CrawlerInit } from './init.js'
import type { CrawlerMetrics } from './metrics.js'

/** What a bootstrap reports: seeds that answered the ping, distinct responsive contacts met. */
export interface BootstrapCounts {
  readonly seedsAnswered: number
  readonly contacts: number
}

/**
 * Joins the network: pings every seed (`transport.query` ping), looks up our own id starting
 * from the seeds that answered (and routing.closest) — again, up to `bootstrapRetries` times,
 * while none of its find_node queries is answered — then refreshes each bucket farther than
 * our closest neighbour (shared prefix lengths 0 … depth−1) with a lookup of a random id in it.
 * `contacts` counts the distinct nodes that answered along the way.
 */
export function runBootstrap (seeds: readonly Address[], deps: ActorDeps, init: CrawlerInit,
  { metrics }: { metrics?: CrawlerMetrics } = {}): Observable<BootstrapCounts> {
  const met = new Set<string>()
  const record = (ev: LookupEvent): void => {
    if (ev.kind === 'result') { for (const c of ev.lookup.closest(Infinity)) met.add(idToHex(c.id)) }
  }
  return from(seeds).pipe(
    mergeMap(seed => ping(seed, deps), PING_CONCURRENCY),
    filter((c): c is Contact => c !== undefined),
    toArray(),
    mergeMap(pinged => {
      for (const c of pinged) met.add(idToHex(c.id))
      const retries = pinged.length === 0 ? 0 : Math.max(0, init.bootstrapRetries ?? BOOTSTRAP_RETRIES)
      return ownLookup(pinged, deps, { init, record, retries, metrics }).pipe(
        mergeMap(ev =>
          refresh(depthOf(ev, init.id), ev.kind === 'result' ? ev.lookup.closest(Infinity) : pinged, deps, { init, record, metrics })
        ),
        map(() => ({ seedsAnswered: pinged.length, contacts: met.size }))
      )
    })
  )
}

/**
 * The lookup of our own id from the pinged seeds, run again (up to `retries` more times) while
 * nobody answered its find_node queries: one lost datagram to a lone seed would otherwise leave
 * the node knowing only that seed.
 */
function ownLookup (pinged: readonly Contact[], deps: ActorDeps,
  opts: { init: CrawlerInit, record: (ev: LookupEvent) => void, retries: number, metrics: CrawlerMetrics | undefined }
): Observable<LookupEvent> {
  const { init, record, retries, metrics } = opts
  const k = Math.max(init.k ?? 0, SELF_LOOKUP_K)
  return runLookup(init.id, deps, init, metrics === undefined ? { seeds: pinged, k } : { seeds: pinged, k, metrics }).pipe(
    last(),
    tap(record),
    mergeMap(ev =>
      ev.kind === 'result' && ev.lookup.stats().responded === 0 && retries > 0
        ? ownLookup(pinged, deps, { ...opts, retries: retries - 1 })
        : of(ev)
    )
  )
}

function ping (seed: Address, deps: ActorDeps): Observable<Contact | undefined> {
  const q: TransportQuery = { type: 'transport.query', to: seed, q: 'ping', a: {} }
  return deps.ask(q, { timeout: QUERY_ASK_TIMEOUT }).pipe(
    take(1),
    map(m =>
      isTransportResponse(m) ? { id: m.id, host: m.from.host, port: m.from.port, lastSeen: deps.clock.now(), rtt: m.rtt } : undefined
    ),
    catchError(() => of(undefined))
  )
}

/**
 * Lookups of a random id in each bucket 0 … depth−1, a few at a time, seeded with the contacts
 * met so far (routing may not have admitted them yet); emits once when all are done.
 */
function refresh (depth: number, met: readonly Contact[], deps: ActorDeps,
  opts: { init: CrawlerInit, record: (ev: LookupEvent) => void, metrics: CrawlerMetrics | undefined }): Observable<unknown> {
  const { init, record, metrics } = opts
  const targets = Array.from({ length: depth }, (_, i) => randomIdWithPrefix(init.id, i, deps.random))
  return from(targets).pipe(
    mergeMap(t => runLookup(t, deps, init, metrics === undefined ? { seeds: met } : { seeds: met, metrics }).pipe(last(), tap(record)),
      init.refreshConcurrency ?? REFRESH_CONCURRENCY),
    toArray()
  )
}

/** The shared prefix length of our closest responsive neighbour (0 when we found nobody). */
function depthOf (ev: LookupEvent, self: Uint8Array): number {
  if (ev.kind !== 'result') return 0
  const nearest = ev.lookup.closest(1)[0]
  return nearest === undefined ? 0 : commonPrefixLength(nearest.id, self)
}
