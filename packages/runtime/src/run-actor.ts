/**
 * The glue every actor package's `src/worker.ts` calls: `runActor(routing)`. It builds the spec
 * from `workerData.init` with the factory, runs the actor on this thread, and connects it to
 * the worker host on the main thread (batches in and out, control plane, ready/stop handshake).
 */
import type { ActorFactory } from './contract.js'
import { createActorCore } from './actor-core.js'
import { connectToHost } from './worker-link.js'

export function runActor<Init> (factory: ActorFactory<Init>): void {
  const link = connectToHost()
  const spec = factory(link.data.init as Init)
  const core = createActorCore(spec, {
    deps: link.deps,
    snapshot: link.data.snapshot,
    askTimeout: link.data.askTimeout,
    allowFaults: link.data.allowFaults === true,
    crash: link.crash,
    send: link.send,
    onFatal: link.fatal,
    onComplete: link.complete
  })
  link.serve(core)
}
