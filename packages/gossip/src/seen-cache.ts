/**
 * The seen-cache: rumor ids this node has received, each with its local receipt time. An id
 * expires `ttl` ms after that receipt, and the cache never holds more than `max` ids: when full,
 * the oldest id goes. Times are this node's clock only. Pure; no timers (expiry happens on use).
 */
import { withGetters } from '@peerconnect/runtime'
export interface SeenCache {
  /** The local receipt time of `key`, or undefined if it is unknown or expired. */
  get(key: string, now: number): number | undefined
  /** Records the first receipt of `key` at `now`; false if it was already there (and not expired). */
  add(key: string, now: number): boolean
  readonly size: number
}

export function createSeenCache (opts: { ttl: number, max: number }): SeenCache {
  const { ttl, max } = opts
  if (!(ttl > 0)) throw new RangeError(`seen-cache ttl must be > 0, got ${ttl}`)
  if (!(Number.isSafeInteger(max) && max >= 1)) throw new RangeError(`seen-cache max must be a positive integer, got ${max}`)
  const entries = new Map<string, number>()

  /** Map order is insertion order: expired ids sit at the front (unless the clock went back). */
  const prune = (now: number): void => {
    for (const [key, at] of entries) {
      if (now - at < ttl) break
      entries.delete(key)
    }
  }

  const api: Omit<SeenCache, 'size'> = {
    get (key, now) {
      const at = entries.get(key)
      if (at === undefined) return undefined
      if (now - at >= ttl) {
        entries.delete(key)
        return undefined
      }
      return at
    },
    add (key, now) {
      prune(now)
      const at = entries.get(key)
      if (at !== undefined && now - at < ttl) return false
      entries.delete(key)
      entries.set(key, now)
      while (entries.size > max) entries.delete(entries.keys().next().value!)
      return true
    }
  }
  return withGetters(api, { size: () => entries.size })
}
