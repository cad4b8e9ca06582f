/**
 * How many hits this node sends to one origin: at most `max` per origin IP (host, whatever the
 * port) per `window` ms, for at most `size` IPs at once (the oldest forgotten first). A forged
 * search rumor that names a victim's address, sent again and again under new ids, gets at most
 * `max` check queries from this node per window — and never a record (search.ts). Pure.
 */
export interface OriginBudget {
  /** Spends one hit to `host` at `now`; false when its budget for the window is spent. */
  take (host: string, now: number): boolean
  readonly size: number
}

export function createOriginBudget (opts: { max: number, window: number, size: number }): OriginBudget {
  const { max, window, size } = opts
  const spent = new Map<string, { start: number, n: number }>()
  return {
    take (host, now) {
      let e = spent.get(host)
      if (e === undefined || now - e.start >= window || now < e.start) {
        spent.delete(host)
        spent.set(host, e = { start: now, n: 0 })
        while (spent.size > size) spent.delete(spent.keys().next().value!)
      }
      if (e.n >= max) return false
      e.n++
      return true
    },
    get size () { return spent.size }
  }
}
