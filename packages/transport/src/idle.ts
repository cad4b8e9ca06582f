/**
 * Forgetting contacts not heard from for a while. The transport's books (what each contact speaks,
 * the seen throttles, RTTs, rate-limit sources, credit) are bounded by a count, but at that bound
 * they would hold every peer a long-running node ever heard from. Each also forgets an entry once
 * it has not been touched for `idle` ms (CONTACT_IDLE by default: minutes, far beyond the seconds
 * any timeout, throttle or bucket refill that reads them spans), so what they hold is the peers in
 * use. Each book keeps its entries in a Map in the order they were last touched (least recently
 * first), so forgetting looks at the head only: one look per entry forgotten, at most once per
 * second of the book's clock.
 */

/**
 * Deletes the entries at the head of `map` (least recently touched first) whose time `at(value)`
 * is `before` or earlier; stops at the first later one.
 */
export function forgetIdle<K, V> (map: Map<K, V>, at: (value: V) => number, before: number): void {
  for (const [key, value] of map) {
    if (at(value) > before) return
    map.delete(key)
  }
}

/**
 * A book's clock in whole seconds since it was made (small integers, which V8 stores in an object's
 * field without a heap number of its own), and when its idle entries are due to be forgotten.
 */
export interface IdleClock {
  /** Seconds since the book was made. */
  second(): number
  /**
   * The second at or before which an entry is idle, when a sweep is due (at most once per second),
   * else undefined. Infinity idle: never.
   */
  due(): number | undefined
}

export function createIdleClock (now: () => number, idle: number): IdleClock {
  const t0 = now()
  const idleSeconds = Math.ceil(idle / 1000)
  let last = 0
  const second = (): number => Math.floor((now() - t0) / 1000)
  return {
    second,
    due () {
      if (!Number.isFinite(idleSeconds)) return undefined
      const s = second()
      if (s === last) return undefined
      last = s
      return s - idleSeconds
    }
  }
}

/** The options every book shares (a book states what `idle` means for it where that differs). */
export interface IdleBookOptions {
  /** An entry not touched for this many ms is forgotten. Default CONTACT_IDLE; Infinity: never. */
  readonly idle?: number
  /** Monotonic ms (a simulation's virtual clock). Default performance.now. */
  readonly now?: () => number
}

/** The default clock of a book: monotonic ms. */
export const monotonicNow = (): number => performance.now()
