/**
 * BEP 5's `get_peers` and `announce_peer`, answered from routing: the closest contacts of the table
 * (as find_node picks them), a write token bound to the querier's IP (peer-tokens.ts) and the peers
 * announced for the info-hash (peer-store.ts), all within the 3× bound (peers-reply.ts). No torrent
 * logic: an info-hash is a 20-byte key, a peer an address.
 *
 * - `rpc.get_peers {info_hash, want?}` → `{token, values?, nodes?, nodes6?}`
 * - `rpc.announce_peer {info_hash, port?, token, implied_port?}` → `{}`; a token not issued to
 *   that IP (or older than two rotations) is a 203 "bad token", a full store a 202.
 */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, FIND_NODE_COUNT, isRpcRequest, KrpcProtocolError, KrpcServerError, parseQueryArgs, reply,
  wantedFamilies } from '@peerconnect/protocol'
import type { Message, RpcReply } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { fitPeersReply } from './peers-reply.js'

export function onGetPeers (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isRpcRequest(msg)) return of(errorReply(msg, new KrpcProtocolError('malformed get_peers')))
  const parsed = parseQueryArgs('get_peers', msg.args)
  if (!parsed.ok) return of(errorReply(msg, new KrpcProtocolError(parsed.reason)))
  const { info_hash: infoHash, want } = parsed.args
  const now = ctx.deps.clock.now()
  const nodes = ctx.table.closest(infoHash, FIND_NODE_COUNT, { goodAt: now, exclude: msg.id, topUp: true })
  const r = fitPeersReply({
    token: ctx.peers.tokens.issue(msg.from.host, now),
    values: ctx.peers.store.get(infoHash, now),
    nodes,
    families: wantedFamilies(want, msg.from.host),
    queryBytes: msg.queryBytes
  })
  return of(reply<RpcReply>(msg, { type: 'rpc.reply', r }))
}

export function onAnnouncePeer (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isRpcRequest(msg)) return of(errorReply(msg, new KrpcProtocolError('malformed announce_peer')))
  const parsed = parseQueryArgs('announce_peer', msg.args)
  if (!parsed.ok) return of(errorReply(msg, new KrpcProtocolError(parsed.reason)))
  const { info_hash: infoHash, port, token, implied_port: implied } = parsed.args
  const now = ctx.deps.clock.now()
  if (!ctx.peers.tokens.check(token, msg.from.host, now)) return of(errorReply(msg, new KrpcProtocolError('bad token')))
  const peerPort = implied !== undefined && implied !== 0 ? msg.from.port : port!
  if (ctx.peers.store.add(infoHash, msg.from.host, peerPort, now) === 'full') {
    return of(errorReply(msg, new KrpcServerError('peer store full')))
  }
  return of(reply<RpcReply>(msg, { type: 'rpc.reply', r: {} }))
}
