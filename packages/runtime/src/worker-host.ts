/**
 * The worker host: runs an actor in its own `worker_threads` Worker. Messages for it are
 * batched per tick into one msgpack envelope whose buffer is transferred; the worker's batches
 * come back the same way. The control plane (comlink) and the compute pool run over two
 * dedicated MessageChannels. An uncaught error, a `process.exit`, or a fatal error reported by
 * the worker is a crash; `stop()` does the stop handshake and waits for the thread to exit.
 */
import { MessageChannel, Worker } from 'node:worker_threads'
import { expose } from 'comlink'
import { toErrorData } from '@peerconnect/protocol'
import type { ActorSpec, ComputePool } from './contract.js'
import type { ActorHost, HostOptions } from './host.js'
import type { ActorWorkerData, WorkerServices } from './worker-protocol.js'
import { isFrame } from './worker-protocol.js'
import { asEndpoint, remoteControl, settle } from './control.js'
import { createBatcher } from './batcher.js'
import { encodeBatch, threadCodec } from './envelope.js'
import { isRemoteLogEntry, replayLog } from './remote-logger.js'
import { resolveWorkerEntry } from './worker-entry.js'
import { ActorNotRunningError, NoWorkerEntryError, WorkerExitError, errorFromData } from './errors.js'
import type { LevelledLogger } from './logger.js'
import { BATCH_MAX, STOP_TIMEOUT } from './constants.js'

export function startWorkerHost (spec: ActorSpec, opts: HostOptions): ActorHost {
  if (spec.worker === undefined) throw new NoWorkerEntryError(`actor ${spec.name} names no worker module`)
  const { events, log } = opts
  const entry = resolveWorkerEntry(spec.worker)
  const control = new MessageChannel()
  const services = new MessageChannel()
  const workerData: ActorWorkerData = {
    name: spec.name,
    init: spec.init,
    snapshot: opts.snapshot,
    entry: entry.entry,
    control: control.port2,
    services: services.port2,
    logLevel: (log as Partial<LevelledLogger>).level ?? 'debug',
    askTimeout: opts.askTimeout,
    allowFaults: opts.allowFaults === true
  }
  let worker: Worker
  try {
    worker = new Worker(entry.start, { workerData, transferList: [control.port2, services.port2] })
  } catch (err) {
    control.port1.close()
    services.port1.close()
    throw err
  }
  let state: 'starting' | 'running' | 'stopping' | 'dead' = 'starting'
  let posted = 0
  let taken = 0
  let failGone: (err: Error) => void = () => {}
  const gone = new Promise<never>((_resolve, reject) => {
    failGone = reject
  })
  gone.catch(() => {})
  const exited = new Promise<void>(resolve => worker.once('exit', () => resolve()))

  expose(servicesOf(opts.deps.pool), asEndpoint(services.port1))
  const out = createBatcher(msgs => {
    const buf = encodeBatch(msgs, log)
    if (buf === undefined) return
    worker.postMessage(buf, [buf.buffer])
    posted += msgs.length
  }, { max: BATCH_MAX })

  const release = (): void => {
    out.clear()
    control.port1.close()
    services.port1.close()
    failGone(new ActorNotRunningError(`actor ${spec.name} is not running`))
  }
  const die = (err: unknown): void => {
    if (state === 'dead' || state === 'stopping') return
    state = 'dead'
    release()
    void worker.terminate()
    events.crash(err)
  }
  const frames: Record<string, (frame: unknown) => void> = {
    ready: () => {
      if (state === 'starting') {
        state = 'running'
        events.ready()
      }
    },
    completed: () => {
      if (state === 'running') events.complete()
    },
    fatal: (frame) => die(errorFromData(toErrorData((frame as { error?: unknown }).error))),
    stopped: () => {}
  }

  worker.on('message', (data: unknown) => {
    if (state === 'dead') return
    if (data instanceof Uint8Array) {
      const msgs = threadCodec().decode(data)
      if (msgs === undefined) log.warn('undecodable batch from worker dropped', { bytes: data.byteLength })
      else for (let i = 0; i < msgs.length; i++) events.send(msgs[i]!)
    } else if (typeof data === 'number') {
      taken += data
    } else if (isRemoteLogEntry(data)) {
      replayLog(log, data)
    } else {
      const kind = (data as { kind?: unknown } | null)?.kind
      if (typeof kind === 'string' && Object.hasOwn(frames, kind) && isFrame(data, kind)) frames[kind]!(data)
    }
  })
  worker.on('error', die)
  worker.on('exit', (code) => die(new WorkerExitError(`worker of ${spec.name} exited with code ${code}`)))

  return {
    kind: 'worker',
    threadId: worker.threadId,
    control: remoteControl(control.port1, gone),
    deliver (msg) {
      if (state !== 'dead') out.push(msg)
    },
    queueDepth: () => out.size + posted - taken,
    async stop () {
      if (state === 'dead') return
      state = 'stopping'
      out.flush()
      worker.postMessage({ kind: 'stop' })
      const timer = setTimeout(() => {
        void worker.terminate()
      }, opts.stopTimeout ?? STOP_TIMEOUT)
      await exited
      clearTimeout(timer)
      release()
      state = 'dead'
    },
    async kill () {
      if (state !== 'dead') {
        state = 'dead'
        release()
      }
      await worker.terminate()
      await exited
    }
  }
}

function servicesOf (pool: ComputePool): WorkerServices {
  const running = new Map<number, AbortController>()
  return {
    run: async (task, arg, id) => {
      if (id === undefined) return await settle(pool.run(task, arg))
      const controller = new AbortController()
      running.set(id, controller)
      try {
        return await settle(pool.run(task, arg, { signal: controller.signal }))
      } finally {
        running.delete(id)
      }
    },
    cancel: async (id) => {
      running.get(id)?.abort()
    }
  }
}
