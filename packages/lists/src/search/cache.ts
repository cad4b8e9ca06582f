/**
 * The result cache of the seed ("time-based caching with manual invalidation"): a finished
 * search's hits, keyed by the normalized query and the via, replayed for `ttl` ms. A search cut
 * short by its bound is reused only by searches with a bound no longer than its own. Bounded:
 * the oldest entries go first. Pure: time comes in as `now`.
 */
import { nameTokens } from '@peerconnect/protocol'
import type { SearchVia } from '@peerconnect/protocol'
import type { Found } from './merge.js'
import { withGetters } from '@peerconnect/runtime'

export interface CachedSearch {
  readonly hits: readonly Found[]
  /** When the search ended (ms). */
  readonly at: number
  /** Its time bound (ms). */
  readonly bound: number
  /** Every part ended before the bound. */
  readonly complete: boolean
}

export interface ResultCache {
  /** The entry for `key` if it is younger than the ttl and good for a search bounded by `bound` ms. */
  get(key: string, now: number, bound: number): CachedSearch | undefined
  set(key: string, entry: CachedSearch): void
  clear(): void
  readonly size: number
}

/** The cache key of a query: its normalized tokens, each once, sorted (they match the same names in any order), and the via. */
export function searchKey (query: string, via: SearchVia): string {
  return `${via}:${[...new Set(nameTokens(query))].sort().join(' ')}`
}

export function createResultCache (opts: { ttl: number, max: number }): ResultCache {
  const entries = new Map<string, CachedSearch>()
  const api: Omit<ResultCache, 'size'> = {
    get (key, now, bound) {
      const e = entries.get(key)
      if (e === undefined) return undefined
      if (now - e.at >= opts.ttl) {
        entries.delete(key)
        return undefined
      }
      return e.complete || e.bound >= bound ? e : undefined
    },
    set (key, entry) {
      if (opts.ttl <= 0 || opts.max <= 0) return
      entries.delete(key)
      entries.set(key, entry)
      while (entries.size > opts.max) entries.delete(entries.keys().next().value!)
    },
    clear: () => {
      entries.clear()
    }
  }
  return withGetters(api, { size: () => entries.size })
}
