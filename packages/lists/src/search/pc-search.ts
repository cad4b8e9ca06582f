/**
 * `pc_search {id, q, cursor?, token?}` → `{id, records, next?, token}`: the records this node
 * holds (any list) and its own record whose names match `q`, one page at a time in id order, plus
 * a token bound to the querier's address. With a valid token (from a pc_list or pc_search reply)
 * the querier is proven and the page fills a datagram; without, the reply is at most 3× the query
 * (a record or so: a search for a rare name is usually answered by the first query). Matched in
 * place through the name index built once per store version (candidates.ts): no per-query pass
 * over every name, nothing queued on the compute pool.
 */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { AMPLIFICATION_LIMIT, ID_LENGTH, idToHex, isRpcRequest, parseQueryArgs, reply, validateQuery } from '@peerconnect/protocol'
import type { Message, RpcReply } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { fillPage } from '../page.js'
import { badQuery, dataOf, refuse } from '../rejection.js'
import { UDP_PAGE_BYTES } from '../constants.js'
import { heldIndex, indexMatches } from './candidates.js'
import { BadSearchCursorError } from './errors.js'

export function onPcSearch (msg: Message, ctx: Context): Observable<Message> {
  if (!isRpcRequest(msg)) return badQuery(msg, ctx)
  const parsed = parseQueryArgs('pc_search', msg.args)
  if (!parsed.ok) return badQuery(msg, ctx, parsed.reason)
  const { q, cursor = EMPTY, token } = parsed.args
  const checked = validateQuery(q)
  if (!checked.ok) return of(refuse(msg, checked.error, ctx.rejected))
  if (cursor.length !== 0 && cursor.length !== ID_LENGTH) return of(refuse(msg, dataOf(new BadSearchCursorError()), ctx.rejected))
  const now = ctx.now()
  const proven = token !== undefined && ctx.tokens.check(token, msg.from.host, msg.from.port, now)
  const fresh = ctx.tokens.issue(msg.from.host, msg.from.port, now)
  const budget = proven ? UDP_PAGE_BYTES : AMPLIFICATION_LIMIT * msg.queryBytes
  const found = indexMatches(heldIndex(ctx.store, ctx.self.record, now), checked.query, cursor.length === 0 ? undefined : idToHex(cursor))
  const page = fillPage(found, { self: ctx.settings.id, budget, cursor, rest: { records: [], token: fresh } })
  const records = page.items.map(c => c.wire)
  const r = page.next === undefined ? { records, token: fresh } : { records, next: page.next, token: fresh }
  return of(reply<RpcReply>(msg, proven ? { type: 'rpc.reply', r, proven } : { type: 'rpc.reply', r }))
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const EMPTY = new Uint8Array(0)
