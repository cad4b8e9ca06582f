/** `rpc.ping`: answer `{}` (the transport adds our id). The querier enters the table through transport.seen. */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, isRpcRequest, KrpcProtocolError, reply } from '@peerconnect/protocol'
import type { Message, RpcReply } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'

export function onPing (msg: Message, _ctx: RoutingContext): Observable<Message> {
  if (!isRpcRequest(msg)) return of(errorReply(msg, new KrpcProtocolError('malformed ping')))
  return of(reply<RpcReply>(msg, { type: 'rpc.reply', r: {} }))
}
