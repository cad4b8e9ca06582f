/**
 * One error class per condition, each with a `name` and a stable `code`. Code and tests check
 * `code` (or `name`), never `instanceof`: errors cross threads as data (`ErrorData`).
 */
import type { ErrorData } from '@peerconnect/protocol'

export class AskTimeoutError extends Error {
  override readonly name = 'AskTimeoutError'
  readonly code = 'ERR_ASK_TIMEOUT'
}

export class NoConsumerError extends Error {
  override readonly name = 'NoConsumerError'
  readonly code = 'ERR_NO_CONSUMER'
}

export class ActorRestartedError extends Error {
  override readonly name = 'ActorRestartedError'
  readonly code = 'ERR_ACTOR_RESTARTED'
}

export class ActorNotRunningError extends Error {
  override readonly name = 'ActorNotRunningError'
  readonly code = 'ERR_ACTOR_NOT_RUNNING'
}

export class UnknownActorError extends Error {
  override readonly name = 'UnknownActorError'
  readonly code = 'ERR_UNKNOWN_ACTOR'
}

export class DuplicateActorError extends Error {
  override readonly name = 'DuplicateActorError'
  readonly code = 'ERR_DUPLICATE_ACTOR'
}

export class SupervisorStoppedError extends Error {
  override readonly name = 'SupervisorStoppedError'
  readonly code = 'ERR_SUPERVISOR_STOPPED'
}

export class NoWorkerEntryError extends Error {
  override readonly name = 'NoWorkerEntryError'
  readonly code = 'ERR_NO_WORKER_ENTRY'
}

export class WorkerExitError extends Error {
  override readonly name = 'WorkerExitError'
  readonly code = 'ERR_WORKER_EXIT'
}

/** The watchdog's probe got no reply within its deadline: the actor is restarted. */
export class ActorUnresponsiveError extends Error {
  override readonly name = 'ActorUnresponsiveError'
  readonly code = 'ERR_ACTOR_UNRESPONSIVE'
}

export class BacklogFullError extends Error {
  override readonly name = 'BacklogFullError'
  readonly code = 'ERR_BACKLOG_FULL'
}

export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError'
  readonly code = 'ERR_POOL_CLOSED'
}

/** The compute pool's queue is full: the task was not queued (shed it, or do it later). */
export class PoolBusyError extends Error {
  override readonly name = 'PoolBusyError'
  readonly code = 'ERR_POOL_BUSY'
}

export class AbortError extends Error {
  override readonly name = 'AbortError'
  readonly code = 'ERR_ABORTED'
}

/** A request of a type the actor has no handler for (the kit answers it). */
export class UnknownTypeError extends Error {
  override readonly name = 'UnknownTypeError'
  readonly code = 'ERR_UNKNOWN_TYPE'
}

/** A fault injected by a test (`control(name).fault(…)`, with `allowFaults`). */
export class FaultInjectedError extends Error {
  override readonly name = 'FaultInjectedError'
  readonly code = 'ERR_FAULT_INJECTED'
}

/** `fault()` was called on a supervisor started without `allowFaults`. */
export class FaultsDisabledError extends Error {
  override readonly name = 'FaultsDisabledError'
  readonly code = 'ERR_FAULTS_DISABLED'
}

/** A fault the host cannot inject: a malformed one, a type the actor does not consume, `exit` on the inline host. */
export class BadFaultError extends Error {
  override readonly name = 'BadFaultError'
  readonly code = 'ERR_BAD_FAULT'
}

/** `start(spec, { network })` for an actor that would run in a worker: a network object cannot cross threads. */
export class NetworkNeedsInlineError extends Error {
  override readonly name = 'NetworkNeedsInlineError'
  readonly code = 'ERR_NETWORK_NEEDS_INLINE'
}

/** An error made from `ErrorData` (an error reply, an error from another thread). */
export function errorFromData (data: ErrorData): Error & ErrorData {
  const err = new Error(data.message) as Error & { name: string, code: string }
  err.name = data.name
  err.code = data.code
  return err
}
