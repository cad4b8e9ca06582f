/**
 * The gossip part of a search: asks the gossip actor (`gossip.search`), whose hits are already
 * verified, come from the node they name and match the query. Without a gossip actor, or when it
 * fails, this part simply ends with no hits (the other parts go on).
 */
import { catchError, EMPTY, filter, map } from 'rxjs'
import type { Observable } from 'rxjs'
import { isGossipHit } from '@peerconnect/protocol'
import type { GossipSearch, PeerRecord } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { ASK_MARGIN } from '../constants.js'

/** The records gossip finds for `query` within `timeout` ms. */
export function searchGossip (ctx: Context, query: string, timeout: number): Observable<PeerRecord> {
  const ask: GossipSearch = { type: 'gossip.search', q: query, timeout }
  return ctx.deps.ask(ask, { timeout: timeout + ASK_MARGIN }).pipe(
    filter(isGossipHit),
    map(hit => hit.record),
    catchError((err: unknown) => {
      ctx.log.debug('gossip search failed', { code: (err as { code?: unknown })?.code, message: (err as { message?: unknown })?.message })
      return EMPTY
    })
  )
}
