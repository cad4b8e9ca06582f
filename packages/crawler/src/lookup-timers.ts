import { EXPIRE_FACTOR, EXPIRE_INITIAL, EXPIRE_MAX, EXPIRE_MIN, SLOW_FACTOR, SLOW_INITIAL, SLOW_MAX, SLOW_MIN } from './constants.js'
import { withGetters } from '@peerconnect/runtime'

/**
 * The two thresholds of one lookup, both from the median RTT measured in it (seed contacts'
 * known RTTs count): a query in flight longer than `slow` gives its slot up (2× the median,
 * clamped to [SLOW_MIN, SLOW_MAX]); one in flight longer than `expire` is presumed lost (3× the
 * median, clamped to [EXPIRE_MIN, EXPIRE_MAX], never below `slow`). Before any sample they are
 * `slowAfter` and `expireAfter`.
 */
export interface LookupTimers {
  readonly slow: number
  readonly expire: number
  /** Adds one RTT sample (ms); ignores negative and non-finite ones. */
  observe(rtt: number): void
}

export function createLookupTimers (opts: { slowAfter?: number, expireAfter?: number } = {}): LookupTimers {
  const slowInitial = opts.slowAfter ?? SLOW_INITIAL
  const expireInitial = Math.max(slowInitial, opts.expireAfter ?? EXPIRE_INITIAL)
  const rtts: number[] = []
  let slow = slowInitial
  let expire = expireInitial
  const api: Omit<LookupTimers, 'slow' | 'expire'> = {
    observe (rtt) {
      if (!(rtt >= 0) || !Number.isFinite(rtt)) return
      insertSorted(rtts, rtt)
      const m = median(rtts)
      slow = clamp(SLOW_FACTOR * m, SLOW_MIN, SLOW_MAX)
      expire = Math.max(slow, clamp(EXPIRE_FACTOR * m, EXPIRE_MIN, EXPIRE_MAX))
    }
  }
  return withGetters(api, { slow: () => slow, expire: () => expire })
}

function insertSorted (xs: number[], x: number): void {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  xs.splice(lo, 0, x)
}

function median (sorted: readonly number[]): number {
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function clamp (x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x
}
