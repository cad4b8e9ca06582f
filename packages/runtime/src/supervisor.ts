/**
 * The supervisor: starts actors on a host (worker or inline), routes their messages by type,
 * correlates asks and replies, restarts a crashed actor with backoff and its last snapshot, and
 * reports per-actor metrics.
 *
 *   const sup = createSupervisor()
 *   await sup.start(routing({ k: 20 }), { host: 'worker' })
 *   sup.publish({ type: 'transport.seen', … })
 *   sup.ask({ type: 'routing.closest', target }).subscribe(…)
 *   await sup.stop()
 *
 * A published message goes to every actor consuming its type (not back to its sender) and to
 * `messages$` observers. A request (`deps.ask` / `sup.ask`) goes to one consumer, the first
 * started. Messages for an actor that is restarting wait for it (up to MAX_BACKLOG). The
 * supervisor answers `supervisor.stats` itself, and tells an actor that consumes `actor.cancel`
 * when an ask it is answering was cancelled (`{ type: 'actor.cancel', ask: <the cid it saw> }`).
 * Its watchdog (watchdog.ts) restarts an actor that stops answering its probe request.
 */
import { Observable, Subject, asyncScheduler, filter } from 'rxjs'
import type { SchedulerLike, Unsubscribable } from 'rxjs'
import { threadId as mainThreadId } from 'node:worker_threads'
import { errorReply } from '@peerconnect/protocol'
import type { AskCatalogue, AskType, Message, PublishCatalogue, PublishType, ReplyOf, RequestOf, Uncatalogued } from '@peerconnect/protocol'
import type { ActorSpec, AskOptions, Clock, ComputePool, Logger } from './contract.js'
import { SNAPSHOT_TYPE } from './contract.js'
import type { ActorHost, HostKind, StartHost } from './host.js'
import type { ActorControl } from './control.js'
import type { ActorStats, Slot } from './slot.js'
import { statsOf } from './slot.js'
import type { BackoffOptions } from './backoff.js'
import { createBackoff } from './backoff.js'
import { createCorrelation } from './correlation.js'
import type { Asking } from './correlation.js'
import { createAsker } from './asker.js'
import { createLogger } from './logger.js'
import { createComputePool } from './pool.js'
import type { LocalComputePool } from './pool.js'
import { startInlineHost } from './inline-host.js'
import { startWorkerHost } from './worker-host.js'
import { ActorNotRunningError, ActorRestartedError, ActorUnresponsiveError, BacklogFullError, DuplicateActorError, FaultsDisabledError,
  NetworkNeedsInlineError, NoConsumerError, SupervisorStoppedError, UnknownActorError } from './errors.js'
import { CANCEL_TYPE, MAX_BACKLOG, SUPERVISOR_STATS } from './constants.js'
import { withField } from './message-copy.js'
import type { DatagramNetwork } from './sim/network.js'
import { probeTypeOf, startWatch, watchdogSettings } from './watchdog.js'
import type { WatchdogOptions } from './watchdog.js'

export interface SupervisorOptions {
  /** Actor loggers are its children, named after the actor (default: createLogger('peerconnect')). */
  readonly log?: Logger
  /** The shared compute pool (default: one owned by this supervisor, closed by stop()). */
  readonly pool?: ComputePool
  /** For inline actors (worker actors use Date.now, Math.random and asyncScheduler). */
  readonly clock?: Clock
  readonly random?: () => number
  /** Inline actors' scheduler, ask timeouts and restart timers (default asyncScheduler). */
  readonly scheduler?: SchedulerLike
  /** Default ask timeout in ms for actors and outside callers (default 5 s). */
  readonly askTimeout?: number
  readonly restart?: BackoffOptions
  /** How long a worker gets to stop before it is terminated (default 2 s). */
  readonly stopTimeout?: number
  /**
   * Restart an actor that stops answering: every `interval` ms (default 10 s) it is asked its probe
   * request (`probe` in its spec, else `<name>.stats` if it consumes that) and restarted when no
   * reply comes within `deadline` ms (default 10 s). `false` turns it off.
   */
  readonly watchdog?: WatchdogOptions | false
  /**
   * Tests only: let `control(name).fault(…)` inject faults into actors (a throwing handler, an
   * uncaught error, a `process.exit` in a worker). Off by default; the CLI and the HTTP API never set it.
   */
  readonly allowFaults?: boolean
}

export interface StartOptions {
  /** Default: 'worker' when the spec names a worker module, else 'inline'. */
  readonly host?: HostKind
  /**
   * The actor's `deps.network`: a simulated datagram network (runtime's `createSimNetwork()`) it
   * opens its sockets on instead of real UDP. Inline actors only: it cannot cross to a worker.
   */
  readonly network?: DatagramNetwork
}

/**
 * `A` and `P` are the ask and publish catalogues `ask` and `publish` are typed from
 * (`@peerconnect/protocol`'s `AskCatalogue` and `PublishCatalogue` unless given; see there how
 * to add your own actors' types).
 */
export interface Supervisor<A = AskCatalogue, P = PublishCatalogue> {
  /** Starts an actor; resolves once it is ready, rejects if its first incarnation fails. */
  start(spec: ActorSpec, opts?: StartOptions): Promise<void>
  /** Sends `msg` to every actor consuming `msg.type` and to `messages$` observers. A catalogued type is checked against its message. */
  publish<T extends PublishType<P>>(msg: P[T] & { type: T }): void
  /** Any other type (a custom actor's own, or a message only known as `Message`) goes untyped. */
  publish<T extends string, M extends Message & { type: T }>(msg: M & { type: T } & Uncatalogued<T, PublishType<P>>): void
  /**
   * Asks the consumer of `msg.type`; see `ActorDeps.ask`. A catalogued type is checked against
   * its request, and the stream is typed with its replies: `ask({ type: 'routing.closest', target, n })`
   * gives `Observable<RoutingClosestReply>`.
   */
  ask<T extends AskType<A>>(msg: RequestOf<T, A> & { type: T }, opts?: AskOptions): Observable<ReplyOf<T, A>>
  /** Any other type (a custom actor's own, or a message only known as `Message`) goes untyped. */
  ask<T extends string, M extends Message & { type: T }>(msg: M & { type: T } & Uncatalogued<T, AskType<A>>,
    opts?: AskOptions): Observable<Message>
  /**
   * Published messages (from actors and from `publish`) of these catalogued types, typed:
   * `messages$(['routing.peer.added'])` gives `Observable<RoutingPeerAdded>`.
   */
  messages$<T extends PublishType<P>>(types: readonly T[]): Observable<P[T]>
  /** Every published message, or only these types (any, catalogued or not). */
  messages$(types?: readonly string[]): Observable<Message>
  stats(): ActorStats[]
  /** The control plane of an actor (it follows the actor across restarts). */
  control(name: string): ActorControl
  /** Stops one actor and forgets it. */
  remove(name: string): Promise<void>
  /** Asks open in the supervisor (a leak check). */
  pendingAsks(): number
  /** Stops every actor, terminates workers, clears timers; a second call returns the same promise. */
  stop(): Promise<void>
}

const HOSTS: Record<HostKind, StartHost> = { inline: startInlineHost, worker: startWorkerHost }

export function createSupervisor<A = AskCatalogue, P = PublishCatalogue> (opts: SupervisorOptions = {}): Supervisor<A, P> {
  const log = opts.log ?? createLogger('peerconnect')
  const scheduler = opts.scheduler ?? asyncScheduler
  const clock = opts.clock ?? { now: Date.now }
  const ownPool: LocalComputePool | undefined = opts.pool === undefined ? createComputePool() : undefined
  const pool = opts.pool ?? ownPool!
  const slots = new Map<string, Slot>()
  const consumers = new Map<string, Slot[]>()
  const correlation = createCorrelation<Slot>()
  const published$ = new Subject<Message>()
  let stopping: Promise<void> | undefined
  const watchdog = watchdogSettings(opts.watchdog)
  /** The watchdog's open probes: asks of the supervisor's own, not counted in pendingAsks(). */
  const probes = new Set<Asking>()
  /** Watchdog timers: on the injected scheduler, else unref'd (they never keep the process alive). */
  const later = (fn: () => void, ms: number): Unsubscribable => {
    if (opts.scheduler !== undefined) return opts.scheduler.schedule(fn, ms)
    const t = setTimeout(fn, ms)
    t.unref()
    return { unsubscribe: () => clearTimeout(t) }
  }

  const outside: Asking = { name: '(outside)', deliver: (msg) => asker.handle(msg) }
  const asker = createAsker((msg) => {
    if (msg.type === CANCEL_TYPE) cancel(outside, (msg as Message & { ask: number }).ask)
    else request(outside, msg)
  }, scheduler, { timeout: opts.askTimeout, nextCid: correlation.reserve })

  function deliverTo (slot: Slot, msg: Message): void {
    if (slot.host !== undefined) {
      slot.messagesIn++
      slot.host.deliver(msg)
    } else if (slot.state !== 'stopped') {
      if (slot.backlog.length < MAX_BACKLOG) slot.backlog.push(msg)
      else if (typeof msg.cid === 'number') {
        correlation.fail(msg.cid, new BacklogFullError(`actor ${slot.name} is restarting and its backlog is full`))
      }
    }
  }

  /** The asker gave up: forget the ask, and tell its consumer when it asked to be told (consumes actor.cancel). */
  function cancel (from: Asking, askerCid: number): void {
    const open = correlation.cancel(from, askerCid)
    if (open !== undefined && open.consumer.spec.consumes.includes(CANCEL_TYPE)) {
      deliverTo(open.consumer, { type: CANCEL_TYPE, ask: open.cid } as Message)
    }
  }

  function request (from: Asking, msg: Message): void {
    if (msg.type === SUPERVISOR_STATS) {
      from.deliver(
        { type: 'supervisor.stats.reply', re: msg.cid, end: true, actors: [...slots.values()].map(statsOf),
          pendingAsks: correlation.size - probes.size } as Message
      )
      return
    }
    const consumer = stopping === undefined ? consumers.get(msg.type)?.[0] : undefined
    if (consumer === undefined) {
      const err = stopping === undefined
        ? new NoConsumerError(`no actor consumes ${msg.type}`)
        : new SupervisorStoppedError('the supervisor is stopping')
      from.deliver(errorReply(msg, err))
      return
    }
    if (from === outside) correlation.openAs(msg.cid!, outside, consumer)
    deliverTo(consumer, from === outside ? msg : withField(msg, 'cid', correlation.open(from, msg.cid!, consumer)))
  }

  function publishFrom (from: Slot | undefined, msg: Message): void {
    const list = consumers.get(msg.type)
    if (list !== undefined) { for (let i = 0; i < list.length; i++) if (list[i] !== from) deliverTo(list[i]!, msg) }
    if (published$.observed) published$.next(msg)
  }

  function route (from: Slot, msg: Message): void {
    if (msg.type === CANCEL_TYPE) return cancel(from, (msg as Message & { ask: number }).ask)
    from.messagesOut++
    if (msg.type === SNAPSHOT_TYPE) from.snapshot = (msg as Message & { state?: unknown }).state
    else if (typeof msg.re === 'number') correlation.reply(from, msg)
    else if (typeof msg.cid === 'number') request(from, msg)
    else publishFrom(from, msg)
  }

  function launch (slot: Slot): void {
    const incarnation = ++slot.incarnation
    const current = (): boolean => slot.incarnation === incarnation && slot.state !== 'stopped'
    slot.state = 'starting'
    let host: ActorHost
    try {
      host = HOSTS[slot.kind](slot.spec, {
        snapshot: slot.snapshot,
        deps: { clock, random: opts.random ?? Math.random, scheduler, log: slot.log, pool,
          ...(slot.network === undefined ? {} : { network: slot.network }) },
        log: slot.log,
        askTimeout: opts.askTimeout,
        stopTimeout: opts.stopTimeout,
        allowFaults: opts.allowFaults === true,
        events: {
          send: (msg) => {
            if (current()) route(slot, msg)
          },
          ready: () => {
            if (current()) ready(slot)
          },
          crash: (err) => {
            if (current()) crash(slot, err)
          },
          complete: () => {
            if (current()) void retire(slot, new ActorNotRunningError(`actor ${slot.name} completed`))
          }
        }
      })
    } catch (err) {
      crash(slot, err)
      return
    }
    if (!current()) {
      void host.kill()
      return
    }
    slot.host = host
    slot.threadId = host.threadId
    const backlog = slot.backlog
    slot.backlog = []
    for (const msg of backlog) deliverTo(slot, msg)
  }

  function ready (slot: Slot): void {
    slot.state = 'running'
    slot.backoff.started(clock.now())
    slot.started?.resolve()
    slot.started = undefined
    watch(slot)
  }

  /** Starts the watchdog of the slot's current incarnation (when on and the actor has a probe). */
  function watch (slot: Slot): void {
    const type = probeTypeOf(slot.spec)
    if (watchdog === undefined || type === undefined) return
    const incarnation = slot.incarnation
    slot.watch?.unsubscribe()
    slot.watch = startWatch(watchdog, {
      later,
      probe (answered) {
        const forget = (): void => {
          correlation.cancel(asking, 0)
          probes.delete(asking)
        }
        const asking: Asking = { name: `${slot.name} watchdog`, deliver: () => {
          forget()
          answered()
        } }
        probes.add(asking)
        const cid = correlation.open(asking, 0, slot)
        deliverTo(slot, { type, cid })
        return forget
      },
      silent () {
        if (slot.incarnation !== incarnation || slot.state !== 'running') return
        slot.watch = undefined
        crash(slot, new ActorUnresponsiveError(`actor ${slot.name} did not answer ${type} within ${watchdog.deadline} ms`))
      }
    })
  }

  function crash (slot: Slot, err: unknown): void {
    slot.watch?.unsubscribe()
    slot.watch = undefined
    const host = slot.host
    slot.host = undefined
    slot.incarnation++
    void host?.kill()
    correlation.failConsumer(slot, new ActorRestartedError(`actor ${slot.name} crashed and is restarting`))
    correlation.dropAsker(slot)
    if (slot.started !== undefined) {
      slot.log.error('actor failed to start', { error: err })
      slot.started.reject(err)
      slot.started = undefined
      void retire(slot, new ActorNotRunningError(`actor ${slot.name} failed to start`))
      return
    }
    const delay = slot.backoff.crashed(clock.now())
    slot.restarts++
    slot.state = 'restarting'
    slot.log.warn('actor crashed; restarting', { error: err, delay, restarts: slot.restarts })
    slot.timer = scheduler.schedule(() => {
      slot.timer = undefined
      launch(slot)
    }, delay)
  }

  async function retire (slot: Slot, why: Error): Promise<void> {
    if (slot.state === 'stopped') return
    slot.state = 'stopped'
    slot.timer?.unsubscribe()
    slot.timer = undefined
    slot.watch?.unsubscribe()
    slot.watch = undefined
    slot.backlog = []
    slot.started?.reject(why)
    slot.started = undefined
    for (const type of slot.spec.consumes) {
      const rest = (consumers.get(type) ?? []).filter(s => s !== slot)
      if (rest.length > 0) consumers.set(type, rest)
      else consumers.delete(type)
    }
    correlation.failConsumer(slot, why)
    correlation.dropAsker(slot)
    const host = slot.host
    slot.host = undefined
    await host?.stop()
    slot.log.debug('actor stopped', { why: why.message })
  }

  return {
    async start (spec, startOpts = {}) {
      if (stopping !== undefined) throw new SupervisorStoppedError('the supervisor is stopping')
      if (slots.has(spec.name)) throw new DuplicateActorError(`an actor named ${spec.name} is already running`)
      const kind = startOpts.host ?? (spec.worker === undefined ? 'inline' : 'worker')
      if (startOpts.network !== undefined && kind !== 'inline') {
        throw new NetworkNeedsInlineError(`${spec.name}: a simulated network is only for an inline actor`)
      }
      const slot: Slot = {
        name: spec.name,
        spec,
        kind,
        ...(startOpts.network === undefined ? {} : { network: startOpts.network }),
        log: log.child(spec.name),
        backoff: createBackoff(opts.restart),
        state: 'starting',
        incarnation: 0,
        host: undefined,
        threadId: mainThreadId,
        restarts: 0,
        messagesIn: 0,
        messagesOut: 0,
        snapshot: undefined,
        backlog: [],
        timer: undefined,
        watch: undefined,
        started: undefined,
        deliver: (msg) => deliverTo(slot, msg)
      }
      slots.set(spec.name, slot)
      // concat, not a spread: a spread builds the array with room to grow (~150 bytes for one slot, per message type)
      for (const type of spec.consumes) consumers.set(type, (consumers.get(type) ?? []).concat(slot))
      const started = new Promise<void>((resolve, reject) => {
        slot.started = { resolve, reject }
      })
      launch(slot)
      try {
        await started
      } catch (err) {
        slots.delete(spec.name)
        throw err
      }
    },
    publish (msg: Message) {
      if (stopping === undefined) publishFrom(undefined, msg)
    },
    ask: ((msg: Message, askOpts?: AskOptions) => asker.ask(msg, askOpts)) as Supervisor<A, P>['ask'],
    messages$: ((types?: readonly string[]): Observable<Message> => {
      if (types === undefined) return published$.asObservable()
      const wanted = new Set(types)
      return published$.pipe(filter(m => wanted.has(m.type)))
    }) as Supervisor<A, P>['messages$'],
    stats: () => [...slots.values()].map(statsOf),
    control (name) {
      const slot = slots.get(name)
      if (slot === undefined) throw new UnknownActorError(`no actor named ${name}`)
      const current = (): ActorControl => {
        if (slot.host === undefined || slot.state !== 'running') throw new ActorNotRunningError(`actor ${name} is ${slot.state}`)
        return slot.host.control
      }
      return {
        stats: async () => current().stats(),
        snapshot: async () => current().snapshot(),
        configure: async (patch) => current().configure(patch),
        fault: async (fault) => {
          if (opts.allowFaults !== true) {
            throw new FaultsDisabledError('faults are not allowed: the supervisor was started without allowFaults')
          }
          await current().fault(fault)
        }
      }
    },
    async remove (name) {
      const slot = slots.get(name)
      if (slot === undefined) throw new UnknownActorError(`no actor named ${name}`)
      await retire(slot, new ActorNotRunningError(`actor ${name} was removed`))
      slots.delete(name)
    },
    pendingAsks: () => correlation.size - probes.size,
    stop () {
      stopping ??= (async () => {
        const err = new SupervisorStoppedError('the supervisor stopped')
        await Promise.all([...slots.values()].map(async slot => retire(slot, err)))
        correlation.failAll(err)
        asker.failAll(err)
        published$.complete()
        await ownPool?.close()
      })()
      return stopping
    }
  }
}
