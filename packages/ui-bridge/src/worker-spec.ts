/**
 * The ui-bridge actor as a supervisor starts it on a worker thread, without loading it: its name,
 * the message types it consumes and its worker module. A node's main thread imports this
 * (`@peerconnect/ui-bridge/worker-spec`) instead of the package index, whose server (fastify and its
 * plugins: ~600 ms of CPU to import) only the worker thread needs. It imports nothing at run time.
 */
import type { ActorSpec } from '@peerconnect/runtime'
import type { UiBridgeInit } from './init.js'

/**
 * What the actor consumes: its handler table's types and `actor.cancel`, as `uiBridge(init)` lists
 * them (test/worker-spec.test.ts keeps the two equal).
 */
export const UI_WORKER_CONSUMES: readonly string[] = ['ui.info', 'routing.peer.added', 'routing.peer.removed', 'liveness.status',
  'actor.cancel']

/** The ui-bridge actor for the worker host: the same spec as `uiBridge(init)`, but it cannot run on the calling thread. */
export function uiBridgeWorker (init: UiBridgeInit): ActorSpec {
  return {
    name: 'ui-bridge',
    consumes: UI_WORKER_CONSUMES,
    worker: new URL('./worker.js', import.meta.url),
    init,
    run: () => {
      throw new TypeError('uiBridgeWorker(init) runs on a worker thread only: start it with { host: \'worker\' } or use uiBridge(init)')
    }
  }
}
