/**
 * One liveness check: a UDP ping through the transport actor, then, if the ping got no answer,
 * a TCP connect to the same port (the other node listens on TCP on its UDP port number).
 * A ping answered by a *different* node id means the contact is gone: no TCP fallback then.
 */
import { catchError, defer, first, map, of, switchMap, timeout } from 'rxjs'
import type { Observable } from 'rxjs'
import { idsEqual, isTransportResponse, TRANSPORT_ERRORS } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import type { NodeId, TransportQuery } from '@peerconnect/protocol'
import { tcpProbe } from './tcp-probe.js'

export interface CheckTarget {
  readonly id: NodeId
  readonly host: string
  readonly port: number
}

/** What a check found. `checkedAt` is when it settled (ms since the epoch, from deps.clock). */
export interface CheckOutcome {
  readonly alive: boolean
  readonly via: 'udp' | 'tcp' | null
  readonly rtt: number | null
  readonly checkedAt: number
}

export interface CheckOptions {
  readonly udpTimeout: number
  readonly tcpTimeout: number
  readonly askMargin: number
  /** Try the TCP fallback (default true). */
  readonly tcp?: boolean
}

export function checkContact (target: CheckTarget, deps: Pick<ActorDeps, 'ask' | 'clock' | 'scheduler'>,
  opts: CheckOptions): Observable<CheckOutcome> {
  const outcome = (alive: boolean, via: CheckOutcome['via'], rtt: number | null): CheckOutcome => ({ alive, via, rtt,
    checkedAt: deps.clock.now() })
  return udpPing(target, deps, opts).pipe(
    switchMap(udp => {
      if (udp.kind === 'answered') return of(outcome(true, 'udp', udp.rtt))
      if (udp.kind === 'other-node' || opts.tcp === false) return of(outcome(false, null, null))
      return defer(() => {
        const t0 = deps.clock.now()
        return tcpProbe(target.host, target.port).pipe(
          timeout({ first: opts.tcpTimeout, scheduler: deps.scheduler }),
          map(() => outcome(true, 'tcp', Math.max(0, deps.clock.now() - t0))),
          catchError(() => of(outcome(false, null, null)))
        )
      })
    })
  )
}

type UdpOutcome = { kind: 'answered', rtt: number | null } | { kind: 'other-node' } | { kind: 'silent' }

function udpPing (target: CheckTarget, deps: Pick<ActorDeps, 'ask'>, opts: CheckOptions): Observable<UdpOutcome> {
  const query: TransportQuery = { type: 'transport.query', to: { host: target.host, port: target.port }, q: 'ping', a: {},
    timeout: opts.udpTimeout }
  return deps.ask(query, { timeout: opts.udpTimeout + opts.askMargin }).pipe(
    first(),
    map((m): UdpOutcome => {
      if (!isTransportResponse(m)) return { kind: 'silent' }
      return idsEqual(m.id, target.id) ? { kind: 'answered', rtt: m.rtt } : { kind: 'other-node' }
    }),
    // A KRPC error reply still proves the node is there and speaks KRPC.
    catchError((err: unknown) =>
      of<UdpOutcome>(codeOf(err) === TRANSPORT_ERRORS.REMOTE ? { kind: 'answered', rtt: null } : { kind: 'silent' })
    )
  )
}

function codeOf (err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
}
