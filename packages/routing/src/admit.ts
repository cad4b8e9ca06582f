/**
 * Contacts enter the table from `transport.seen` — only a sighting that answers a query of ours.
 * A node that merely queried us is pinged back (a bounded transport.query: the transport sends an
 * address that has not answered us no more than it sent) and enters when it answers, as *inbound*:
 * it never pushes anyone out, and while a full bucket holds fewer than k/2 contacts we found, a
 * newcomer we found takes an inbound one's place. The table also refuses a contact whose subnet
 * has its share of the bucket or table (table.ts). A full bucket is never evicted blindly: its
 * oldest contact is checked by the liveness actor, at most one check per bucket at a time.
 * Only a failed check evicts it (routing.peer.removed, reason 'failed') and admits the newcomer;
 * a live one is refreshed and the newcomer dropped. Newcomers for a bucket that is already being
 * checked are dropped (no replacement cache: a live newcomer is seen again within seconds).
 */
import { catchError, EMPTY, finalize, from, ignoreElements, map, mergeMap, of, take } from 'rxjs'
import type { Observable } from 'rxjs'
import { idToHex, isLivenessResult, isLivenessStatus, isTransportFailed, isTransportSeen } from '@peerconnect/protocol'
import type { Contact, LivenessCheck, LivenessResult, Message, RoutingPeerAdded, RoutingPeerRemoved, TransportQuery,
  TransportSeen } from '@peerconnect/protocol'
import { PING_BACK_CONCURRENCY, PING_BACK_MAX, PING_BACK_WINDOW } from './constants.js'
import type { RoutingContext } from './context.js'
import { answersChanged, changed } from './context.js'
import type { AddResult } from './table.js'
import { onReadOnly } from './read-only.js'

export function onSeen (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isTransportSeen(msg)) return EMPTY
  if (msg.ro === true) return onReadOnly(msg, ctx) // BEP 43: never in the table
  const contact: Contact = { id: msg.id, host: msg.host, port: msg.port, lastSeen: ctx.deps.clock.now() }
  if (msg.rtt !== undefined) contact.rtt = msg.rtt
  if (msg.pc !== undefined) contact.pc = msg.pc
  if (msg.queried === true) return onQueried(msg, contact, ctx)
  ctx.pending.delete(idToHex(msg.id))
  const wasGood = ctx.table.good(msg.id, contact.lastSeen)
  const key = `${msg.host}:${msg.port}`
  const pinged = ctx.pingedBack.get(key)
  const inbound = pinged !== undefined && contact.lastSeen - pinged < PING_BACK_WINDOW
  return admit(ctx.table.add(contact, { inbound, ownId: true }), ctx, wasGood, inbound)
}

/**
 * A node queried us: a known contact at that address is refreshed (BEP 5: it answered before and
 * is active); anyone else is pinged back, once per PING_BACK_WINDOW, unless the table would refuse it anyway.
 */
function onQueried (msg: TransportSeen, contact: Contact, ctx: RoutingContext): Observable<Message> {
  const known = ctx.table.get(msg.id)
  if (known !== null && known.host === msg.host && known.port === msg.port) {
    const wasGood = ctx.table.good(msg.id, contact.lastSeen)
    if (ctx.table.touch(msg.id, contact.lastSeen) !== null) changed(ctx, { answers: !wasGood })
    return EMPTY
  }
  const now = contact.lastSeen
  const key = `${msg.host}:${msg.port}`
  const pinged = ctx.pingedBack.get(key)
  if (pinged !== undefined && now - pinged < PING_BACK_WINDOW) return EMPTY
  if (ctx.pingsBack >= PING_BACK_CONCURRENCY) {
    ctx.log.debug('querier not pinged back', { reason: 'too many pings back in flight', host: msg.host, port: msg.port })
    return EMPTY
  }
  const refused = ctx.table.refusal(contact, { inbound: true })
  if (refused !== undefined) {
    ctx.log.debug('querier not pinged back', { reason: refused, host: msg.host, port: msg.port })
    return EMPTY
  }
  if (pinged !== undefined) ctx.pingedBack.delete(key)
  else if (ctx.pingedBack.size >= PING_BACK_MAX) forgetOldest(ctx.pingedBack, now)
  ctx.pingedBack.set(key, now)
  ctx.pingsBack++
  const ping: TransportQuery = { type: 'transport.query', to: { host: msg.host, port: msg.port }, q: 'ping', a: {}, bounded: true }
  return ctx.deps.ask(ping).pipe(
    take(1),
    ignoreElements(),
    catchError(() => EMPTY), // silence or refused: it stays out
    finalize(() => {
      ctx.pingsBack--
    })
  )
}

function forgetOldest (pinged: Map<string, number>, now: number): void {
  for (const [key, at] of pinged) if (now - at >= PING_BACK_WINDOW) pinged.delete(key)
  if (pinged.size >= PING_BACK_MAX) pinged.delete(pinged.keys().next().value as string)
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
 * speaks.ts): after `failAfterTimeouts` of them in a row (no sighting in between) it is bad, i.e. stops being good — left out of find_node
 * and routing.closest answers, and offered
 * first when its bucket is full. It is not evicted: only a failed liveness check evicts.
 */
export function onFailed (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isTransportFailed(msg)) return EMPTY
  const byId = msg.id === undefined ? null : ctx.table.get(msg.id)
  const known = byId !== null && byId.host === msg.host && byId.port === msg.port ? byId : ctx.table.findByAddress(msg.host, msg.port)
  if (known !== null && ctx.table.markTimeout(known.id, ctx.opts.failAfterTimeouts)) {
    ctx.log.debug('contact failed after timeouts', { host: msg.host, port: msg.port })
    answersChanged(ctx) // the view drops it at once, not at the next heartbeat
  }
  return EMPTY
}

function admit (result: AddResult, ctx: RoutingContext, wasGood: boolean, inbound = false): Observable<Message> {
  if (result.kind === 'added') {
    changed(ctx, { answers: true })
    return of(added(result.contact))
  }
  if (result.kind === 'updated') {
    changed(ctx, { answers: !wasGood }) // failed or old before: good again now
    return EMPTY
  }
  if (result.kind === 'replaced') {
    changed(ctx, { answers: true })
    const removed: RoutingPeerRemoved = { type: 'routing.peer.removed', contact: result.removed, reason: 'replaced' }
    return from([removed, added(result.contact)])
  }
  if (result.kind === 'full') return inbound ? EMPTY : checkOldest(result, ctx) // an inbound contact pushes no one out
  if (result.kind === 'invalid' || result.kind === 'limited') ctx.log.debug('contact refused', { reason: result.reason })
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
    changed(ctx, { answers: true }) // a failed contact found alive is good again
    return []
  }
  ctx.table.remove(oldest.id)
  changed(ctx, { answers: true })
  const removed: RoutingPeerRemoved = { type: 'routing.peer.removed', contact: current, reason: 'failed' }
  return [removed, ...admitCandidate(candidate, ctx)]
}

function admitCandidate (candidate: Contact, ctx: RoutingContext): Message[] {
  const r = ctx.table.add(candidate)
  if (r.kind === 'replaced') {
    changed(ctx, { answers: true })
    const removed: RoutingPeerRemoved = { type: 'routing.peer.removed', contact: r.removed, reason: 'replaced' }
    return [removed, added(r.contact)]
  }
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
