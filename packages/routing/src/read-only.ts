/**
 * BEP 43: a node that says it runs in read-only mode (`ro: 1` in its queries; the transport
 * marks every sighting of that address `ro`) cannot be reached by others — typically it is
 * behind a NAT — so it must not be in a table: find_node answers would send everyone to an
 * address that drops them, and the lists would pick it as a holder. It is never admitted nor
 * pinged back, and a contact already held at that address (it went read-only after joining) is
 * removed (`routing.peer.removed`, reason 'readonly'). Any sender is believed: saying `ro` can
 * only take oneself out.
 */
import { EMPTY, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { idToHex } from '@peerconnect/protocol'
import type { Message, RoutingPeerRemoved, TransportSeen } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { changed } from './context.js'

export function onReadOnly (msg: TransportSeen, ctx: RoutingContext): Observable<Message> {
  ctx.pending.delete(idToHex(msg.id))
  const byId = ctx.table.get(msg.id)
  const known = byId !== null && byId.host === msg.host && byId.port === msg.port ? byId : ctx.table.findByAddress(msg.host, msg.port)
  if (known === null) return EMPTY
  ctx.table.remove(known.id)
  changed(ctx, { answers: true })
  ctx.log.debug('read-only contact removed', { host: msg.host, port: msg.port })
  const removed: RoutingPeerRemoved = { type: 'routing.peer.removed', contact: known, reason: 'readonly' }
  return of(removed)
}
