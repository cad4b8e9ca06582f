/**
 * Lists search: for each of the 20 lists (`concurrency` at once), its holders (from the holder
 * cache: one crawler lookup per list per window) are asked `pc_search` — `holders` of them at
 * once, a silent one replaced by the next farther — and their pages followed. Records are
 * verified (on the compute pool when a page brings many), must match the query, and each peer
 * is emitted once, as soon as its first valid record arrives.
 */
import { catchError, defer, EMPTY, from, merge, mergeMap } from 'rxjs'
import type { Observable } from 'rxjs'
import { idToHex, LIST_COUNT, matchesName } from '@peerconnect/protocol'
import type { Contact, PeerRecord, WireRecord } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { verifyMany } from '../verify.js'
import type { HolderCache } from './holders.js'
import { searchHolder } from './holder-search.js'

export interface ListsSearchOptions {
  readonly holders: HolderCache
  /** Holders of a list asked at once. */
  readonly perList: number
  /** Lists searched at once. */
  readonly concurrency: number
  readonly maxPages: number
}

/** The verified, matching records the lists hold for `query` (already validated), each peer once. */
export function searchLists (ctx: Context, query: string, opts: ListsSearchOptions): Observable<PeerRecord> {
  return defer(() => {
    const emitted = new Set<string>()
    const lists = Array.from({ length: LIST_COUNT }, (_, i) => i)
    const checked = (page: readonly WireRecord[]): Observable<PeerRecord> => {
      const fresh = page.filter(w => !emitted.has(idToHex(w.id)))
      if (fresh.length === 0) return EMPTY
      return verifyMany(fresh, ctx.deps.pool, { threshold: ctx.settings.poolThreshold }).pipe(
        mergeMap(results => from(results.flatMap(v => {
          if (!v.ok || !matchesName(v.record.n, query)) return []
          const hex = idToHex(v.record.id)
          if (emitted.has(hex)) return []
          emitted.add(hex)
          return [v.record]
        })))
      )
    }
    const list$ = (list: number): Observable<PeerRecord> => opts.holders.of(list).pipe(
      mergeMap(holders => merge(...chains(holders, opts.perList).map(chain => firstAnswering(chain, h => searchHolder(ctx, h, query, opts))))),
      mergeMap(checked)
    )
    return from(lists).pipe(mergeMap(list$, opts.concurrency))
  })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** `holders` dealt into `n` chains (0, n, 2n… / 1, n+1…): each chain is asked one holder at a time. */
function chains (holders: readonly Contact[], n: number): Contact[][] {
  const out: Contact[][] = Array.from({ length: Math.min(n, holders.length) }, () => [])
  holders.forEach((h, i) => out[i % n]!.push(h))
  return out
}

/** The pages of the first holder of `chain` that answers (a holder whose first query fails is replaced by the next). */
function firstAnswering (chain: readonly Contact[], ask: (h: Contact) => Observable<WireRecord[]>): Observable<WireRecord[]> {
  return defer(() => {
    const [first, ...rest] = chain
    if (first === undefined) return EMPTY
    return ask(first).pipe(catchError(() => firstAnswering(rest, ask)))
  })
}
