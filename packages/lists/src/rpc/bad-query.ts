/** The answer to an rpc.* ask whose request or arguments failed their guard: KRPC 203. */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { KrpcProtocolError } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { refuse } from '../rejection.js'

export function badQuery (msg: Message, ctx: Context, reason = 'malformed request'): Observable<Message> {
  if (msg.cid === undefined) return of()
  return of(refuse(msg, new KrpcProtocolError(reason).toData(), ctx.rejected))
}
