/**
 * `pc_list {id, list, cursor?, token?}` → `{id, token, records?, ages?, next?, nodes?}`: one page
 * of the records held for `list` after `cursor` (an id; empty or absent: from the start), plus a
 * token bound to the querier's address. With a valid token the querier is proven and the page may
 * fill a datagram; without, it is at most 3× the query (often just the token). When this node
 * holds none of that list, the reply carries the closest nodes to the list id it knows instead.
 */
import { catchError, map, of, take } from 'rxjs'
import type { Observable } from 'rxjs'
import { AMPLIFICATION_LIMIT, ID_LENGTH, idToHex, isRoutingClosestReply, isRpcRequest, LIST_IDS, parseQueryArgs,
  reply } from '@peerconnect/protocol'
import type { Message, NodeId, RoutingClosest, RpcReply, RpcRequest } from '@peerconnect/protocol'
import type { Context } from '../../context.js'
import { BadListCursorError } from '../../errors.js'
import { fillListPage, fitNodes } from '../../page.js'
import { badQuery, dataOf, refuse } from '../../rejection.js'
import { UDP_PAGE_BYTES } from '../../constants.js'

export function onPcList (msg: Message, ctx: Context): Observable<Message> {
  if (!isRpcRequest(msg)) return badQuery(msg, ctx)
  const parsed = parseQueryArgs('pc_list', msg.args)
  if (!parsed.ok) return badQuery(msg, ctx, parsed.reason)
  const { list, cursor = EMPTY, token } = parsed.args
  if (cursor.length !== 0 && cursor.length !== ID_LENGTH) return of(refuse(msg, dataOf(new BadListCursorError()), ctx.rejected))
  const now = ctx.now()
  const proven = token !== undefined && ctx.tokens.check(token, msg.from.host, msg.from.port, now)
  const fresh = ctx.tokens.issue(msg.from.host, msg.from.port, now)
  const budget = proven ? UDP_PAGE_BYTES : AMPLIFICATION_LIMIT * msg.queryBytes
  if (ctx.store.entries(list, now).length === 0) return closestNodes(msg, ctx, { list, token: fresh, budget, proven })
  const entries = ctx.store.entries(list, now, cursor.length === 0 ? undefined : idToHex(cursor))
  const page = fillListPage(entries, { self: ctx.settings.id, token: fresh, budget, now, cursor })
  const r = page.next === undefined
    ? { token: fresh, records: page.records, ages: page.ages }
    : { token: fresh, records: page.records, ages: page.ages, next: page.next }
  return of(answer(msg, r, proven))
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const EMPTY = new Uint8Array(0)

/** The reply when we hold nothing of the list: the closest contacts routing knows (just the token if it cannot say). */
function closestNodes (msg: RpcRequest, ctx: Context,
  opts: { list: number, token: Uint8Array, budget: number, proven: boolean }): Observable<Message> {
  const ask: RoutingClosest = { type: 'routing.closest', target: LIST_IDS[opts.list] as NodeId, n: ctx.settings.r, pc: true }
  return ctx.deps.ask(ask, { timeout: ctx.settings.queryTimeout }).pipe(
    take(1),
    map(m => {
      const contacts = isRoutingClosestReply(m) ? m.contacts.filter(c => !c.host.includes(':')) : []
      const nodes = fitNodes(contacts, { self: ctx.settings.id, token: opts.token, budget: opts.budget })
      return answer(msg, { token: opts.token, nodes }, opts.proven)
    }),
    catchError(() => of(answer(msg, { token: opts.token }, opts.proven)))
  )
}

function answer (msg: RpcRequest, r: Record<string, unknown>, proven: boolean): Message {
  return reply<RpcReply>(msg, proven ? { type: 'rpc.reply', r, proven } : { type: 'rpc.reply', r })
}
