/**
 * Runs the reachability checks of reachability.ts on the transport's socket, and the helper's
 * side of them (reach-helper.ts): every `REACH_TICK` it ends a check whose time is up and starts
 * one that is due, asking contacts of routing's latest view that may speak `pc_*`. When the mode
 * changes it switches the socket's `ro` flag; on entering read-only mode it pings each contact of
 * the view once (with `ro: 1`), so the nodes whose tables hold us drop us now rather than at our
 * next query to them. Inbound `pc_reach` and `pc_probe` never reach another actor: `handle`
 * takes them here.
 */
import { randomBytes } from 'node:crypto'
import { Observable, timer } from 'rxjs'
import type { SchedulerLike } from 'rxjs'
import { decodeAddress } from '@peerconnect/protocol'
import type { Address } from '@peerconnect/protocol'
import type { Logger } from '@peerconnect/runtime'
import { REACH_TICK } from './constants.js'
import { answerReach, createProbeLimiter, realSocket } from './reach-helper.js'
import type { ReachHelperCounts } from './reach-helper.js'
import { createReachability } from './reachability.js'
import type { Reachability, ReachabilityOptions } from './reachability.js'
import type { DatagramSocket, InboundQuery, KrpcSocket } from './socket.js'

export interface ReachRunDeps {
  readonly id: Uint8Array
  readonly socket: KrpcSocket
  readonly now: () => number
  readonly random: () => number
  readonly scheduler: SchedulerLike
  readonly log: Logger
  /** Contacts that may be asked (routing's view, those known to speak BEP 5 only left out). */
  readonly candidates: () => Address[]
  /** The addresses we advertise now (where a helper must see us for its answer to count); undefined before the socket is bound. */
  readonly ours: () => Address[] | undefined
  /** The probe's socket maker: the simulated network's, else a real one. */
  readonly createSocket?: ((type: 'udp4' | 'udp6') => DatagramSocket) | undefined
  /** Random bytes for nonces and transaction ids (a simulation's seeded source; default node:crypto). */
  readonly bytes?: ((length: number) => Uint8Array) | undefined
  /** Called when the mode changed. */
  readonly onChange?: (readOnly: boolean) => void
}

export interface ReachRun {
  /** Takes an inbound `pc_reach` (answered as a helper) or `pc_probe` (a probe for our check); false for any other query. */
  handle(q: InboundQuery): boolean
  readonly readOnly: boolean
  /** The checks: runs until unsubscribed; emits nothing. */
  readonly run$: Observable<never>
  stats(): Record<string, number>
}

export function createReachRun (deps: ReachRunDeps, opts: ReachabilityOptions | false | undefined): ReachRun {
  const reach: Reachability | undefined = opts === false ? undefined : createReachability(deps.now(), opts)
  const bytes = deps.bytes ?? randomBytes
  const limiter = createProbeLimiter()
  const counts: ReachHelperCounts = { probesSent: 0, probesRefused: 0 }
  /** Helpers' answers to our pc_reach, failures (silent, refused), and answers seeing us at an address we do not advertise. */
  const asking = { reachAnswers: 0, reachErrors: 0, reachElsewhere: 0 }
  const helper = {
    id: deps.id,
    socket: deps.socket,
    limiter,
    createSocket: deps.createSocket ?? realSocket,
    host: () => deps.socket.address()?.host,
    now: deps.now,
    tid: () => bytes(4)
  }

  const tick = (): void => {
    if (reach === undefined) return
    const now = deps.now()
    const change = reach.settle(now)
    if (change !== undefined) apply(change.readOnly)
    if (reach.running || now < reach.dueAt) return // no check to begin: the addresses and candidates are not needed
    const ours = deps.ours()
    if (ours === undefined) return
    const asks = reach.begin(now, deps.candidates(), deps.random, () => bytes(8))
    for (const ask of asks ?? []) {
      deps.socket.request(ask.to, { q: 'pc_reach', a: { n: ask.nonce }, timeout: REACH_ANSWER_TIMEOUT }, (err, res) => {
        if (err !== null || res === undefined) {
          asking.reachErrors++
          return
        }
        asking.reachAnswers++
        const saw = decodeAddress(res.r.a) // checked by the reply guard (parseReply)
        const current = deps.ours()
        if (saw === undefined || current === undefined) return
        reach.answered(ask.nonce, saw, current)
        if (!current.some(a => a.host === saw.host)) {
          asking.reachElsewhere++
          deps.log.debug('reachability: a helper sees us at an IP we do not advertise (not counted)', {
            helper: `${ask.to.host}:${ask.to.port}`,
            saw: `${saw.host}:${saw.port}`,
            ours: current.map(a => `${a.host}:${a.port}`).join(' ')
          })
        }
      })
    }
  }

  const apply = (readOnly: boolean): void => {
    deps.socket.setReadOnly(readOnly)
    deps.log.info(readOnly ? 'not reachable from outside (behind a NAT?): read-only mode' : 'reachable: leaving read-only mode')
    if (readOnly) { for (const to of deps.candidates()) deps.socket.request(to, { q: 'ping', a: {} }, noop) }
    deps.onChange?.(readOnly)
  }

  return {
    handle (q) {
      if (q.method === 'pc_reach') {
        answerReach(q, helper, counts)
        return true
      }
      if (q.method !== 'pc_probe') return false
      const n = q.args.n
      if (n instanceof Uint8Array) reach?.probed(n, q.from)
      return true // a probe is never answered
    },
    get readOnly () {
      return reach?.readOnly ?? false
    },
    run$: new Observable<never>(() => {
      const sub = timer(REACH_TICK, REACH_TICK, deps.scheduler).subscribe(tick)
      return () => sub.unsubscribe()
    }),
    stats: () => ({ ...(reach?.stats() ?? { readOnly: 0 }), ...asking, probesSent: counts.probesSent, probesRefused: counts.probesRefused })
  }
}

/** How long a helper gets to answer `pc_reach` (the check itself waits REACH_PROBE_WAIT). */
const REACH_ANSWER_TIMEOUT = 2000

function noop (): void {}
