/**
 * `rpc.pc_gossip`: one rumor from another node, handed over by the transport. It is acknowledged
 * at once (`{}`), then: a hit goes to the search it answers; a rumor already in the seen-cache is
 * counted as a duplicate and goes no further; a new one is delivered here (a note is published
 * as `gossip.note`, a search is answered if our name matches) and forwarded (spread.ts) with the
 * probability of its age. A malformed rumor gets KRPC error 203.
 *
 * A search rumor straight from its origin (hops ≤ 1) must come from the origin's id at the IP it
 * names as its address — the querier's own; else it is dropped here, neither answered nor spread
 * (a forged origin address would have every matching node reflect its record there). A `check`
 * (search.ts) is answered `{}` only for a search of ours still running, else 203.
 */
import { concat, EMPTY, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { decodeAddress, errorReply, idsEqual, isRpcRequest, KrpcProtocolError, reply } from '@peerconnect/protocol'
import type { GossipNote, Message, RpcReply, RpcRequest } from '@peerconnect/protocol'
import type { GossipContext } from './context.js'
import { parseRumor } from './rumor.js'
import type { SearchRumor } from './rumor.js'
import { shouldForward } from './forward.js'
import { spread } from './spread.js'
import { answerSearch$, onHit } from './search.js'
import { idKey } from './view.js'
import { BadRequestError } from './errors.js'

export function onPcGossip (m: Message, ctx: GossipContext): Observable<Message> {
  if (!isRpcRequest(m)) return m.cid === undefined ? EMPTY : of(errorReply(m, new BadRequestError('bad rpc.pc_gossip')))
  const parsed = parseRumor(m.args.m)
  if (!parsed.ok) {
    ctx.counts.malformed++
    return of(errorReply(m, new KrpcProtocolError(`bad rumor: ${parsed.reason}`)))
  }
  ctx.counts.received++
  const ack = of(reply<RpcReply>(m, { type: 'rpc.reply', r: {} }))
  const rumor = parsed.rumor
  if (rumor.kind === 'hit') {
    onHit(rumor, m.id, ctx)
    return ack
  }
  if (rumor.kind === 'check') {
    const search = ctx.searches.get(idKey(rumor.search))
    return search === undefined || search.stopped ? of(errorReply(m, new KrpcProtocolError('no such search'))) : ack
  }
  if (rumor.kind === 'search' && !fromItsOrigin(rumor, m)) {
    ctx.counts.dropped++
    return ack
  }
  const now = ctx.deps.clock.now()
  if (!ctx.seen.add(idKey(rumor.id), now)) {
    ctx.counts.duplicates++
    return ack
  }
  if (shouldForward(rumor.hops, 0, { random: ctx.deps.random, limits: ctx.s.ages })) spread(ctx, rumor, { sender: m.id, receivedAt: now })
  else ctx.counts.dropped++
  if (rumor.kind === 'search') return concat(ack, answerSearch$(rumor, ctx))
  ctx.counts.notesDelivered++
  const note: GossipNote = { type: 'gossip.note', id: rumor.id, topic: rumor.topic, data: rumor.data, from: rumor.origin, hops: rumor.hops }
  return concat(ack, of(note))
}

/** False for a search rumor that claims to come straight from its origin (hops ≤ 1) but not from the origin's id at the IP it names. */
function fromItsOrigin (rumor: SearchRumor, m: RpcRequest): boolean {
  if (rumor.hops > 1) return true
  return idsEqual(m.id, rumor.origin) && decodeAddress(rumor.address)?.host === m.from.host
}
