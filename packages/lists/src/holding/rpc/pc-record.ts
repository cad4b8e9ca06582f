/**
 * `pc_record {id, token?}` → `{id, record}`: this node's own signed record. The record (~230
 * bytes with its framing) is more than 3× a bare query, so an unproven querier must either send a
 * token from a pc_list reply or pad its query (any extra key, ~40 bytes); otherwise the answer is
 * 203 ERR_PROOF_NEEDED rather than the transport's opaque "reply too large".
 */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { AMPLIFICATION_LIMIT, isRpcRequest, parseQueryArgs, recordToWire, reply } from '@peerconnect/protocol'
import type { Message, RpcReply } from '@peerconnect/protocol'
import type { Context } from '../../context.js'
import { NoRecordError, ProofNeededError } from '../../errors.js'
import { replySize } from '../../page.js'
import { badQuery, dataOf, refuse, serverError } from '../../rejection.js'

export function onPcRecord (msg: Message, ctx: Context): Observable<Message> {
  if (!isRpcRequest(msg)) return badQuery(msg, ctx)
  const parsed = parseQueryArgs('pc_record', msg.args)
  if (!parsed.ok) return badQuery(msg, ctx, parsed.reason)
  const record = ctx.self.record
  if (record === undefined) return of(serverError(msg, dataOf(new NoRecordError())))
  const { token } = parsed.args
  const proven = token !== undefined && ctx.tokens.check(token, msg.from.host, msg.from.port, ctx.now())
  const r = { record: recordToWire(record) }
  if (!proven && replySize(ctx.settings.id, r) > AMPLIFICATION_LIMIT * msg.queryBytes) {
    return of(refuse(msg, dataOf(new ProofNeededError()), ctx.rejected))
  }
  return of(reply<RpcReply>(msg, proven ? { type: 'rpc.reply', r, proven } : { type: 'rpc.reply', r }))
}
