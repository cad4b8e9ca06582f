/**
 * The asking side of correlation, one per actor (and one for the supervisor's outside callers).
 * `ask` assigns a cid unique within this asker, sends the request and streams the replies that
 * `handle` receives: each reply is emitted, `end: true` completes, an error reply errors. A
 * timeout errors with ERR_ASK_TIMEOUT; unsubscribing or timing out sends a cancel so the
 * supervisor forgets the ask. Timeouts go through the injected scheduler, one timer per
 * distinct timeout value (see deadlines.ts), not one per ask.
 */
import { Observable } from 'rxjs'
import type { SchedulerLike, Subscriber } from 'rxjs'
import { isErrorReply, toErrorData } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import type { AskOptions } from './contract.js'
import { AskTimeoutError, errorFromData } from './errors.js'
import { CANCEL_TYPE, DEFAULT_ASK_TIMEOUT } from './constants.js'
import { createDeadlines } from './deadlines.js'

export interface Asker {
  ask (msg: Message, opts?: AskOptions): Observable<Message>
  /** Takes a reply (a message with `re` = one of this asker's cids); unknown cids are dropped. */
  handle (reply: Message): void
  /** Errors every pending ask (the asker's host is going away). */
  failAll (err: Error): void
  readonly pending: number
}

/** The message that tells the supervisor an ask was abandoned. */
export interface CancelMessage extends Message {
  readonly type: typeof CANCEL_TYPE
  readonly ask: number
}

export function createAsker (send: (msg: Message) => void, scheduler: SchedulerLike, opts: { timeout?: number, nextCid?: () => number } = {}): Asker {
  const pending = new Map<number, Subscriber<Message>>()
  const deadlines = createDeadlines(scheduler)
  const defaultTimeout = opts.timeout ?? DEFAULT_ASK_TIMEOUT
  let lastCid = 0
  const nextCid = opts.nextCid ?? (() => ++lastCid)

  const ask = (msg: Message, askOpts: AskOptions = {}): Observable<Message> => new Observable<Message>(subscriber => {
    const cid = nextCid()
    const timeout = askOpts.timeout ?? defaultTimeout
    pending.set(cid, subscriber)
    const deadline = deadlines.add(timeout, () => {
      if (!pending.delete(cid)) return
      send(cancelOf(cid))
      subscriber.error(new AskTimeoutError(`no ${msg.type} reply within ${timeout} ms`))
    })
    send({ ...msg, cid })
    return () => {
      deadline.cancel()
      if (pending.delete(cid)) send(cancelOf(cid))
    }
  })

  return {
    ask,
    handle (reply) {
      const subscriber = pending.get(reply.re as number)
      if (subscriber === undefined) return
      if (isErrorReply(reply)) {
        pending.delete(reply.re)
        subscriber.error(errorFromData(toErrorData(reply.error)))
        return
      }
      if (reply.end === true) pending.delete(reply.re as number)
      subscriber.next(reply)
      if (reply.end === true) subscriber.complete()
    },
    failAll (err) {
      const subscribers = [...pending.values()]
      pending.clear()
      deadlines.clear()
      for (const s of subscribers) s.error(err)
    },
    get pending () { return pending.size }
  }
}

function cancelOf (cid: number): CancelMessage {
  return { type: CANCEL_TYPE, ask: cid }
}
