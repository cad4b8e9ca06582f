/**
 * The actor kit: a handler table is the actor. The kit derives `consumes` from the table, runs
 * every message through its handler in isolation, answers what it cannot handle, cancels a
 * request on `actor.cancel`, and runs the background streams, restore and stop hooks every actor
 * used to wire itself:
 *
 *   export const liveness = defineActor({
 *     name: 'liveness',
 *     worker: new URL('./worker.js', import.meta.url),
 *     context: (init: LivenessInit, deps, emit) => createContext(init, deps, emit),
 *     handlers: { 'liveness.check': onCheck },
 *     stop: ctx => ctx.cache.clear()
 *   })
 *
 * One run of the actor: `context(init, deps, emit)` makes the state its handlers share (a throw
 * there fails the start); `restore(ctx, deps.snapshot)` runs when the host handed a snapshot
 * back; `background(ctx)` streams run until `in$` completes (timers, snapshots, saving); every
 * message goes to `handlers[msg.type](msg, ctx)`; `stop(ctx)` runs once when the run ends (in$
 * completed and every handler settled, or unsubscribed).
 *
 * Isolation: a handler that throws, or whose observable errors, ends only its own message. A
 * request (a message with `cid`) is answered with an error reply carrying the error's `code`
 * (ERR_HANDLER when it has none); a published message is dropped. Either way it is logged once
 * (debug for an error with a code, an expected refusal; warn for one without, a bug) and the
 * actor keeps running. Only `context` throwing and a background stream erroring are fatal
 * (the supervisor restarts the actor with its last snapshot).
 */
import { defer, EMPTY, finalize, merge, Observable, Subject, takeUntil } from 'rxjs'
import type { Subscriber, Subscription, TeardownLogic } from 'rxjs'
import { errorReply } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import type { ActorDeps, ActorFn, ActorSpec } from './contract.js'
import { SNAPSHOT_TYPE } from './contract.js'
import { CANCEL_TYPE } from './constants.js'
import { FaultInjectedError, UnknownTypeError } from './errors.js'

/**
 * The test-only fault message (see `allowFaults` in the supervisor options). The host delivers
 * `{ type: 'actor.fault', kind: 'throw', on }` to a kit actor, which then throws inside the
 * handler of its next message of type `on`.
 */
export const FAULT_TYPE = 'actor.fault'

/**
 * A fault a test injects into a running actor (`supervisor.control(name).fault(f)`, only with
 * `allowFaults`): `throw` makes the kit throw inside the handler of the next message of type `on`
 * (the asker gets an ERR_FAULT_INJECTED error reply, the actor keeps running); `uncaught` throws
 * an uncaught error from a timer on the actor's thread (inline host: the incarnation fails); `exit`
 * calls `process.exit(code)` in the actor's worker (worker host only).
 */
export type ActorFault =
  | { readonly kind: 'throw', readonly on: string }
  | { readonly kind: 'uncaught' }
  | { readonly kind: 'exit', readonly code?: number }

export function isActorFault (x: unknown): x is ActorFault {
  const f = x as { kind?: unknown, on?: unknown, code?: unknown } | null
  if (typeof f !== 'object' || f === null) return false
  if (f.kind === 'throw') return typeof f.on === 'string'
  if (f.kind === 'exit') return f.code === undefined || (typeof f.code === 'number' && Number.isInteger(f.code))
  return f.kind === 'uncaught'
}

/**
 * What a handler returns: the replies (and messages to publish) for this message, or nothing.
 * A request's last reply has `end: true` (`reply(msg, body)`); a stream sends `reply(msg, body, false)` first.
 */
export type HandlerResult = Observable<Message> | undefined | void

/** Handles one message of its type, with the run's shared context. */
export type Handler<Ctx> = (msg: Message, ctx: Ctx) => HandlerResult

/** Sends a message on `out$` (a published one, or a snapshot) outside of any handler's reply. */
export type Emit = (msg: Message) => void

export interface ActorDefinition<Init, Ctx> {
  readonly name: string
  /** The module that runs this actor in a worker (`runActor(factory)`). */
  readonly worker?: URL | string
  /** The watchdog's probe request; see `ActorSpec.probe`. */
  readonly probe?: string | false
  /** The message types the actor handles, each with its handler: this is `consumes` (plus `actor.cancel`). */
  readonly handlers: Readonly<Record<string, Handler<Ctx>>>
  /** The state the handlers share during one run, made from init and deps. Throwing fails the start. */
  readonly context: (init: Init, deps: ActorDeps, emit: Emit) => Ctx
  /** Puts back the state of `deps.snapshot` (only called when there is one). */
  readonly restore?: (ctx: Ctx, snapshot: unknown) => void
  /** Streams that run beside the handlers until `in$` completes: timers, snapshots, saving. An error is fatal. */
  readonly background?: (ctx: Ctx) => Observable<Message> | ReadonlyArray<Observable<Message>>
  /** Runs once when the run ends (release timers, close servers, save). */
  readonly stop?: (ctx: Ctx) => void
}

/** `{ type: 'actor.snapshot', state }`: emit it (or return it from a background stream) to have `state` kept across a restart. */
export function snapshotMessage (state: unknown): Message {
  return { type: SNAPSHOT_TYPE, state } as Message
}

/** The message types an actor built from `handlers` consumes: its handlers' and `actor.cancel`. */
export function consumesOf (handlers: Readonly<Record<string, unknown>>): readonly string[] {
  const types = Object.keys(handlers)
  return types.includes(CANCEL_TYPE) ? types : [...types, CANCEL_TYPE]
}

/** The stream function of an actor built from a definition (what `defineActor` puts in `spec.run`). */
export function kitActor<Init, Ctx> (def: ActorDefinition<Init, Ctx>, init: Init): ActorFn {
  const handlers = def.handlers
  return (in$, deps) => defer((): Observable<Message> => {
    const log = deps.log
    const emitted$ = new Subject<Message>()
    const ctx = def.context(init, deps, (msg) => emitted$.next(msg))
    if (deps.snapshot !== undefined && def.restore !== undefined) def.restore(ctx, deps.snapshot)

    /** Open requests by cid: `actor.cancel` ends the one it names (its handler is unsubscribed). */
    const open = new Map<number, Running>()
    /** Message types whose next handler call throws (the `throw` fault). */
    const armed = new Set<string>()

    /** Logs a handler's failure; the error reply to send when `msg` is a request. */
    const failed = (msg: Message, err: unknown): Message | undefined => {
      const code = codeOf(err)
      // An error with a code is an expected refusal (a bad request …); one without is a bug.
      if (code === undefined) log.warn('handler failed', { type: msg.type, code: 'ERR_HANDLER', error: err })
      else log.debug('handler failed', { type: msg.type, code, error: err })
      if (typeof msg.cid !== 'number') return undefined
      return errorReply(msg, code === undefined ? handlerError(err) : err)
    }

    // Background first (its streams are listening before any handler runs), then the handlers.
    const background = def.background?.(ctx) ?? []
    const streams: ReadonlyArray<Observable<Message>> = Array.isArray(background) ? background : [background as Observable<Message>]
    const inputDone$ = new Subject<void>()
    const background$ = streams.length === 0 ? EMPTY : merge(...streams).pipe(takeUntil(inputDone$))
    const answers$ = new Observable<Message>(subscriber => answerAll(subscriber))
      .pipe(finalize(() => emitted$.complete()))

    /**
     * Every message through its handler, each handler's stream subscribed at once and its
     * messages passed straight on (what `in$.pipe(mergeMap(handle))` did, without an operator
     * chain, a wrapper observable per request and a subscription per empty result: this runs for
     * every message an actor takes). Completes when `in$` has and every open handler stream ended.
     */
    function answerAll (subscriber: Subscriber<Message>): TeardownLogic {
      /** Open handler streams: ended or cancelled ones leave. */
      const running = new Set<Running>()
      let inputDone = false
      const checkDone = (): void => {
        if (inputDone && running.size === 0) subscriber.complete()
      }
      const close = (r: Running): void => {
        if (r.closed) return
        r.closed = true
        if (r.cid !== undefined && open.get(r.cid) === r) open.delete(r.cid)
        running.delete(r)
        r.sub?.unsubscribe()
        checkDone()
      }
      const fail = (msg: Message, err: unknown): void => {
        const reply = failed(msg, err)
        if (reply !== undefined) subscriber.next(reply)
      }
      const take = (msg: Message): void => {
        if (msg.type === CANCEL_TYPE) {
          const ask = (msg as Message & { ask?: unknown }).ask
          const r = typeof ask === 'number' ? open.get(ask) : undefined
          if (r !== undefined) close(r)
          return
        }
        if (msg.type === FAULT_TYPE) {
          const on = (msg as Message & { on?: unknown }).on
          if (typeof on === 'string') armed.add(on)
          return
        }
        const handler = Object.hasOwn(handlers, msg.type) ? handlers[msg.type] : undefined
        if (handler === undefined) {
          if (typeof msg.cid === 'number') subscriber.next(errorReply(msg, new UnknownTypeError(`${def.name} does not answer ${msg.type}`)))
          return
        }
        let out$: Observable<Message>
        try {
          if (armed.size > 0 && armed.delete(msg.type)) throw new FaultInjectedError(`fault injected in the ${msg.type} handler`)
          const result = handler(msg, ctx)
          if (result === undefined || result === null) return
          out$ = result
        } catch (err) {
          fail(msg, err)
          return
        }
        // A request is open under its cid until its stream ends, so `actor.cancel` can end it.
        const r: Running = { cid: typeof msg.cid === 'number' ? msg.cid : undefined, sub: undefined, closed: false }
        running.add(r)
        if (r.cid !== undefined) open.set(r.cid, r)
        const sub = out$.subscribe({
          next: (m) => {
            if (!r.closed) subscriber.next(m)
          },
          error: (err: unknown) => {
            if (r.closed) return
            fail(msg, err)
            close(r)
          },
          complete: () => close(r)
        })
        if (r.closed) sub.unsubscribe()
        else r.sub = sub
      }
      const input = in$.subscribe({
        next: (msg) => {
          try {
            take(msg)
          } catch (err) {
            subscriber.error(err)
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          inputDone = true
          inputDone$.next()
          checkDone()
        }
      })
      return () => {
        input.unsubscribe()
        for (const r of [...running]) {
          r.closed = true
          r.sub?.unsubscribe()
        }
        running.clear()
      }
    }

    return merge(emitted$, background$, answers$).pipe(finalize(() => {
      emitted$.complete()
      open.clear()
      def.stop?.(ctx)
    }))
  })
}

/** An actor spec from a definition: `consumes` from the handlers, `run` from the kit. */
export function kitSpec<Init, Ctx> (def: ActorDefinition<Init, Ctx>, init: Init): ActorSpec {
  return {
    name: def.name,
    consumes: consumesOf(def.handlers),
    worker: def.worker,
    ...(def.probe === undefined ? {} : { probe: def.probe }),
    init,
    run: kitActor(def, init)
  }
}

/** One handler stream still open. */
interface Running {
  readonly cid: number | undefined
  sub: Subscription | undefined
  closed: boolean
}

function codeOf (err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : undefined
}

/** A handler's error without a code, as reply data: its name and message, code ERR_HANDLER. */
function handlerError (err: unknown): { name: string, code: string, message: string } {
  const e = err as { name?: unknown, message?: unknown } | null
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    code: 'ERR_HANDLER',
    message: typeof e?.message === 'string' ? e.message : String(err)
  }
}
