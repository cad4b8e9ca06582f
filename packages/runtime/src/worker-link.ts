/**
 * The worker side of the worker host: reads `workerData`, builds the deps that cross back to the
 * main thread (a forwarding logger, the shared compute pool over comlink), batches what the actor
 * sends, feeds decoded batches to it, serves the control plane, and does the ready/stop
 * handshake. `runActor` is the only user; it stays a few lines.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { MessagePort } from 'node:worker_threads'
import { asyncScheduler } from 'rxjs'
import { wrap } from 'comlink'
import { toErrorData } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import type { ActorCore, BaseDeps } from './actor-core.js'
import type { ComputePool } from './contract.js'
import type { ActorWorkerData, WorkerServices, WorkerFrame } from './worker-protocol.js'
import { isActorWorkerData, isFrame } from './worker-protocol.js'
import { asEndpoint, exposeControl, localControl, unwrap } from './control.js'
import { createBatcher } from './batcher.js'
import { encodeBatch, threadCodec } from './envelope.js'
import { createRemoteLogger } from './remote-logger.js'
import type { RemoteLogEntry } from './remote-logger.js'
import { AbortError } from './errors.js'
import { BATCH_MAX } from './constants.js'

export interface WorkerLink {
  readonly data: ActorWorkerData
  readonly deps: BaseDeps
  send(msg: Message): void
  fatal(err: unknown): void
  complete(): void
  /** Really crashes this worker, a tick later (so a control call that asked for it is answered first). */
  readonly crash: { uncaught(err: Error): void, exit(code: number): void }
  /** Starts feeding `core`: batches in, control plane, stop handshake; then says ready. */
  serve(core: ActorCore): void
}

export function connectToHost (): WorkerLink {
  const port = parentPort
  const data: unknown = workerData
  if (port === null || !isActorWorkerData(data)) {
    throw new TypeError('runActor() must run in a worker started by the PeerConnect worker host')
  }
  const log = createRemoteLogger(entry => postLog(port, entry), data.logLevel)
  const out = createBatcher(msgs => {
    const buf = encodeBatch(msgs, log)
    if (buf !== undefined) port.postMessage(buf, [buf.buffer])
  }, { max: BATCH_MAX })
  const post = (frame: WorkerFrame): void => {
    out.flush()
    port.postMessage(frame)
  }
  let core: ActorCore | undefined
  let closed = false
  let taken = 0
  let ack: NodeJS.Immediate | undefined
  const sendAck = (): void => {
    ack = undefined
    port.postMessage(taken)
    taken = 0
  }

  const onMessage = (frame: unknown): void => {
    if (frame instanceof Uint8Array) {
      const msgs = threadCodec().decode(frame)
      if (msgs === undefined) return log.warn('undecodable batch from host dropped', { bytes: frame.byteLength })
      for (let i = 0; i < msgs.length; i++) core?.deliver(msgs[i]!)
      taken += msgs.length
      ack ??= setImmediate(sendAck)
    } else if (isFrame(frame, 'stop')) {
      core?.stop()
      post({ kind: 'stopped' })
      close()
    }
  }
  const close = (): void => {
    closed = true
    if (ack !== undefined) clearImmediate(ack)
    port.off('message', onMessage)
    out.clear()
    data.control.close()
    data.services.close()
  }

  return {
    data,
    deps: { clock: { now: Date.now }, random: Math.random, scheduler: asyncScheduler, log, pool: remotePool(data.services) },
    send: (msg) => out.push(msg),
    fatal (err) {
      post({ kind: 'fatal', error: toErrorData(err) })
      close()
    },
    complete: () => post({ kind: 'completed' }),
    crash: {
      uncaught: (err) => {
        setTimeout(() => {
          throw err
        }, 0)
      },
      exit: (code) => {
        setTimeout(() => process.exit(code), 0)
      }
    },
    serve (c) {
      if (closed) return
      core = c
      exposeControl(localControl(c), data.control)
      port.on('message', onMessage)
      port.postMessage({ kind: 'ready' } satisfies WorkerFrame)
    }
  }
}

function remotePool (port: MessagePort): ComputePool {
  const services = wrap<WorkerServices>(asEndpoint(port))
  let ids = 0
  return {
    async run<R> (task: { module: string, name?: string }, arg: unknown, opts: { signal?: AbortSignal } = {}): Promise<R> {
      const { signal } = opts
      if (signal?.aborted === true) throw new AbortError('the task was aborted before it started')
      const id = ++ids
      const call = services.run({ module: task.module, name: task.name }, arg, signal === undefined ? undefined : id).then(o =>
        unwrap(o) as R
      )
      if (signal === undefined) return call
      return Promise.race([call, new Promise<never>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          void services.cancel(id).catch(() => {}) // the main thread drops the task if it still waits
          reject(new AbortError('the task was aborted'))
        }, { once: true })
      })])
    }
  }
}

function postLog (port: NonNullable<typeof parentPort>, entry: RemoteLogEntry): void {
  try {
    port.postMessage(entry)
  } catch {
    port.postMessage({ ...entry, fields: { unclonable: Object.keys(entry.fields ?? {}).join(', ') } })
  }
}
