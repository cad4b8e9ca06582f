/**
 * A pc_* query to another node through the transport actor: the reply's `r` is checked with the
 * method's reply guard, and the query is counted in `ctx.sent`. Errors are the transport's
 * (ERR_RPC_TIMEOUT, ERR_RPC_REMOTE "<code> <text>", ERR_RPC_SEND, ERR_RPC_BAD_REPLY) or the ask's.
 */
import { map, take } from 'rxjs'
import type { Observable } from 'rxjs'
import { isTransportResponse, parseReply } from '@peerconnect/protocol'
import type { Address, KrpcMethod, NodeId, ReplyByMethod, TransportQuery } from '@peerconnect/protocol'
import type { Context } from './context.js'
import { ASK_MARGIN } from './constants.js'
import { BadReplyError } from './errors.js'

export interface QueryAnswer<M extends KrpcMethod> {
  readonly reply: ReplyByMethod[M]
  readonly id: NodeId
  readonly from: Address
}

export function query<M extends KrpcMethod> (ctx: Context, to: Address, q: M, a: Record<string, unknown>): Observable<QueryAnswer<M>> {
  const msg: TransportQuery = { type: 'transport.query', to: { host: to.host, port: to.port }, q, a, timeout: ctx.settings.queryTimeout }
  ctx.sent.add(q)
  return ctx.deps.ask(msg, { timeout: ctx.settings.queryTimeout + ASK_MARGIN }).pipe(
    take(1),
    map(m => {
      if (!isTransportResponse(m)) throw new BadReplyError(`expected transport.response, got ${m.type}`)
      const parsed = parseReply(q, m.r)
      if (!parsed.ok) throw new BadReplyError(`bad ${q} reply: ${parsed.reason}`)
      return { reply: parsed.reply, id: m.id, from: m.from }
    })
  )
}
