/**
 * Messages every actor and host share (the runtime's side of the actor contract):
 *
 *   actor.snapshot   actor ──▶ its host        state to keep; handed back as deps.snapshot after a restart (not routed)
 *   actor.configure  control plane ──▶ actor   a configuration patch, delivered into in$
 *   actor.cancel     asker's host ──▶ actor    the ask with cid `ask` was cancelled (unsubscribed or timed out)
 *   error            any replier ──▶ asker      a failed request: { re, end: true, error: ErrorData }
 */
import { isInt, isMessageOf, isNat, isObj, isStr } from '../guards.js'
import type { Obj } from '../guards.js'
import type { ErrorData, ErrorReply } from '../message.js'

export const ACTOR_TYPES = {
  SNAPSHOT: 'actor.snapshot',
  CONFIGURE: 'actor.configure',
  CANCEL: 'actor.cancel',
  ERROR: 'error'
} as const

/** Published by an actor whenever it wants its state kept; the host keeps only the last one. */
export type ActorSnapshot = { type: 'actor.snapshot', state: unknown }
/** A configuration patch for a running actor (plain data; the actor decides what it accepts). */
export type ActorConfigure = { type: 'actor.configure', cid?: number, patch: Obj }
/** The ask whose `cid` is `ask` was cancelled: the actor may stop working on it; later replies are dropped. */
export type ActorCancel = { type: 'actor.cancel', ask: number }

export const isActorSnapshot = isMessageOf<ActorSnapshot>('actor.snapshot', { state: () => true })
export const isActorConfigure = isMessageOf<ActorConfigure>('actor.configure', { patch: isObj })
export const isActorCancel = isMessageOf<ActorCancel>('actor.cancel', { ask: isNat })

/** An ErrorData: `name`, `code` and `message` strings. */
export function isErrorData (x: unknown): x is ErrorData {
  return isObj(x) && isStr(x.name) && isStr(x.code) && isStr(x.message)
}

/** The `error` reply of a failed request, checked from `unknown` (message.ts's isErrorReply narrows a Message). */
export function isErrorMessage (x: unknown): x is ErrorReply {
  return isObj(x) && x.type === 'error' && isInt(x.re) && x.end === true && isErrorData(x.error)
}
