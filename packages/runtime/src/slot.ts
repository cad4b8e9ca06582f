/**
 * One actor under supervision: its spec and host kind, the current incarnation (if any), the
 * counters and the last snapshot, which all outlive restarts.
 */
import type { Subscription, Unsubscribable } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import type { ActorSpec, Logger } from './contract.js'
import type { ActorHost, HostKind } from './host.js'
import type { Backoff } from './backoff.js'
import type { Asking } from './correlation.js'
import type { DatagramNetwork } from './sim/network.js'

export type ActorState = 'running' | 'restarting' | 'stopped'

/** Per-actor metrics, as `supervisor.stats()` reports them. */
export interface ActorStats {
  readonly name: string
  readonly host: HostKind
  readonly threadId: number
  readonly restarts: number
  readonly messagesIn: number
  readonly messagesOut: number
  readonly queueDepth: number
  readonly state: ActorState
}

export interface Slot extends Asking {
  readonly spec: ActorSpec
  readonly kind: HostKind
  /** The simulated network given at start (inline actors only), handed to each incarnation as `deps.network`. */
  readonly network?: DatagramNetwork
  readonly log: Logger
  readonly backoff: Backoff
  /** 'starting' until the incarnation is ready. */
  state: 'starting' | 'running' | 'restarting' | 'stopped'
  /** Bumped per incarnation: events of an older one are ignored. */
  incarnation: number
  host: ActorHost | undefined
  threadId: number
  restarts: number
  messagesIn: number
  messagesOut: number
  snapshot: unknown
  /** Messages that arrived while restarting. */
  backlog: Message[]
  timer: Subscription | undefined
  /** The watchdog of the running incarnation, if the actor is watched. */
  watch: Unsubscribable | undefined
  /** Settles `start()` on the first ready (or the first failure). */
  started: { resolve(): void, reject(err: unknown): void } | undefined
}

export function statsOf (slot: Slot): ActorStats {
  return {
    name: slot.spec.name,
    host: slot.kind,
    threadId: slot.threadId,
    restarts: slot.restarts,
    messagesIn: slot.messagesIn,
    messagesOut: slot.messagesOut,
    queueDepth: slot.backlog.length + (slot.host?.queueDepth() ?? 0),
    state: slot.state === 'starting' ? (slot.restarts > 0 ? 'restarting' : 'running') : slot.state
  }
}
