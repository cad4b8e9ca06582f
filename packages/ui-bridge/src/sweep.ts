/**
 * The sweep, every `checkInterval`: re-read the routing table (the view catches up with any
 * event it missed and with new last-seen times), retry unknown names, then ask `liveness.check`
 * about the peers not heard from for `staleAfter`, least recently seen first. A peer is shown
 * offline only after such a failed check. Failed asks are counted and skipped; the next sweep
 * starts only after this one ended.
 */
import { EMPTY, catchError, defer, exhaustMap, from, ignoreElements, mergeMap, of, takeLast, tap, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { isLivenessResult, isRoutingContactsReply, UnexpectedReplyError } from '@peerconnect/protocol'
import type { LivenessCheck, RoutingContacts } from '@peerconnect/protocol'
import type { Bridge } from './bridge.js'
import type { CheckTarget } from './peer-view.js'
import { CHECK_TIMEOUT, STATUS_TIMEOUT } from './constants.js'

export function sweep$ (bridge: Bridge): Observable<never> {
  return timer(0, bridge.settings.checkInterval, bridge.deps.scheduler).pipe(
    exhaustMap(() => sweepOnce$(bridge)),
    ignoreElements()
  )
}

/** One sweep; completes when its checks are done. */
export function sweepOnce$ (bridge: Bridge): Observable<unknown> {
  const { deps, view, settings } = bridge
  const ask: RoutingContacts = { type: 'routing.contacts' }
  return defer(() => deps.ask(ask, { timeout: STATUS_TIMEOUT })).pipe(
    takeLast(1),
    tap(reply => {
      if (!isRoutingContactsReply(reply)) return bridge.failed(ask.type, new UnexpectedReplyError(`unexpected ${reply.type}`))
      for (const e of view.sync(reply.contacts)) bridge.emit(e)
    }),
    catchError((err: unknown) => {
      bridge.failed(ask.type, err)
      return of(undefined)
    }),
    tap(() => bridge.nameUnnamed()),
    mergeMap(() => from(view.stale(deps.clock.now() - settings.staleAfter, settings.maxChecks))),
    mergeMap(target => check$(bridge, target), settings.checkConcurrency)
  )
}

/** Asks liveness about one peer and applies the result at once (the published status follows). */
export function check$ (bridge: Bridge, target: CheckTarget): Observable<unknown> {
  const ask: LivenessCheck = { type: 'liveness.check', id: target.id, host: target.host, port: target.port }
  bridge.counters.checks++
  return defer(() => bridge.deps.ask(ask, { timeout: CHECK_TIMEOUT })).pipe(
    takeLast(1),
    tap(result => {
      if (!isLivenessResult(result)) return
      if (!result.alive) bridge.counters.checksFailed++
      bridge.emit(bridge.view.checked(result))
    }),
    catchError((err: unknown) => {
      bridge.failed(ask.type, err)
      return EMPTY
    })
  )
}
