/**
 * The holders of each list, as a crawler lookup found them, reused for `ttl` ms: searches within
 * that window do not crawl again for the same list, and concurrent searches share one lookup. A
 * lookup that fails or finds nobody is not kept.
 */
import { catchError, defer, finalize, of, share, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import { LIST_IDS } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { lookupHolders } from '../lookup.js'

export interface HolderCache {
  /** The R nodes closest to list `list`'s id, nearest first (empty when the lookup failed). */
  of (list: number): Observable<Contact[]>
  /** Forgets every list's holders; lookups already running do not fill the cache. */
  clear (): void
  /** Lists whose holders are kept now. */
  size (now: number): number
}

export function createHolderCache (ctx: Context, opts: { ttl: number }): HolderCache {
  const cache = new Map<number, { at: number, holders: Contact[] }>()
  const running = new Map<number, Observable<Contact[]>>()
  let generation = 0

  return {
    of: (list) => defer(() => {
      const hit = cache.get(list)
      if (hit !== undefined && ctx.now() - hit.at < opts.ttl) return of(hit.holders)
      let lookup = running.get(list)
      if (lookup === undefined) {
        const gen = generation
        const l: Observable<Contact[]> = lookupHolders(ctx, LIST_IDS[list] as NodeId, ctx.settings.r).pipe(
          tap(holders => { if (gen === generation && holders.length > 0) cache.set(list, { at: ctx.now(), holders }) }),
          catchError(() => of<Contact[]>([])),
          finalize(() => { if (running.get(list) === l) running.delete(list) }),
          share()
        )
        lookup = l
        running.set(list, l)
      }
      return lookup
    }),
    clear () {
      generation++
      cache.clear()
    },
    size: (now) => [...cache.values()].filter(h => now - h.at < opts.ttl).length
  }
}
