/**
 * One incarnation of an actor on the thread that runs it, the same on both hosts: builds
 * `in$` and `deps`, subscribes to `out$`, routes incoming replies to the actor's asker and
 * everything else into `in$`, remembers the last snapshot, and counts.
 */
import { threadId } from 'node:worker_threads'
import { Subject } from 'rxjs'
import type { Subscription } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import type { ActorDeps, ActorSpec } from './contract.js'
import { SNAPSHOT_TYPE } from './contract.js'
import { createAsker } from './asker.js'
import { CONFIGURE_TYPE } from './constants.js'
import { FAULT_TYPE, isActorFault } from './kit.js'
import type { ActorFault } from './kit.js'
import { BadFaultError, FaultInjectedError, FaultsDisabledError } from './errors.js'

/** The collaborators a host gives every actor (all of `ActorDeps` but name, ask and snapshot). */
export type BaseDeps = Pick<ActorDeps, 'clock' | 'random' | 'scheduler' | 'log' | 'pool' | 'network'>

/** What an actor's own thread knows about it (the control plane's `stats()`). */
export interface ActorThreadStats {
  readonly name: string
  readonly threadId: number
  readonly messagesIn: number
  readonly messagesOut: number
  readonly pendingAsks: number
}

export interface ActorCore {
  deliver(msg: Message): void
  configure(patch: unknown): void
  snapshot(): unknown
  stats(): ActorThreadStats
  /** Injects a test fault (throws FaultsDisabledError without `allowFaults`, BadFaultError for one the host cannot do). */
  fault(fault: ActorFault): void
  /** Completes `in$` and unsubscribes `out$` (releasing the actor's timers). */
  stop(): void
}

export interface ActorCoreOptions {
  readonly deps: BaseDeps
  readonly snapshot: unknown
  readonly askTimeout?: number
  /** Everything the actor sends: its `out$` and its asks and cancels. */
  readonly send: (msg: Message) => void
  readonly onFatal: (err: unknown) => void
  readonly onComplete: () => void
  /** Let `fault()` inject faults (tests only; default false). */
  readonly allowFaults?: boolean
  /**
   * How this thread really crashes (the worker host): an uncaught error, a `process.exit`.
   * Without it (the inline host) `uncaught` fails the incarnation and `exit` is refused.
   */
  readonly crash?: { uncaught(err: Error): void, exit(code: number): void }
}

export function createActorCore (spec: ActorSpec, opts: ActorCoreOptions): ActorCore {
  const in$ = new Subject<Message>()
  const asker = createAsker(opts.send, opts.deps.scheduler, { timeout: opts.askTimeout })
  let lastSnapshot = opts.snapshot
  let messagesIn = 0
  let messagesOut = 0
  let stopped = false
  const deps: ActorDeps = { ...opts.deps, name: spec.name, ask: asker.ask, snapshot: opts.snapshot }

  let subscription: Subscription | undefined
  try {
    subscription = spec.run(in$.asObservable(), deps).subscribe({
      next (msg) {
        messagesOut++
        if (msg.type === SNAPSHOT_TYPE) lastSnapshot = (msg as Message & { state?: unknown }).state
        opts.send(msg)
      },
      error (err) {
        if (!stopped) opts.onFatal(err)
      },
      complete () {
        if (!stopped) opts.onComplete()
      }
    })
  } catch (err) {
    opts.onFatal(err)
  }

  const deliver = (msg: Message): void => {
    if (stopped) return
    messagesIn++
    if (typeof msg.re === 'number' && msg.cid === undefined) asker.handle(msg)
    else in$.next(msg)
  }

  return {
    deliver,
    configure: (patch) => deliver({ type: CONFIGURE_TYPE, patch } as Message),
    snapshot: () => lastSnapshot,
    stats: () => ({ name: spec.name, threadId, messagesIn, messagesOut, pendingAsks: asker.pending }),
    fault (fault) {
      if (opts.allowFaults !== true) throw new FaultsDisabledError(`faults are not allowed (actor ${spec.name})`)
      if (!isActorFault(fault)) {
        throw new BadFaultError('a fault is { kind: \'throw\', on } | { kind: \'uncaught\' } | { kind: \'exit\', code? }')
      }
      if (fault.kind === 'throw') {
        if (!spec.consumes.includes(fault.on)) throw new BadFaultError(`actor ${spec.name} does not consume ${fault.on}`)
        deliver({ type: FAULT_TYPE, on: fault.on } as Message)
      } else if (fault.kind === 'uncaught') {
        const err = new FaultInjectedError(`uncaught error injected in actor ${spec.name}`)
        if (opts.crash === undefined) opts.onFatal(err)
        else opts.crash.uncaught(err)
      } else {
        if (opts.crash === undefined) throw new BadFaultError('exit needs the worker host (process.exit would end the whole process)')
        opts.crash.exit(fault.code ?? 1)
      }
    },
    stop () {
      if (stopped) return
      stopped = true
      in$.complete()
      subscription?.unsubscribe()
    }
  }
}
