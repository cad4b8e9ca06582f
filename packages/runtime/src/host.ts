/**
 * What the supervisor needs from a host (one incarnation of one actor), and what a host tells
 * the supervisor. The inline host and the worker host implement it identically.
 */
import type { Message } from '@peerconnect/protocol'
import type { ActorSpec } from './contract.js'
import type { BaseDeps } from './actor-core.js'
import type { ActorControl } from './control.js'
import type { Logger } from './contract.js'

export const HOST_KINDS = ['worker', 'inline'] as const
export type HostKind = typeof HOST_KINDS[number]

export interface ActorHost {
  readonly kind: HostKind
  readonly threadId: number
  readonly control: ActorControl
  /** Queues one message for the actor (published, a request, a reply to one of its asks). */
  deliver(msg: Message): void
  /** Messages handed to this host that the actor has not taken yet. */
  queueDepth(): number
  /** Stops the actor cleanly (in$ completes, out$ is unsubscribed, the worker exits). */
  stop(): Promise<void>
  /** Tears a crashed incarnation down at once. */
  kill(): Promise<void>
}

export interface HostEvents {
  /** Every message the actor sends: out$ (published, replies, snapshots) and its asks and cancels. */
  send(msg: Message): void
  /** The actor is ready to take messages. */
  ready(): void
  /** The incarnation died: out$ errored, the worker threw or exited. */
  crash(err: unknown): void
  /** out$ completed on its own. */
  complete(): void
}

export interface HostOptions {
  readonly snapshot: unknown
  readonly deps: BaseDeps
  readonly log: Logger
  readonly askTimeout?: number
  readonly stopTimeout?: number
  /** Let the control plane inject test faults (the supervisor's `allowFaults`). */
  readonly allowFaults?: boolean
  readonly events: HostEvents
}

export type StartHost = (spec: ActorSpec, opts: HostOptions) => ActorHost
