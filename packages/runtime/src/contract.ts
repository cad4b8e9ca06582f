/**
 * The actor contract. An actor is a pure stream function over messages, built by a factory from
 * plain-data configuration. It is written with the actor kit (kit.ts), where a handler table is
 * the actor:
 *
 *   export const liveness = defineActor({
 *     name: 'liveness',
 *     worker: new URL('./worker.js', import.meta.url),
 *     context: (init: LivenessInit, deps, emit) => …,      // the state the handlers share
 *     handlers: { 'liveness.check': onCheck }                // consumes = these + actor.cancel
 *   })
 *   supervisor.start(liveness({ window: 5000 }), { host: 'worker' })
 *
 * `in$` carries the messages of the consumed types (and only those); `out$` carries published
 * messages and replies (messages with `re`). Requests to other actors go through `deps.ask`.
 * Per-request failures are reply values (`errorReply`; the kit turns a throwing handler into
 * one); only a fatal error errors `out$`, and the supervisor then restarts the actor with its
 * last snapshot. Actor code cannot tell which host it runs on.
 */
import type { Observable, SchedulerLike } from 'rxjs'
import type { DatagramNetwork } from './sim/network.js'
import type { Message } from '@peerconnect/protocol'
import type { ActorDefinition } from './kit.js'
import { kitSpec } from './kit.js'

export interface Clock {
  now(): number
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  child(namespace: string): Logger
}

/** The shared piscina pool: `task` names a module (file URL) exporting `name` as a function. */
export interface ComputePool {
  run<R = unknown>(task: { module: string, name?: string }, arg: unknown, opts?: { signal?: AbortSignal }): Promise<R>
}

export interface AskOptions {
  /** ms until the ask errors with code ERR_ASK_TIMEOUT (default 5000). For streams: until `end`. */
  readonly timeout?: number
}

export interface ActorDeps {
  readonly name: string
  readonly clock: Clock
  readonly random: () => number
  readonly scheduler: SchedulerLike
  readonly log: Logger
  readonly pool: ComputePool
  /**
   * Sends a request to the actor that consumes `msg.type` and streams its replies: each reply
   * is emitted, the stream completes after the reply with `end: true`, an error reply errors it
   * (an Error with the reply's name/code/message), and so do a timeout (ERR_ASK_TIMEOUT) and a
   * type nobody consumes (ERR_NO_CONSUMER). Unsubscribing cancels: later replies are dropped.
   */
  ask(msg: Message, opts?: AskOptions): Observable<Message>
  /** The last `actor.snapshot` state this actor emitted before it was restarted, if any. */
  readonly snapshot: unknown
  /** A simulated datagram network to open sockets on instead of real UDP (inline actors started with one; see `StartOptions.network`). */
  readonly network?: DatagramNetwork
}

export type ActorFn = (in$: Observable<Message>, deps: ActorDeps) => Observable<Message>

export interface ActorSpec {
  readonly name: string
  readonly consumes: readonly string[]
  /** The module that runs this actor in a worker (`runActor(factory)`), for the worker host. */
  readonly worker?: URL | string
  /** The plain-data configuration the actor was made with (sent to the worker as is). */
  readonly init: unknown
  readonly run: ActorFn
  /**
   * The request the supervisor's watchdog asks to see that the actor still answers (any reply
   * will do). Default: `<name>.stats` when the actor consumes it; `false`: not watched.
   */
  readonly probe?: string | false
}

export type ActorFactory<Init> = ((init: Init) => ActorSpec) & { readonly actorName: string }

/**
 * An actor emits `{ type: 'actor.snapshot', state }` whenever it wants its state kept; the host
 * keeps the last one (it is not routed) and hands it back as `deps.snapshot` after a restart.
 */
export const SNAPSHOT_TYPE = 'actor.snapshot'

/** An actor written as a whole stream function (the kit's handler table is the usual way: see kit.ts). */
export interface StreamActorDefinition<Init> {
  readonly name: string
  readonly consumes: readonly string[]
  readonly worker?: URL | string
  readonly probe?: string | false
  readonly create: (init: Init) => ActorFn
}

/**
 * Makes an actor factory. With `handlers` (the kit, kit.ts) the handler table is the actor:
 * `consumes` is derived from it and the kit runs each message in isolation. With `consumes` and
 * `create`, the stream function is given whole.
 */
export function defineActor<Init, Ctx> (def: ActorDefinition<Init, Ctx>): ActorFactory<Init>
export function defineActor<Init> (def: StreamActorDefinition<Init>): ActorFactory<Init>
export function defineActor<Init, Ctx> (def: ActorDefinition<Init, Ctx> | StreamActorDefinition<Init>): ActorFactory<Init> {
  const factory = 'handlers' in def
    ? (init: Init): ActorSpec => kitSpec(def, init)
    : (init: Init): ActorSpec => ({
      name: def.name,
      consumes: def.consumes,
      worker: def.worker,
      ...(def.probe === undefined ? {} : { probe: def.probe }),
      init,
      run: def.create(init)
    })
  return Object.assign(factory, { actorName: def.name })
}
