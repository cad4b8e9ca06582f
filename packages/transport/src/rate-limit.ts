import { RATE_LIMIT_BURST, RATE_LIMIT_MAX_SOURCES, RATE_LIMIT_RATE, second } from './constants.js'

export interface RateLimitOptions {
  /** Queries per second a source IP may send, sustained. Default RATE_LIMIT_RATE. */
  readonly rate?: number
  /** Queries a source IP may send in one burst. Default RATE_LIMIT_BURST. */
  readonly burst?: number
  /** Source IPs tracked at once; the least recently seen are forgotten. Default RATE_LIMIT_MAX_SOURCES. */
  readonly maxSources?: number
  /** Loopback sources (127.0.0.0/8, ::1) are never limited. Default true: local testnets put hundreds of nodes on 127.0.0.1. */
  readonly exemptLoopback?: boolean
}

/** A per-source-IP token bucket for inbound queries, with a bounded map of sources. */
export interface RateLimiter {
  /** Takes one token from `ip`'s bucket at time `now` (ms); false when the bucket is empty. */
  allow (ip: string, now: number): boolean
  /** Source IPs currently tracked. */
  readonly size: number
}

export function createRateLimiter (opts: RateLimitOptions = {}): RateLimiter {
  const perMs = (opts.rate ?? RATE_LIMIT_RATE) / second
  const burst = Math.max(1, opts.burst ?? RATE_LIMIT_BURST)
  const maxSources = Math.max(1, opts.maxSources ?? RATE_LIMIT_MAX_SOURCES)
  const exemptLoopback = opts.exemptLoopback ?? true
  const buckets = new Map<string, Bucket>()

  return {
    allow (ip, now) {
      if (exemptLoopback && isLoopback(ip)) return true
      let b = buckets.get(ip)
      if (b === undefined) {
        if (buckets.size >= maxSources) buckets.delete(buckets.keys().next().value as string)
        b = { tokens: burst, at: now }
      } else {
        buckets.delete(ip)
        const elapsed = now - b.at
        if (elapsed > 0) b.tokens = Math.min(burst, b.tokens + elapsed * perMs)
        b.at = now
      }
      buckets.set(ip, b)
      if (b.tokens < 1) return false
      b.tokens -= 1
      return true
    },
    get size () { return buckets.size }
  }
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses. */
export function isLoopback (ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.')
}

interface Bucket { tokens: number, at: number }
