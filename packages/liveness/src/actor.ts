/**
 * The liveness actor: answers `liveness.check` asks and publishes `liveness.status` once per
 * check actually run. Checks of one peer (id + address) share a result: askers arriving while a
 * check runs join it, askers within the window after it settled get its result.
 */
import { catchError, defer, finalize, ignoreElements, map, merge, mergeMap, of, Subject, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, idToHex, isLivenessCheck, reply } from '@peerconnect/protocol'
import type { LivenessCheck, LivenessResult, LivenessStatus, Message } from '@peerconnect/protocol'
import type { ActorDeps, ActorFn } from '@peerconnect/runtime'
import { checkContact } from './check.js'
import type { CheckOutcome } from './check.js'
import { createCoalescer } from './coalescer.js'
import { ASK_MARGIN, CHECK_WINDOW, MAX_CACHED, TCP_TIMEOUT, UDP_TIMEOUT } from './constants.js'
import { InvalidCheckError } from './errors.js'

export interface LivenessInit {
  /** ms a settled result is shared with later askers (default 5 s). */
  readonly window?: number
  /** ms the UDP ping may take (default 2 s). */
  readonly udpTimeout?: number
  /** ms the TCP connect may take (default 2 s). */
  readonly tcpTimeout?: number
  /** Try a TCP connect when the ping gets no answer (default true). */
  readonly tcp?: boolean
  /** Most settled results kept (default 4096). */
  readonly maxCached?: number
}

type Handler = (msg: Message, ctx: Context) => Observable<Message>

interface Context {
  readonly deps: ActorDeps
  readonly check: (target: LivenessCheck) => Observable<CheckOutcome>
}

const HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['liveness.check', onCheck]
])

export function livenessActor (init: LivenessInit = {}): ActorFn {
  const opts = {
    udpTimeout: init.udpTimeout ?? UDP_TIMEOUT,
    tcpTimeout: init.tcpTimeout ?? TCP_TIMEOUT,
    askMargin: ASK_MARGIN,
    tcp: init.tcp ?? true
  }
  return (in$, deps) => defer(() => {
    const log = deps.log.child('liveness')
    const cache = createCoalescer<CheckOutcome>({ window: init.window ?? CHECK_WINDOW, max: init.maxCached ?? MAX_CACHED, now: () => deps.clock.now() })
    const status$ = new Subject<Message>()
    const check = (t: LivenessCheck): Observable<CheckOutcome> =>
      cache.run(keyOf(t), () => checkContact(t, deps, opts).pipe(
        tap(o => {
          log.debug('checked', { id: idToHex(t.id), host: t.host, port: t.port, alive: o.alive, via: o.via })
          status$.next(toStatus(t, o))
        })
      ))
    const ctx: Context = { deps, check }
    const answers$ = in$.pipe(
      mergeMap(msg => HANDLERS.get(msg.type)?.(msg, ctx) ?? of()),
      finalize(() => status$.complete())
    )
    return merge(status$, answers$).pipe(finalize(() => cache.clear()))
  })
}

function onCheck (msg: Message, ctx: Context): Observable<Message> {
  if (!isLivenessCheck(msg)) {
    return msg.cid === undefined ? of() : of(errorReply(msg, new InvalidCheckError('liveness.check needs id (20 bytes), host and port')))
  }
  const result$ = ctx.check(msg)
  if (msg.cid === undefined) return result$.pipe(ignoreElements(), catchError(() => of()))
  return result$.pipe(
    map(o => reply<LivenessResult>(msg, toResult(msg, o))),
    catchError((err: unknown) => of(errorReply(msg, err)))
  )
}

/** Peers are the same when id and address are. */
function keyOf (t: LivenessCheck): string {
  return `${idToHex(t.id)}@${t.host}:${t.port}`
}

function toResult (t: LivenessCheck, o: CheckOutcome): LivenessResult {
  return { type: 'liveness.result', id: t.id, host: t.host, port: t.port, alive: o.alive, via: o.via, rtt: o.rtt, checkedAt: o.checkedAt }
}

function toStatus (t: LivenessCheck, o: CheckOutcome): LivenessStatus {
  return { type: 'liveness.status', id: t.id, host: t.host, port: t.port, alive: o.alive, checkedAt: o.checkedAt }
}
