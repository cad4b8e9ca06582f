/**
 * How many hits this node sends to one origin: at most `max` per origin IP (host, whatever the
 * port; for IPv6 its /64, which one machine may rotate through) per `window` ms, for at most `size` IPs at once (the oldest forgotten
 * first). A forged
 * search rumor that names a victim's address, sent again and again under new ids, gets at most
 * `max` check queries from this node per window — and never a record (search.ts). Pure.
 */
import { withGetters } from '@peerconnect/runtime'
export interface OriginBudget {
  /** Spends one hit to `host` at `now`; false when its budget for the window is spent. */
  take(host: string, now: number): boolean
  readonly size: number
}

export function createOriginBudget (opts: { max: number, window: number, size: number }): OriginBudget {
  const { max, window, size } = opts
  const spent = new Map<string, { start: number, n: number }>()
  const api: Omit<OriginBudget, 'size'> = {
    take (address, now) {
      const host = originKey(address)
      let e = spent.get(host)
      if (e === undefined || now - e.start >= window || now < e.start) {
        spent.delete(host)
        spent.set(host, e = { start: now, n: 0 })
        while (spent.size > size) spent.delete(spent.keys().next().value!)
      }
      if (e.n >= max) return false
      e.n++
      return true
    }
  }
  return withGetters(api, { size: () => spent.size })
}

/** The budget key of a host: an IPv4 address as is, an IPv6 address's /64 (its first 4 groups, expanded). */
export function originKey (host: string): string {
  if (!host.includes(':')) return host
  const bare = host.split('%')[0]!.toLowerCase()
  const [head, tail] = bare.includes('::') ? bare.split('::', 2) as [string, string] : [bare, undefined]
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
  return groups.slice(0, 4).map(g => g.replace(/^0+(?=.)/, '')).join(':') + '::/64'
}
