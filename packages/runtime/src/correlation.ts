/**
 * The supervisor's table of open asks. Every ask gets a cid unique across the supervisor (askers
 * number their asks on their own, so their cids collide); the consumer sees that global cid, and
 * its replies go back to the one asker, renumbered to the asker's cid, until `end: true` or an
 * error reply. An ask is forgotten when it ends, when the asker cancels it, when the asker dies,
 * and when its consumer dies (the asker then gets an error reply).
 */
import { toErrorData } from '@peerconnect/protocol'
import type { ErrorReply, Message } from '@peerconnect/protocol'
import { withField } from './message-copy.js'
import { withGetters } from './getters.js'

/** Anyone who asks: an actor's slot, or the supervisor's outside callers. */
export interface Asking {
  readonly name: string
  deliver(msg: Message): void
}

export interface Correlation<C> {
  /** Opens an ask and returns the cid the consumer must see. */
  open(asker: Asking, askerCid: number, consumer: C): number
  /** A fresh global cid, for an asker that numbers its asks with them (no renumbering then). */
  reserve(): number
  /** Opens an ask whose asker cid is a reserved global cid. */
  openAs(cid: number, asker: Asking, consumer: C): void
  /** A reply from `consumer`: forwarded to its asker, or dropped when it is not theirs to give. */
  reply(consumer: C, msg: Message): void
  /** Forgets the ask; returns its consumer and the cid the consumer saw, so it can be told. */
  cancel(asker: Asking, askerCid: number): { consumer: C, cid: number } | undefined
  /** The ask `cid` fails with `err` (an error reply to its asker). */
  fail(cid: number, err: unknown): void
  /** Every ask `consumer` holds fails with `err`. */
  failConsumer(consumer: C, err: unknown): void
  /** Forgets the asks `asker` made (it died; nobody is waiting). */
  dropAsker(asker: Asking): void
  failAll(err: unknown): void
  readonly size: number
}

interface Open<C> {
  readonly asker: Asking
  readonly askerCid: number
  readonly consumer: C
}

export function createCorrelation<C> (): Correlation<C> {
  const open = new Map<number, Open<C>>()
  const byAsker = new Map<Asking, Map<number, number>>()
  let nextCid = 0

  const forget = (cid: number, o: Open<C>): void => {
    open.delete(cid)
    const mine = byAsker.get(o.asker)
    mine?.delete(o.askerCid)
    if (mine?.size === 0) byAsker.delete(o.asker)
  }
  const fail = (cid: number, err: unknown): void => {
    const o = open.get(cid)
    if (o === undefined) return
    forget(cid, o)
    o.asker.deliver(errorReplyTo(o.askerCid, err))
  }

  const register = (cid: number, asker: Asking, askerCid: number, consumer: C): void => {
    open.set(cid, { asker, askerCid, consumer })
    let mine = byAsker.get(asker)
    if (mine === undefined) byAsker.set(asker, mine = new Map<number, number>())
    mine.set(askerCid, cid)
  }

  const api: Omit<Correlation<C>, 'size'> = {
    open (asker, askerCid, consumer) {
      const cid = ++nextCid
      register(cid, asker, askerCid, consumer)
      return cid
    },
    reserve: () => ++nextCid,
    openAs (cid, asker, consumer) {
      register(cid, asker, cid, consumer)
    },
    reply (consumer, msg) {
      const cid = msg.re as number
      const o = open.get(cid)
      if (o === undefined || o.consumer !== consumer) return
      if (msg.end === true || msg.type === 'error') forget(cid, o)
      o.asker.deliver(o.askerCid === cid ? msg : withField(msg, 're', o.askerCid))
    },
    cancel (asker, askerCid) {
      const cid = byAsker.get(asker)?.get(askerCid)
      if (cid === undefined) return undefined
      const o = open.get(cid)!
      forget(cid, o)
      return { consumer: o.consumer, cid }
    },
    fail,
    failConsumer (consumer, err) {
      for (const [cid, o] of open) if (o.consumer === consumer) fail(cid, err)
    },
    dropAsker (asker) {
      const mine = byAsker.get(asker)
      if (mine === undefined) return
      for (const cid of mine.values()) open.delete(cid)
      byAsker.delete(asker)
    },
    failAll (err) {
      for (const cid of [...open.keys()]) fail(cid, err)
    }
  }
  return withGetters(api, { size: () => open.size })
}

function errorReplyTo (cid: number, err: unknown): ErrorReply {
  return { type: 'error', re: cid, end: true, error: toErrorData(err) }
}
