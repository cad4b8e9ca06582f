/**
 * The control plane: per actor `{ stats(), snapshot(), configure(patch) }`. For a worker actor
 * it runs over its own MessageChannel with comlink (exposed in the worker, wrapped on the main
 * thread); for an inline actor it is the same interface, called directly. Results travel as
 * `Outcome` values so errors keep their `code` across the thread.
 */
import { expose, wrap } from 'comlink'
import type { Endpoint } from 'comlink'
import type { MessagePort } from 'node:worker_threads'
import { toErrorData } from '@peerconnect/protocol'
import type { ErrorData } from '@peerconnect/protocol'
import type { ActorCore, ActorThreadStats } from './actor-core.js'
import type { ActorFault } from './kit.js'
import { errorFromData } from './errors.js'

export interface ActorControl {
  /** Counters kept by the actor's own thread for its current incarnation. */
  stats(): Promise<ActorThreadStats>
  /** The last `actor.snapshot` state the actor emitted (or the one it was started with). */
  snapshot(): Promise<unknown>
  /** Delivers `{ type: 'actor.configure', patch }` to the actor. */
  configure(patch: unknown): Promise<void>
  /** Injects a test fault (see `ActorFault`); rejects with ERR_FAULTS_DISABLED unless the supervisor has `allowFaults`. */
  fault(fault: ActorFault): Promise<void>
}

/** A result or an error as data: what crosses a thread in the control and services channels. */
export type Outcome<T> = { readonly ok: true, readonly value: T } | { readonly ok: false, readonly error: ErrorData }

/** The control interface of an actor running on this thread. */
export function localControl (core: ActorCore): ActorControl {
  return {
    stats: async () => core.stats(),
    snapshot: async () => core.snapshot(),
    configure: async (patch) => {
      core.configure(patch)
    },
    fault: async (fault) => {
      core.fault(fault)
    }
  }
}

/** Worker side: serves `control` on `port` with comlink. */
export function exposeControl (control: ActorControl, port: MessagePort): void {
  expose({
    stats: async () => settle(control.stats()),
    snapshot: async () => settle(control.snapshot()),
    configure: async (patch: unknown) => settle(control.configure(patch)),
    fault: async (fault: ActorFault) => settle(control.fault(fault))
  }, asEndpoint(port))
}

/**
 * Main side: the control of the worker at the other end of `port`. Calls reject once `gone`
 * rejects (comlink never settles calls whose worker died).
 */
export function remoteControl (port: MessagePort, gone: Promise<never>): ActorControl {
  const remote = wrap<Record<keyof ActorControl, (arg?: unknown) => Promise<Outcome<unknown>>>>(asEndpoint(port))
  const call = async <T>(method: keyof ActorControl, arg?: unknown): Promise<T> =>
    unwrap(await Promise.race([remote[method](arg), gone])) as T
  return {
    stats: async () => call<ActorThreadStats>('stats'),
    snapshot: async () => call<unknown>('snapshot'),
    configure: async (patch) => call<void>('configure', patch),
    fault: async (fault) => call<void>('fault', fault)
  }
}

/** Awaits `promise` and returns its outcome as data. */
export async function settle<T> (promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise }
  } catch (err) {
    return { ok: false, error: toErrorData(err) }
  }
}

/** The value of an outcome, or its error rethrown with name and code. */
export function unwrap<T> (outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value
  throw errorFromData(outcome.error)
}

/** Node's MessagePort is an EventTarget with postMessage and start: all comlink needs. */
export function asEndpoint (port: MessagePort): Endpoint {
  return port
}
