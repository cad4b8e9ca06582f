/**
 * Asks one holder `pc_search` and follows its pages: the first query carries the token that holder
 * gave us last, if we have one (then the reply fills a datagram); every reply brings a fresh token
 * for the next page. Emits each page's records as it arrives. Stops at the last page, after
 * `maxPages`, or at a page that makes no progress. An error of the first query errors the stream
 * (the caller asks another holder); an error of a later page ends it.
 */
import { catchError, EMPTY, expand, map, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Address, ReplyByMethod, WireRecord } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { query } from '../query.js'

export function searchHolder (ctx: Context, holder: Address, q: string, opts: { maxPages: number }): Observable<WireRecord[]> {
  type Step = { reply: ReplyByMethod['pc_search'], page: number, sentToken: boolean }
  const ask = (a: { cursor?: Uint8Array }, page: number): Observable<Step> => {
    const token = ctx.peerTokens.get(holder, ctx.now())
    const args = token === undefined ? { q, ...a } : { q, ...a, token }
    return query(ctx, holder, 'pc_search', args).pipe(
      map(({ reply }) => ({ reply, page, sentToken: token !== undefined })),
      tap(step => { if (step.reply.token !== undefined) ctx.peerTokens.set(holder, step.reply.token, ctx.now()) })
    )
  }
  return ask({}, 1).pipe(
    expand(step => {
      const next = step.reply.next
      if (next === undefined || step.page >= opts.maxPages) return EMPTY
      const stuck = step.reply.records.length === 0 && (step.sentToken || ctx.peerTokens.get(holder, ctx.now()) === undefined)
      if (stuck) return EMPTY
      return ask({ cursor: next }, step.page + 1).pipe(catchError(() => EMPTY))
    }),
    map(step => step.reply.records)
  )
}
