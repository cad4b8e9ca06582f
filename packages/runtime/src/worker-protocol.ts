/**
 * What travels between the main thread and an actor's worker besides the messages themselves.
 *
 * main → worker: `Uint8Array` (a msgpack batch, buffer transferred) | `{ kind: 'stop' }`
 * worker → main: `Uint8Array` (a batch) | `number` (how many delivered messages the worker took)
 *               | `{ kind: 'ready' | 'completed' | 'stopped' }` | `{ kind: 'fatal', error }`
 *               | a log entry (`{ kind: 'log', … }`)
 *
 * `workerData` is `ActorWorkerData`. The control port carries the comlink control plane
 * (exposed by the worker); the services port carries the compute pool (exposed by the main thread).
 */
import type { MessagePort } from 'node:worker_threads'
import type { ErrorData } from '@peerconnect/protocol'
import type { LogLevel } from './logger.js'
import { parseLogLevel } from './logger.js'
import type { Outcome } from './control.js'

export interface ActorWorkerData {
  readonly name: string
  readonly init: unknown
  readonly snapshot: unknown
  /** The TypeScript entry `bootstrap/tsx-worker.mjs` imports (absent for compiled workers). */
  readonly entry?: string
  readonly control: MessagePort
  readonly services: MessagePort
  readonly logLevel: LogLevel
  readonly askTimeout?: number
  /** The supervisor's `allowFaults`: the control plane may inject test faults. */
  readonly allowFaults?: boolean
}

export type HostFrame = { readonly kind: 'stop' }

export type WorkerFrame =
  | { readonly kind: 'ready' }
  | { readonly kind: 'completed' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'fatal', readonly error: ErrorData }

/** What the main thread serves a worker actor over the services port. */
export interface WorkerServices {
  /** `id` (the worker's own numbering) lets `cancel(id)` abort the task while it waits for a thread. */
  run(task: { module: string, name?: string }, arg: unknown, id?: number): Promise<Outcome<unknown>>
  cancel(id: number): Promise<void>
}

export function isActorWorkerData (x: unknown): x is ActorWorkerData {
  const d = x as Partial<ActorWorkerData> | null
  return typeof d === 'object' && d !== null && typeof d.name === 'string' &&
    isPort(d.control) && isPort(d.services) && parseLogLevel(d.logLevel) !== undefined &&
    (d.askTimeout === undefined || typeof d.askTimeout === 'number') &&
    (d.allowFaults === undefined || typeof d.allowFaults === 'boolean')
}

export function isFrame<K extends string> (x: unknown, kind: K): x is { kind: K } {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === kind
}

function isPort (x: unknown): x is MessagePort {
  return typeof x === 'object' && x !== null && typeof (x as MessagePort).postMessage === 'function'
}
