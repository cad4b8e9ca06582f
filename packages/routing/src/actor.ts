/**
 * The routing actor: the table, fed by transport.seen; answers ping, find_node, and BEP 5's
 * get_peers / announce_peer (with a small peer store, get-peers.ts) for the transport and routing.closest / routing.get / routing.contacts
 * for the other actors; publishes
 * routing.peer.added / routing.peer.removed and the table's view (routing.view, from which the
 * transport answers find_node); refreshes stale buckets and looks up its own id; snapshots and saves itself.
 *
 * Written with runtime's actor kit: the handler table is the actor (each message isolated, a
 * request cancelled by `actor.cancel`); the snapshot, view, refresh and save timers are its
 * background; the table is saved once more when the run stops.
 */
import { EMPTY } from 'rxjs'
import { kitActor } from '@peerconnect/runtime'
import type { ActorDefinition, ActorDeps, ActorFn } from '@peerconnect/runtime'
import { onFailed, onSeen, onStatus } from './admit.js'
import { createContext } from './context.js'
import type { RoutingContext, RoutingInit } from './context.js'
import { onFindNode } from './find-node.js'
import { onAnnouncePeer, onGetPeers } from './get-peers.js'
import { createPersistence } from './persistence.js'
import type { Persistence } from './persistence.js'
import { onPing } from './ping.js'
import { onClosest, onContacts, onGet } from './queries.js'
import { refresh$, selfLookups$ } from './refresh.js'
import { restoreSnapshot, snapshot$ } from './snapshot.js'
import { view$ } from './view.js'

/** One run of the actor: the handlers' context, its persistence, and how many contacts a snapshot put back. */
export interface RoutingRun extends RoutingContext {
  readonly persistence: Persistence
  restored: number
}

export const routingDefinition = {
  name: 'routing',
  worker: new URL('./worker.js', import.meta.url),
  context: (init: RoutingInit, deps: ActorDeps): RoutingRun => {
    const ctx = createContext(init, deps)
    return Object.assign(ctx, { persistence: createPersistence(ctx), restored: 0 })
  },
  restore: (ctx, snapshot) => {
    ctx.restored = restoreSnapshot(ctx, snapshot)
    if (ctx.restored > 0) ctx.log.info('restored from snapshot', { contacts: ctx.restored })
  },
  handlers: {
    'rpc.ping': onPing,
    'rpc.find_node': onFindNode,
    'rpc.get_peers': onGetPeers,
    'rpc.announce_peer': onAnnouncePeer,
    'routing.closest': onClosest,
    'routing.get': onGet,
    'routing.contacts': onContacts,
    'transport.seen': onSeen,
    'transport.failed': onFailed,
    'liveness.status': onStatus
  },
  // A table restored from a snapshot is newer than the saved file: the file is not loaded then.
  background:
    ctx => [snapshot$(ctx), view$(ctx), refresh$(ctx), selfLookups$(ctx), ctx.persistence.save$,
      ctx.restored > 0 ? EMPTY : ctx.persistence.load$],
  stop: ctx => {
    ctx.persistence.saveNow()
    ctx.changes$.complete()
  }
} satisfies ActorDefinition<RoutingInit, RoutingRun>

/** The actor's stream function (for tests that drive it without a supervisor). */
export function routingActor (init: RoutingInit): ActorFn {
  return kitActor(routingDefinition, init)
}
