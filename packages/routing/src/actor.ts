/**
 * The routing actor: the table, fed by transport.seen; answers ping, find_node, and BEP 5's
 * get_peers / announce_peer (with a small peer store, get-peers.ts) for the transport and routing.closest / routing.get / routing.contacts for the other actors; publishes
 * routing.peer.added / routing.peer.removed and the table's view (routing.view, from which the
 * transport answers find_node); refreshes stale buckets; snapshots and saves itself.
 */
import { defer, EMPTY, endWith, finalize, ignoreElements, merge, mergeMap, share, takeUntil } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import type { ActorFn } from '@peerconnect/runtime'
import { onFailed, onSeen, onStatus } from './admit.js'
import { createContext } from './context.js'
import type { Handler, RoutingContext, RoutingInit } from './context.js'
import { onFindNode } from './find-node.js'
import { onAnnouncePeer, onGetPeers } from './get-peers.js'
import { createPersistence } from './persistence.js'
import { onPing } from './ping.js'
import { onClosest, onContacts, onGet } from './queries.js'
import { refresh$ } from './refresh.js'
import { restoreSnapshot, snapshot$ } from './snapshot.js'
import { view$ } from './view.js'

/** The message types the actor consumes, each with its handler. */
export const HANDLERS: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['rpc.ping', onPing],
  ['rpc.find_node', onFindNode],
  ['rpc.get_peers', onGetPeers],
  ['rpc.announce_peer', onAnnouncePeer],
  ['routing.closest', onClosest],
  ['routing.get', onGet],
  ['routing.contacts', onContacts],
  ['transport.seen', onSeen],
  ['transport.failed', onFailed],
  ['liveness.status', onStatus]
])

export function routingActor (init: RoutingInit): ActorFn {
  return (in$, deps) => defer(() => {
    const ctx = createContext(init, deps)
    const restored = restoreSnapshot(ctx, deps.snapshot)
    if (restored > 0) ctx.log.info('restored from snapshot', { contacts: restored })
    const persistence = createPersistence(ctx)
    const input$ = in$.pipe(share())
    const stop$ = input$.pipe(ignoreElements(), endWith(true))
    const answers$ = input$.pipe(mergeMap(msg => dispatch(msg, ctx)))
    const background$ = merge(
      snapshot$(ctx),
      view$(ctx),
      refresh$(ctx),
      persistence.save$,
      restored > 0 ? EMPTY : persistence.load$
    ).pipe(takeUntil(stop$))
    return merge(answers$, background$).pipe(
      finalize(() => {
        persistence.saveNow()
        ctx.changes$.complete()
      })
    )
  })
}

function dispatch (msg: Message, ctx: RoutingContext): Observable<Message> {
  return HANDLERS.get(msg.type)?.(msg, ctx) ?? EMPTY
}
