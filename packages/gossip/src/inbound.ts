/**
 * `rpc.pc_gossip`: one rumor from another node, handed over by the transport. It is acknowledged
 * at once (`{}`), then: a hit goes to the search it answers; a rumor already in the seen-cache is
 * counted as a duplicate and goes no further; a new one is delivered here (a note is published
 * as `gossip.note`, a search is answered if our name matches) and forwarded (spread.ts) with the
 * probability of its age. A malformed rumor gets KRPC error 203.
 *
 * A search rumor straight from its origin (hops ≤ 1) must come from the origin's id, else it is
 * dropped here, neither answered nor spread; when it names another IP than the one it came from,
 * that address must first confirm the search (`check`, as before a hit): a forged origin address
 * would have every matching node reflect its record there. A `check`
 * (search.ts) is answered `{}` only for a search of ours still running, else 203.
 */
import { concat, EMPTY, mergeMap, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { BadRequestError, decodeAddress, errorReply, idsEqual, isRpcRequest, KrpcProtocolError, reply } from '@peerconnect/protocol'
import type { GossipNote, Message, NodeId, RpcReply, RpcRequest } from '@peerconnect/protocol'
import type { GossipContext } from './context.js'
import { parseRumor } from './rumor.js'
import type { SearchRumor, SpreadRumor } from './rumor.js'
import { shouldForward } from './forward.js'
import { spread } from './spread.js'
import { answerSearch$, confirmOrigin$, onHit } from './search.js'
import { idKey } from './view.js'

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
  const first = rumor.kind === 'search' ? firstHop(rumor, m) : 'relayed'
  if (first === 'refused') {
    ctx.counts.dropped++
    return ack
  }
  const now = ctx.deps.clock.now()
  if (!ctx.seen.add(idKey(rumor.id), now)) {
    ctx.counts.duplicates++
    return ack
  }
  if (first === 'check' && rumor.kind === 'search') {
    // From its origin, but from another IP than the one it names (a multi-homed node, or a forgery):
    // the named address must confirm the search before anyone acts on it.
    const to = decodeAddress(rumor.address)!
    if (!ctx.hitBudget.take(to.host, now)) {
      ctx.counts.dropped++
      return ack
    }
    return concat(ack, confirmOrigin$(rumor, to, ctx).pipe(mergeMap(() => take(rumor, m.id, now, ctx, true))))
  }
  return concat(ack, take(rumor, m.id, now, ctx))
}

/** A new rumor taken in: forwarded with the probability of its hops; a search answered, a note delivered. */
function take (rumor: SpreadRumor, sender: NodeId, now: number, ctx: GossipContext, confirmed = false): Observable<Message> {
  if (shouldForward(rumor.hops, 0, { random: ctx.deps.random, limits: ctx.s.ages })) spread(ctx, rumor, { sender, receivedAt: now })
  else ctx.counts.dropped++
  if (rumor.kind === 'search') return answerSearch$(rumor, ctx, { confirmed })
  ctx.counts.notesDelivered++
  const note: GossipNote = { type: 'gossip.note', id: rumor.id, topic: rumor.topic, data: rumor.data, from: rumor.origin, hops: rumor.hops }
  return of(note)
}

/**
 * A search straight from its origin (hops ≤ 1) must come from the origin's id ('refused' if not);
 * from the IP it names as its address it is taken at once, from another the named address is
 * asked first ('check'). Relayed searches (hops ≥ 2) cannot be checked here ('relayed').
 */
function firstHop (rumor: SearchRumor, m: RpcRequest): 'relayed' | 'proven' | 'check' | 'refused' {
  if (rumor.hops > 1) return 'relayed'
  if (!idsEqual(m.id, rumor.origin)) return 'refused'
  return decodeAddress(rumor.address)?.host === m.from.host ? 'proven' : 'check'
}
