/**
 * The asking side of correlation, one per actor (and one for the supervisor's outside callers).
 * `ask` assigns a cid unique within this asker, sends the request and streams the replies that
 * `handle` receives: each reply is emitted, `end: true` completes, an error reply errors. A
 * timeout errors with ERR_ASK_TIMEOUT; unsubscribing or timing out sends a cancel so the
 * supervisor forgets the ask. Timeouts go through the injected scheduler, one timer per
 * distinct timeout value (see deadlines.ts), not one per ask. An ask lets go of its subscriber
 * once it has ended, so a deadline lane still holding it keeps no subscriber chain alive.
 */
import { Observable } from 'rxjs'
import type { SchedulerLike, Subscriber, Unsubscribable } from 'rxjs'
import { isErrorReply, toErrorData } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import type { AskOptions } from './contract.js'
import { AskTimeoutError, errorFromData } from './errors.js'
import { CANCEL_TYPE, DEFAULT_ASK_TIMEOUT } from './constants.js'
import { Timed, createDeadlines } from './deadlines.js'
import type { Deadlines } from './deadlines.js'
import { withField } from './message-copy.js'
import { withGetters } from './getters.js'

export interface Asker {
  ask(msg: Message, opts?: AskOptions): Observable<Message>
  /** Takes a reply (a message with `re` = one of this asker's cids); unknown cids are dropped. */
  handle(reply: Message): void
  /** Errors every pending ask (the asker's host is going away). */
  failAll(err: Error): void
  readonly pending: number
}

/** The message that tells the supervisor an ask was abandoned. */
export interface CancelMessage extends Message {
  readonly type: typeof CANCEL_TYPE
  readonly ask: number
}

export function createAsker (send: (msg: Message) => void, scheduler: SchedulerLike,
  opts: { timeout?: number, nextCid?: () => number } = {}): Asker {
  const pending = new Map<number, Ask>()
  const deadlines = createDeadlines(scheduler)
  const defaultTimeout = opts.timeout ?? DEFAULT_ASK_TIMEOUT
  let lastCid = 0
  const nextCid = opts.nextCid ?? (() => ++lastCid)
  const table: AskTable = { pending, deadlines, send }

  const ask = (msg: Message, askOpts: AskOptions = {}): Observable<Message> => new Observable<Message>(subscriber => {
    const a = new Ask(nextCid(), subscriber, msg.type, askOpts.timeout ?? defaultTimeout, table)
    pending.set(a.cid, a)
    deadlines.add(a.timeout, a)
    send(withField(msg, 'cid', a.cid))
    return a
  })

  const api: Omit<Asker, 'pending'> = {
    ask,
    handle (reply) {
      const a = pending.get(reply.re as number)
      const subscriber = a?.subscriber
      if (a === undefined || subscriber === undefined) return
      if (isErrorReply(reply)) {
        a.settle()
        subscriber.error(errorFromData(toErrorData(reply.error)))
        return
      }
      if (reply.end === true) a.settle()
      subscriber.next(reply)
      if (reply.end === true) subscriber.complete()
    },
    failAll (err) {
      const asks = [...pending.values()]
      pending.clear()
      deadlines.clear()
      for (const a of asks) a.release()?.error(err)
    }
  }
  return withGetters(api, { pending: () => pending.size })
}

interface AskTable {
  readonly pending: Map<number, Ask>
  readonly deadlines: Deadlines
  readonly send: (msg: Message) => void
}

/** One open ask: its deadline, and the teardown of its subscription. */
class Ask extends Timed implements Unsubscribable {
  /** Its subscriber while open; let go of once it ended (a lane may still hold the ask a while). */
  subscriber: Subscriber<Message> | undefined

  constructor (readonly cid: number, subscriber: Subscriber<Message>, readonly type: string, readonly timeout: number,
    private readonly table: AskTable) {
    super()
    this.subscriber = subscriber
  }

  /** Its subscriber, let go of. */
  release (): Subscriber<Message> | undefined {
    const s = this.subscriber
    this.subscriber = undefined
    return s
  }

  /** Answered in full: forget it without a cancel. */
  settle (): void {
    this.table.pending.delete(this.cid)
    this.table.deadlines.cancel(this)
    this.subscriber = undefined
  }

  override expire (): void {
    if (!this.table.pending.delete(this.cid)) return
    this.table.send(cancelOf(this.cid))
    this.release()?.error(new AskTimeoutError(`no ${this.type} reply within ${this.timeout} ms`))
  }

  unsubscribe (): void {
    this.table.deadlines.cancel(this)
    this.subscriber = undefined
    if (this.table.pending.delete(this.cid)) this.table.send(cancelOf(this.cid))
  }
}

function cancelOf (cid: number): CancelMessage {
  return { type: CANCEL_TYPE, ask: cid }
}
