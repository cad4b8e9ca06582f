/**
 * Lists search: for each of the 20 lists (`concurrency` at once), its holders are asked
 * `pc_search` and their pages followed. The holders come from the holder cache (one crawler lookup
 * per list per window). With `early`, a list whose holders are not cached asks the routing
 * table's closest node to its id first and starts the lookup once that node has answered (or after
 * `headStart` ms); while the lookup runs, each new closest node it reports is asked at once (the
 * first hit need not wait for the lookup to end), and when it ends, the `perList`
 * closest holders not asked yet — a silent one replaced by the next farther, and the list's
 * holders forgotten so the next search looks them up again. `onFirstWave` tells when every list
 * has had its first answer (a hybrid search sends its gossip rumor then). Records are verified (on the compute
 * pool when a page brings many), must match the query, and each peer is emitted once, as soon as
 * its first valid record arrives.
 */
import { catchError, concat, defaultIfEmpty, defer, EMPTY, finalize, from, ignoreElements, map, merge, mergeMap, share, take, tap,
  timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { idToHex, LIST_COUNT, matchesName } from '@peerconnect/protocol'
import type { Contact, PeerRecord, WireRecord } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { verifyMany } from '../verify.js'
import type { HolderCache, Holders } from '../holders.js'
import { readPages } from '../pages.js'

export interface ListsSearchOptions {
  readonly holders: HolderCache
  /** Holders of a list asked once its lookup has ended. */
  readonly perList: number
  /** Lists searched at once. */
  readonly concurrency: number
  readonly maxPages: number
  /** Ask the routing table's closest node first, and each new closest node a running lookup reports. */
  readonly early: boolean
  /** ms the routing table's closest node has to answer before the lookup starts anyway. */
  readonly headStart: number
  /** Called once, when every list has had its first pc_search answer (or failure) or has ended: the first wave is in. */
  readonly onFirstWave?: () => void
  /** Called once per holder whose first pc_search was answered. */
  readonly onAnswer?: (list: number) => void
}

/** The verified, matching records the lists hold for `query` (already validated), each peer once. */
export function searchLists (ctx: Context, query: string, opts: ListsSearchOptions): Observable<PeerRecord> {
  return defer(() => {
    const emitted = new Set<string>()
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
    const wave = firstWave(opts.onFirstWave)
    const list$ = (list: number): Observable<PeerRecord> => defer(() => {
      const asked = new Set<string>()
      const ask = (h: Contact): Observable<WireRecord[]> => defer(() => {
        asked.add(idToHex(h.id))
        let first = true
        const answered = (): void => {
          if (first) opts.onAnswer?.(list)
          first = false
          wave(list)
        }
        return readPages(ctx, h, 'pc_search', { q: query }, opts).pipe(map(p => p.reply.records),
          tap({ next: answered, error: () => wave(list) }))
      })
      const askTop = (closest: readonly Contact[]): Observable<WireRecord[]> => {
        const top = closest[0]
        if (top === undefined || asked.has(idToHex(top.id))) return EMPTY
        return ask(top).pipe(catchError(() => EMPTY))
      }
      const onHolders = (h: Holders): Observable<WireRecord[]> => {
        if (!h.final) return opts.early ? askTop(h.closest) : EMPTY
        const fresh = h.closest.filter(c => !asked.has(idToHex(c.id)))
        const want = opts.perList - (h.closest.length - fresh.length)
        const forget = (): void => opts.holders.forget(list)
        return merge(...chains(fresh, want).map(chain => firstAnswering(chain, ask, forget)))
      }
      const crawl$ = opts.holders.of(list).pipe(mergeMap(onHolders))
      if (!opts.early || opts.holders.cached(list) !== undefined) return crawl$.pipe(mergeMap(checked), finalize(() => wave(list)))
      // The routing table's closest node is asked first; the lookup starts once it has answered
      // (or failed), or after the head start: in a busy swarm its first reply is not queued behind the lookup's.
      const early$ = opts.holders.known(list).pipe(mergeMap(askTop), share())
      const go$ = merge(early$.pipe(take(1), defaultIfEmpty(null)), timer(opts.headStart, ctx.deps.scheduler)).pipe(take(1),
        ignoreElements())
      return merge(early$, concat(go$, crawl$)).pipe(mergeMap(checked), finalize(() => wave(list)))
    })
    return from(Array.from({ length: LIST_COUNT }, (_, i) => i)).pipe(mergeMap(list$, opts.concurrency))
  })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** A marker of lists whose first answer is in: calls `done` once, when all LIST_COUNT are. */
function firstWave (done: (() => void) | undefined): (list: number) => void {
  const lists = new Set<number>()
  return list => {
    if (done === undefined || lists.has(list)) return
    lists.add(list)
    if (lists.size === LIST_COUNT) done()
  }
}

/** `holders` dealt into `n` chains (0, n, 2n… / 1, n+1…): each chain is asked one holder at a time. */
function chains (holders: readonly Contact[], n: number): Contact[][] {
  if (n <= 0) return []
  const out: Contact[][] = Array.from({ length: Math.min(n, holders.length) }, () => [])
  holders.forEach((h, i) => out[i % n]!.push(h))
  return out
}

/**
 * The pages of the first holder of `chain` whose first query is answered; each one that is not calls `onFail` and is
 * replaced by the next.
 */
function firstAnswering (chain: readonly Contact[], ask: (h: Contact) => Observable<WireRecord[]>,
  onFail: () => void): Observable<WireRecord[]> {
  return defer(() => {
    const [first, ...rest] = chain
    if (first === undefined) return EMPTY
    return ask(first).pipe(catchError(() => {
      onFail()
      return firstAnswering(rest, ask, onFail)
    }))
  })
}
