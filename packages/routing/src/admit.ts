/**
 * Contacts enter the table from `transport.seen`. A full bucket is never evicted blindly: its
 * oldest contact is checked by the liveness actor, at most one check per bucket at a time.
 * Only a failed check evicts it (routing.peer.removed, reason 'failed') and admits the newcomer;
 * a live one is refreshed and the newcomer dropped. Newcomers for a bucket that is already being
 * checked are dropped (no replacement cache: a live newcomer is seen again within seconds).
 */
import { catchError, EMPTY, finalize, from, map, mergeMap, of, take } from 'rxjs'
import type { Observable } from 'rxjs'
import { idToHex, isLivenessResult, isLivenessStatus, isTransportFailed, isTransportSeen } from '@peerconnect/protocol'
import type { Contact, LivenessCheck, LivenessResult, Message, RoutingPeerAdded, RoutingPeerRemoved } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { answersChanged, changed } from './context.js'
import type { AddResult } from './table.js'

export function onSeen (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isTransportSeen(msg)) return EMPTY
  const contact: Contact = { id: msg.id, host: msg.host, port: msg.port, lastSeen: ctx.deps.clock.now() }
  if (msg.rtt !== undefined) contact.rtt = msg.rtt
  if (msg.pc !== undefined) contact.pc = msg.pc
  ctx.pending.delete(idToHex(msg.id))
  const wasGood = ctx.table.good(msg.id, contact.lastSeen)
  return admit(ctx.table.add(contact), ctx, wasGood)
}

/** A liveness status from anyone's check: a failed one stops the contact being good until it is seen again. */
export function onStatus (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isLivenessStatus(msg) || msg.alive) return EMPTY
  const known = ctx.table.get(msg.id)
  if (known !== null && known.host === msg.host && known.port === msg.port && ctx.table.markFailed(msg.id)) answersChanged(ctx)
  return EMPTY
}

/**
 * A query the contact is known to answer timed out (the transport reports no other: see its
 * speaks.ts): after `failAfterTimeouts` of them in a row (no sighting in between) it is bad, i.e. stops being good — left out of find_node and routing.closest answers, and offered
 * first when its bucket is full. It is not evicted: only a failed liveness check evicts.
 */
export function onFailed (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isTransportFailed(msg)) return EMPTY
  const byId = msg.id === undefined ? null : ctx.table.get(msg.id)
  const known = byId !== null && byId.host === msg.host && byId.port === msg.port ? byId : ctx.table.findByAddress(msg.host, msg.port)
  if (known !== null && ctx.table.markTimeout(known.id, ctx.opts.failAfterTimeouts)) {
    ctx.log.debug('contact failed after timeouts', { host: msg.host, port: msg.port })
    answersChanged(ctx)                           // the view drops it at once, not at the next heartbeat
  }
  return EMPTY
}

function admit (result: AddResult, ctx: RoutingContext, wasGood: boolean): Observable<Message> {
  if (result.kind === 'added') {
    changed(ctx, { answers: true })
    return of(added(result.contact))
  }
  if (result.kind === 'updated') {
    changed(ctx, { answers: !wasGood })             // failed or old before: good again now
    return EMPTY
  }
  if (result.kind === 'full') return checkOldest(result, ctx)
  if (result.kind === 'invalid') ctx.log.debug('contact refused', { reason: result.reason })
  return EMPTY
}

type Full = Extract<AddResult, { kind: 'full' }>

function checkOldest (full: Full, ctx: RoutingContext): Observable<Message> {
  if (ctx.checking.has(full.bucket)) return EMPTY
  ctx.checking.add(full.bucket)
  const { oldest } = full
  const check: LivenessCheck = { type: 'liveness.check', id: oldest.id, host: oldest.host, port: oldest.port }
  return ctx.deps.ask(check, { timeout: ctx.opts.checkTimeout }).pipe(
    take(1),
    map(m => (isLivenessResult(m) ? m : undefined)),
    catchError((err: unknown) => {
      ctx.log.warn('liveness check of a full bucket failed to run; keeping the old contact', { code: codeOf(err) })
      return of(undefined)
    }),
    mergeMap(result => from(settle(full, result, ctx))),
    finalize(() => ctx.checking.delete(full.bucket))
  )
}

/** What a check means for the bucket: evict and admit, or keep and refresh. */
function settle (full: Full, result: LivenessResult | undefined, ctx: RoutingContext): Message[] {
  const { oldest, candidate } = full
  const current = ctx.table.get(oldest.id)
  if (current === null) return admitCandidate(candidate, ctx)
  const seenSince = current.lastSeen > oldest.lastSeen
  if (result === undefined || seenSince) return []
  if (result.alive) {
    ctx.table.touch(oldest.id, ctx.deps.clock.now(), result.rtt ?? undefined)
    changed(ctx, { answers: true })                // a failed contact found alive is good again
    return []
  }
  ctx.table.remove(oldest.id)
  changed(ctx, { answers: true })
  const removed: RoutingPeerRemoved = { type: 'routing.peer.removed', contact: current, reason: 'failed' }
  return [removed, ...admitCandidate(candidate, ctx)]
}

function admitCandidate (candidate: Contact, ctx: RoutingContext): Message[] {
  const r = ctx.table.add(candidate)
  if (r.kind !== 'added') return []
  changed(ctx, { answers: true })
  return [added(r.contact)]
}

function added (contact: Contact): RoutingPeerAdded {
  return { type: 'routing.peer.added', contact }
}

function codeOf (err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
}
