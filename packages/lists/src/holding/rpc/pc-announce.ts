/**
 * `pc_announce {id, list, record, token}` → `{id}`: store the sender's own signed record. Refused,
 * each with its own code and nothing stored: no token (ERR_TOKEN_MISSING), a token not issued to
 * the sender's address (ERR_BAD_TOKEN), a record of someone else (ERR_NOT_SENDER), a record whose
 * addresses (`a`, or a dual-stack node's `a2`) do not include the sender's (ERR_ADDRESS_MISMATCH), a record for another list
 * (ERR_WRONG_LIST),
 * a record failing verifyRecord (ERR_NAME_TOO_LONG, ERR_ID_MISMATCH, ERR_STALE_SEQUENCE,
 * ERR_BAD_SIGNATURE, …) and a record over a cap (ERR_LIST_FULL, ERR_IP_CAP).
 */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { closestListId, encodeAddress, idsEqual, isRpcRequest, parseQueryArgs, recordFromWire, recordHasAddress, RecordMalformedError,
  recordsEqual, reply, verifyRecord } from '@peerconnect/protocol'
import type { ErrorData, Message, PeerRecord, RpcReply, RpcRequest } from '@peerconnect/protocol'
import type { Context } from '../../context.js'
import { AddressMismatchError, BadTokenError, MissingTokenError, NotSenderError, WrongListError } from '../../errors.js'
import { badQuery, dataOf, refuse } from '../../rejection.js'

export function onPcAnnounce (msg: Message, ctx: Context): Observable<Message> {
  if (!isRpcRequest(msg)) return badQuery(msg, ctx)
  if (msg.args.token === undefined) return of(refuse(msg, dataOf(new MissingTokenError()), ctx.rejected))
  const parsed = parseQueryArgs('pc_announce', msg.args)
  if (!parsed.ok) return badQuery(msg, ctx, parsed.reason)
  const now = ctx.now()
  const { list, token } = parsed.args
  const record = recordFromWire(parsed.args.record)
  const refusal = record === undefined
    ? new RecordMalformedError().toData()
    : check(msg, record, { list, token, now }, ctx)
  if (refusal !== undefined) return of(refuse(msg, refusal, ctx.rejected))
  const put = ctx.store.put(list, record!, { now })
  if (!put.ok) return of(refuse(msg, put.error, ctx.rejected))
  if (put.fresh) ctx.log.debug('holding', { list, name: record!.n })
  return of(reply<RpcReply>(msg, { type: 'rpc.reply', r: {} }))
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** Why the announce is refused (cheap checks first; the signature last), or undefined. */
function check (msg: RpcRequest, record: PeerRecord, opts: { list: number, token: Uint8Array, now: number }, ctx: Context): ErrorData
  | undefined {
  if (!ctx.tokens.check(opts.token, msg.from.host, msg.from.port, opts.now)) return dataOf(new BadTokenError())
  if (!idsEqual(record.id, msg.id)) return dataOf(new NotSenderError())
  const from = encodeAddress(msg.from.host, msg.from.port)
  if (from === undefined || !recordHasAddress(record, from)) return dataOf(new AddressMismatchError())
  if (closestListId(record.id).index !== opts.list) return dataOf(new WrongListError())
  const held = ctx.store.get(opts.list, record.id, opts.now)?.record
  if (held !== undefined && recordsEqual(held, record)) return undefined // a re-announce: verified when first held
  const v = verifyRecord(record, held === undefined ? {} : { held })
  return v.ok ? undefined : v.error
}
