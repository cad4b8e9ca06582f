/**
 * Reads every record one holder has for one list: the first pc_list goes with the token that
 * holder gave us last if we have one (its reply then fills a datagram), else without (its reply
 * is small, at most 3× the query, and carries the token); the following ones with the token, so
 * each fills a datagram. Stops at the last page, at a page that makes no progress, or after
 * MAX_HOLDER_PAGES. Errors of a later page end the read with what was read so far.
 */
import { catchError, EMPTY, expand, map, reduce, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Address, ReplyByMethod, WireRecord } from '@peerconnect/protocol'
import type { Context } from './context.js'
import { query } from './query.js'
import { MAX_HOLDER_PAGES } from './constants.js'

/** A record read from a holder and when its peer last announced (ms since the epoch, by our clock). */
export interface ReadRecord { readonly wire: WireRecord, readonly seenAt: number }

export function readHolder (ctx: Context, holder: Address, list: number): Observable<ReadRecord[]> {
  type Step = { reply: ReplyByMethod['pc_list'], at: number, page: number }
  const ask = (a: Record<string, unknown>, page: number): Observable<Step> =>
    query(ctx, holder, 'pc_list', { list, ...a }).pipe(map(({ reply }) => ({ reply, at: ctx.now(), page })))
  const known = ctx.peerTokens.get(holder, ctx.now())
  return ask(known === undefined ? {} : { token: known }, 1).pipe(
    tap(step => ctx.peerTokens.set(holder, step.reply.token, step.at)),
    expand(step => {
      const next = step.reply.next
      if (next === undefined || step.page >= MAX_HOLDER_PAGES) return EMPTY
      if (step.page > 1 && (step.reply.records?.length ?? 0) === 0) return EMPTY        // proven and still nothing: stop
      return ask({ cursor: next, token: step.reply.token }, step.page + 1).pipe(
        tap(s => ctx.peerTokens.set(holder, s.reply.token, s.at)),
        catchError(() => EMPTY)
      )
    }),
    map(step => (step.reply.records ?? []).map((wire, i) => ({ wire, seenAt: step.at - (step.reply.ages?.[i] ?? 0) }))),
    reduce((all, page) => all.concat(page), [] as ReadRecord[])
  )
}
