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

/** The collaborators a host gives every actor (all of `ActorDeps` but name, ask and snapshot). */
export type BaseDeps = Pick<ActorDeps, 'clock' | 'random' | 'scheduler' | 'log' | 'pool'>

/** What an actor's own thread knows about it (the control plane's `stats()`). */
export interface ActorThreadStats {
  readonly name: string
  readonly threadId: number
  readonly messagesIn: number
  readonly messagesOut: number
  readonly pendingAsks: number
}

export interface ActorCore {
  deliver (msg: Message): void
  configure (patch: unknown): void
  snapshot (): unknown
  stats (): ActorThreadStats
  /** Completes `in$` and unsubscribes `out$` (releasing the actor's timers). */
  stop (): void
}

export interface ActorCoreOptions {
  readonly deps: BaseDeps
  readonly snapshot: unknown
  readonly askTimeout?: number
  /** Everything the actor sends: its `out$` and its asks and cancels. */
  readonly send: (msg: Message) => void
  readonly onFatal: (err: unknown) => void
  readonly onComplete: () => void
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
      error (err) { if (!stopped) opts.onFatal(err) },
      complete () { if (!stopped) opts.onComplete() }
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
    stop () {
      if (stopped) return
      stopped = true
      in$.complete()
      subscription?.unsubscribe()
    }
  }
}
