/**
 * Token buckets by key (a sender's network): each holds up to `burst` and refills at `rate` per
 * second; `take(key, n, now)` spends n if it can. At most `max` keys are kept (the least recently
 * used go first: a forgotten key starts full again, which costs at most one burst). Pure.
 */
import { withGetters } from '@peerconnect/runtime'
export interface Buckets {
  /** Spends `n` from `key`'s bucket and returns true, or returns false and spends nothing. */
  take(key: string, n: number, now: number): boolean
  readonly size: number
}

export function createBuckets (opts: { rate: number, burst: number, max: number }): Buckets {
  const buckets = new Map<string, { level: number, at: number }>()
  const api: Omit<Buckets, 'size'> = {
    take (key, n, now) {
      const b = buckets.get(key) ?? { level: opts.burst, at: now }
      buckets.delete(key)
      const level = Math.min(opts.burst, b.level + Math.max(0, now - b.at) * opts.rate / 1000)
      const ok = level >= n
      buckets.set(key, { level: ok ? level - n : level, at: now })
      if (buckets.size > opts.max) buckets.delete(buckets.keys().next().value!)
      return ok
    }
  }
  return withGetters(api, { size: () => buckets.size })
}
