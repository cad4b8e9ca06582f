/**
 * `rpc.find_node`: the 8 closest good contacts (or `args.n` of them, 1..20: our extension, sent
 * with a padded query so the 3× bound fits them) to the target (topped up with contacts that are
 * merely old, never with failed ones), the querier left out. `nodes` (IPv4) by default, `nodes6`
 * when the querier asked for n6 (BEP 32 `want`) or queried over IPv6. The reply is trimmed so it
 * stays within 3 times the query's size: the transport refuses larger unproven replies. The
 * selection and the sizing are the protocol's (`wantedCount`, `wantedFamilies`, `fitNodes`), which
 * the transport also uses when it answers from routing's published view (view.ts).
 */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, fitNodes, isNodeId, isRpcRequest, KrpcProtocolError, reply, wantedCount, wantedFamilies } from '@peerconnect/protocol'
import type { Message, RpcReply } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'

export function onFindNode (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isRpcRequest(msg) || !isNodeId(msg.args.target)) {
    return of(errorReply(msg, new KrpcProtocolError('find_node needs a 20-byte target')))
  }
  const nodes = ctx.table.closest(msg.args.target, wantedCount(msg.args.n), { goodAt: ctx.deps.clock.now(), exclude: msg.id, topUp: true })
  const r = fitNodes(nodes, wantedFamilies(msg.args.want, msg.from.host), msg.queryBytes)
  return of(reply<RpcReply>(msg, { type: 'rpc.reply', r }))
}
