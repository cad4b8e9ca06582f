/**
 * The liveness actor: answers `liveness.check` asks and publishes `liveness.status` once per
 * check actually run. Checks of one peer (id + address) share a result: askers arriving while a
 * check runs join it, askers within the window after it settled get its result.
 */
import { catchError, EMPTY, ignoreElements, map, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import { idToHex, isLivenessCheck, reply } from '@peerconnect/protocol'
import type { LivenessCheck, LivenessResult, LivenessStatus, Message } from '@peerconnect/protocol'
import { kitActor } from '@peerconnect/runtime'
import type { ActorDefinition, ActorDeps, ActorFn, Emit } from '@peerconnect/runtime'
import { checkContact } from './check.js'
import type { CheckOutcome } from './check.js'
import { createCoalescer } from './coalescer.js'
import type { Coalescer } from './coalescer.js'
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

/** What the handler shares during one run: deps, the check cache, the checks themselves. */
export interface LivenessContext {
  readonly deps: ActorDeps
  readonly cache: Coalescer<CheckOutcome>
  /** The outcome of a check of `target`, shared with concurrent and recent checks of the same peer. */
  readonly check: (target: LivenessCheck) => Observable<CheckOutcome>
}

/** The liveness actor: one handler; a status is published per check actually run. */
export const livenessDefinition = {
  name: 'liveness',
  worker: new URL('./worker.js', import.meta.url),
  context: createContext,
  handlers: {
    'liveness.check': onCheck
  },
  stop: (ctx) => ctx.cache.clear()
} satisfies ActorDefinition<LivenessInit, LivenessContext>

/** The actor's stream function (for tests that drive it without a supervisor). */
export function livenessActor (init: LivenessInit = {}): ActorFn {
  return kitActor(livenessDefinition, init)
}

function createContext (init: LivenessInit, deps: ActorDeps, emit: Emit): LivenessContext {
  const opts = {
    udpTimeout: init.udpTimeout ?? UDP_TIMEOUT,
    tcpTimeout: init.tcpTimeout ?? TCP_TIMEOUT,
    askMargin: ASK_MARGIN,
    tcp: init.tcp ?? true
  }
  const log = deps.log.child('liveness')
  const cache = createCoalescer<CheckOutcome>({ window: init.window ?? CHECK_WINDOW, max: init.maxCached ?? MAX_CACHED,
    now: () => deps.clock.now() })
  const check = (t: LivenessCheck): Observable<CheckOutcome> =>
    cache.run(keyOf(t), () =>
      checkContact(t, deps, opts).pipe(
        tap(o => {
          log.debug('checked', { id: idToHex(t.id), host: t.host, port: t.port, alive: o.alive, via: o.via })
          emit(toStatus(t, o))
        })
      ))
  return { deps, cache, check }
}

/** `liveness.check {id, host, port}`: replies liveness.result; a published check (no cid) only runs. */
function onCheck (msg: Message, ctx: LivenessContext): Observable<Message> | undefined {
  if (!isLivenessCheck(msg)) {
    if (msg.cid === undefined) return undefined
    throw new InvalidCheckError('liveness.check needs id (20 bytes), host and port')
  }
  const result$ = ctx.check(msg)
  if (msg.cid === undefined) return result$.pipe(ignoreElements(), catchError(() => EMPTY))
  return result$.pipe(map(o => reply<LivenessResult>(msg, toResult(msg, o))))
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
