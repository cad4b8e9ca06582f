/**
 * The actor's state snapshot: the table's contacts, emitted as `actor.snapshot` after changes
 * (at most once per `snapshotDelay`: the first change opens the window), and restored from
 * `deps.snapshot` after a restart. Restored contacts are not announced again (their
 * routing.peer.added went out before the restart). The snapshot shares the table's contact
 * objects (the table never changes one it holds): kept for a restart, a copy would cost a second
 * object per contact for the actor's whole life.
 */
import { auditTime, map } from 'rxjs'
import type { Observable } from 'rxjs'
import { isContact, isObj } from '@peerconnect/protocol'
import type { Contact, Message } from '@peerconnect/protocol'
import { SNAPSHOT_TYPE } from '@peerconnect/runtime'
import type { RoutingContext } from './context.js'

export interface RoutingState {
  /** The table's own contact objects (not copies: the snapshot lives as long as the actor; do not mutate them). */
  readonly contacts: Contact[]
}

export function snapshot$ (ctx: RoutingContext): Observable<Message> {
  return ctx.changes$.pipe(
    auditTime(ctx.opts.snapshotDelay, ctx.deps.scheduler),
    map(() => ({ type: SNAPSHOT_TYPE, state: stateOf(ctx) }))
  )
}

export function stateOf (ctx: RoutingContext): RoutingState {
  return { contacts: ctx.table.held() }
}

/** Puts a snapshot's contacts back in the table; returns how many went in (0 for no or a bad snapshot). */
export function restoreSnapshot (ctx: RoutingContext, snapshot: unknown): number {
  if (!isObj(snapshot) || !Array.isArray(snapshot.contacts)) return 0
  const contacts: unknown[] = snapshot.contacts
  let restored = 0
  for (const c of contacts) {
    if (isContact(c) && ctx.table.add(c).kind === 'added') restored++
  }
  return restored
}
