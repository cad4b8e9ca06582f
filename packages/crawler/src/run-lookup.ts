import { Observable, Subscription, catchError, defaultIfEmpty, map, mergeMap, of, take } from 'rxjs'
import { ipLimitsOf, isRoutingClosestReply, isTransportResponse, parseReply } from '@peerconnect/protocol'
import type { Contact, IpLimitsMode, Message, NodeId, NodeInfo, RoutingClosest, TransportQuery } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import { createLookup } from './lookup.js'
import type { Lookup, LookupOptions } from './lookup.js'
import { BEP5_NODES, K, LOOKUP_TIMEOUT, QUERY_ASK_TIMEOUT, SEED_COUNT, STALL_SLACK } from './constants.js'
import type { CrawlerInit } from './init.js'
import { findNodeArgs } from './find-node-query.js'
import { countLookup } from './metrics.js'
import type { CrawlerMetrics } from './metrics.js'

/** What a running lookup reports: progress whenever its k closest responsive set changes, then the end. */
export type LookupEvent =
  | { readonly kind: 'progress', readonly queried: number, readonly responded: number, readonly closest: Contact[] }
  | { readonly kind: 'result', readonly lookup: Lookup, readonly ms: number }

export interface RunLookupOptions {
  /** Overrides init.k for this lookup. */
  readonly k?: number
  /** Contacts to start from besides routing.closest (e.g. freshly pinged seeds). */
  readonly seeds?: readonly Contact[]
  /** End as soon as the target answers (crawler.find). */
  readonly stopWhenFound?: boolean
  /** Counters to bump: timed-out queries as they fail, the lookup's counts when it ends. */
  readonly metrics?: CrawlerMetrics
}

/**
 * Runs one iterative find_node lookup of `target` through `deps.ask`: seeds from
 * `routing.closest` (none if routing does not answer), queries as `transport.query`, replies
 * checked with `parseReply('find_node')`, slow-slot deadlines and the overall bound on
 * `deps.scheduler`. Unsubscribing cancels every query in flight and sends no more.
 */
export function runLookup (target: NodeId, deps: ActorDeps, init: CrawlerInit, opts: RunLookupOptions = {}): Observable<LookupEvent> {
  const ask: RoutingClosest = { type: 'routing.closest', target, n: init.seedCount ?? SEED_COUNT }
  const seeds$ = deps.ask(ask).pipe(
    take(1),
    map(m => isRoutingClosestReply(m) ? m.contacts : []),
    catchError(() => of([] as Contact[])),
    defaultIfEmpty([] as Contact[])
  )
  const k = Math.max(1, opts.k ?? init.k ?? K)
  return seeds$.pipe(
    mergeMap(fromRouting =>
      drive(createLookup(target, [...(opts.seeds ?? []), ...fromRouting], lookupOptions(init, opts)), deps, { init, k,
        metrics: opts.metrics })
    )
  )
}

function drive (lookup: Lookup, deps: ActorDeps,
  { init, k, metrics }: { init: CrawlerInit, k: number, metrics: CrawlerMetrics | undefined }): Observable<LookupEvent> {
  return new Observable<LookupEvent>(sub => {
    const started = deps.clock.now()
    const stallSlack = init.stallSlack ?? STALL_SLACK
    const queries = new Subscription()
    let wake: Subscription | undefined
    let wakeAt = Infinity
    let finished = false
    let pumping = false
    let again = false

    const finish = (): void => {
      if (finished) return
      finished = true
      queries.unsubscribe()
      wake?.unsubscribe()
      if (metrics !== undefined) countLookup(metrics, lookup.stats())
      sub.next({ kind: 'result', lookup, ms: deps.clock.now() - started })
      sub.complete()
    }

    const step = (): void => {
      const now = deps.clock.now()
      // A wake overdue by more than the slack (a reply got in first) means a stall, as in `onWake`.
      if (now - wakeAt > stallSlack) {
        wake?.unsubscribe()
        stalled(now - wakeAt)
      }
      for (const c of lookup.take(now)) send(c)
      if (again) return // an answer came synchronously (an inline ask): take again before judging
      if (lookup.done || (lookup.stats().active === 0 && lookup.stats().slow === 0)) {
        finish()
        return
      }
      const at = lookup.nextDeadline()
      if (at !== undefined && at < wakeAt) {
        wake?.unsubscribe()
        wakeAt = at
        wake = deps.scheduler.schedule(onWake, Math.max(0, at - now))
      }
    }

    /**
     * A wake much later than planned means the event loop was stalled: replies to the queries in
     * flight may be queued behind this timer, so their deadlines move back by the delay instead
     * of those nodes being given up.
     */
    const onWake = (): void => {
      const late = deps.clock.now() - wakeAt
      if (late > stallSlack) stalled(late)
      wake = undefined
      wakeAt = Infinity
      pump()
    }

    /** Deadlines move back by the stall plus the slack: what was due gets `stallSlack` ms for queued replies to be read. */
    const stalled = (late: number): void => {
      wake = undefined
      wakeAt = Infinity
      lookup.postpone(late + stallSlack)
    }

    const pump = (): void => {
      if (finished) return
      if (pumping) {
        again = true
        return
      }
      pumping = true
      try {
        do {
          again = false
          step()
        } while (again && !finished)
      } finally {
        pumping = false
      }
    }

    const args = findNodeArgs(lookup.target, k)
    const send = (c: Contact): void => {
      const q: TransportQuery = init.queryTimeout === undefined
        ? { type: 'transport.query', to: { host: c.host, port: c.port }, q: 'find_node', a: args }
        : { type: 'transport.query', to: { host: c.host, port: c.port }, q: 'find_node', a: args, timeout: init.queryTimeout }
      queries.add(deps.ask(q, { timeout: QUERY_ASK_TIMEOUT }).pipe(take(1)).subscribe({
        next: m => {
          onAnswer(c, m)
          pump()
        },
        error: (err: unknown) => {
          const timedOut = isTimeout(err)
          if (metrics !== undefined && timedOut) metrics.timeouts++
          lookup.fail(c.id, deps.clock.now(), 0, timedOut ? 'timeout' : undefined)
          pump()
        }
      }))
    }

    const onAnswer = (c: Contact, m: Message): void => {
      const now = deps.clock.now()
      if (!isTransportResponse(m)) {
        lookup.fail(c.id, now)
        return
      }
      const parsed = parseReply('find_node', m.r)
      if (!parsed.ok) {
        lookup.fail(c.id, now, m.bytes)
        return
      }
      const nodes: NodeInfo[] = parsed.reply.nodes6.length === 0 ? parsed.reply.nodes : [...parsed.reply.nodes, ...parsed.reply.nodes6]
      const changed = lookup.reply(c.id, now,
        m.pc === undefined ? { id: m.id, nodes, bytes: m.bytes, rtt: m.rtt } : { id: m.id, nodes, bytes: m.bytes, rtt: m.rtt, pc: m.pc })
      if (changed && !lookup.done) {
        const s = lookup.stats()
        sub.next({ kind: 'progress', queried: s.queries, responded: s.responded, closest: lookup.closest(k) })
      }
    }

    const bound = deps.scheduler.schedule(finish, init.lookupTimeout ?? LOOKUP_TIMEOUT)
    pump()
    return () => {
      finished = true
      bound.unsubscribe()
      wake?.unsubscribe()
      queries.unsubscribe()
    }
  })
}

function isTimeout (err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  return code === 'ERR_RPC_TIMEOUT' || code === 'ERR_ASK_TIMEOUT'
}

function lookupOptions (init: CrawlerInit, opts: RunLookupOptions): LookupOptions {
  const k = opts.k ?? init.k
  return {
    k,
    // A wide lookup (more than a BEP 5 reply names) learns about k nodes per reply: once it has
    // converged, the rest of the k closest are asked in one round.
    finalRound: k !== undefined && k > BEP5_NODES,
    alpha: init.alpha,
    keep: init.keep,
    retries: init.retries,
    self: init.id,
    subnets: subnetsOf(init),
    stopWhenFound: opts.stopWhenFound
  }
}

function subnetsOf (init: CrawlerInit): { perSubnet: number, mode: IpLimitsMode } {
  const limits = ipLimitsOf(init.ipLimits)
  return { perSubnet: limits.bucket, mode: limits.mode }
}
