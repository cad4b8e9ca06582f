/**
 * The one paged holder reader (the directory's pc_list, the search's pc_search): asks one holder
 * for one page after another. Every query carries the token that holder gave us last, if we have
 * one (its reply then fills a datagram; without, the reply is at most 3× the query and brings the
 * token for the next page); every reply's token is kept. A query without a token is padded when
 * `pad` says so, so that 3× it holds a reply of `pad` bytes: the first page then comes full at once,
 * without a round trip for the token. Emits each page as it arrives. Stops at
 * the last page, after `maxPages`, or at an empty page once no progress can come (a second page
 * still empty, or no token to prove ourselves with). An error of the first query errors the stream
 * (the caller may ask another holder); an error of a later page ends it with what was read.
 */
import { catchError, defer, EMPTY, expand, map, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Address, ReplyByMethod } from '@peerconnect/protocol'
import type { Context } from './context.js'
import { padded } from './page.js'
import { query } from './query.js'

/** The paged methods. */
export type PagedMethod = 'pc_list' | 'pc_search'

/** One page a holder answered, and when it came (ms, our clock). */
export interface HolderPage<M extends PagedMethod> {
  readonly reply: ReplyByMethod[M]
  readonly at: number
}

/** The pages `holder` answers to `method` with `args` (`cursor` and `token` are added). */
export function readPages<M extends PagedMethod> (
  ctx: Context,
  holder: Address,
  method: M,
  args: Record<string, unknown>,
  opts: { maxPages: number, pad?: number }
): Observable<HolderPage<M>> {
  type Step = HolderPage<M> & { readonly page: number }
  const ask = (cursor: Uint8Array | undefined, page: number): Observable<Step> => defer(() => {
    const token = ctx.peerTokens.get(holder, ctx.now())
    const plain = { ...args, ...(cursor === undefined ? {} : { cursor }) }
    const a = token !== undefined
      ? { ...plain, token }
      : opts.pad === undefined
      ? plain
      : padded(ctx.settings.id, method, plain, opts.pad)
    return query(ctx, holder, method, a).pipe(
      map(({ reply }) => ({ reply, at: ctx.now(), page })),
      tap(step => {
        const fresh = step.reply.token
        if (fresh !== undefined) ctx.peerTokens.set(holder, fresh, step.at)
      })
    )
  })
  return ask(undefined, 1).pipe(
    expand(step => {
      const next = step.reply.next
      if (next === undefined || step.page >= opts.maxPages) return EMPTY
      const empty = (step.reply.records ?? []).length === 0
      if (empty && (step.page > 1 || ctx.peerTokens.get(holder, ctx.now()) === undefined)) return EMPTY // proven and still nothing: stop
      return ask(next, step.page + 1).pipe(catchError(() => EMPTY))
    }),
    map(({ reply, at }) => ({ reply, at }))
  )
}
