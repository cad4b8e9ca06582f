import { CONTACT_IDLE, RATE_LIMIT_BURST, RATE_LIMIT_GLOBAL_BURST, RATE_LIMIT_GLOBAL_RATE, RATE_LIMIT_INITIAL, RATE_LIMIT_MAX_SOURCES,
  RATE_LIMIT_NOTICE_INTERVAL, RATE_LIMIT_PREFIX_BURST, RATE_LIMIT_PREFIX_RATE, RATE_LIMIT_RATE } from './constants.js'
import { second } from '@peerconnect/protocol'
import { withGetters } from '@peerconnect/runtime'
import { forgetIdle } from './idle.js'
import type { IdleBookOptions } from './idle.js'

/** `idle`: a source (or prefix) that sent no query for as long is forgotten, and starts small again. */
export interface RateLimitOptions extends Pick<IdleBookOptions, 'idle'> {
  /** Queries per second a source IP may send, sustained. Default RATE_LIMIT_RATE. */
  readonly rate?: number
  /** Queries a source IP may send in one burst. Default RATE_LIMIT_BURST. */
  readonly burst?: number
  /** Tokens a source (address or prefix) seen for the first time starts with: new sources start small. Default RATE_LIMIT_INITIAL. */
  readonly initial?: number
  /** Queries per second all the addresses of one /24 (IPv4) or /64 (IPv6) may send together. Default RATE_LIMIT_PREFIX_RATE. */
  readonly prefixRate?: number
  /** Burst of one /24 or /64 together. Default RATE_LIMIT_PREFIX_BURST. */
  readonly prefixBurst?: number
  /** Queries per second the node takes from everyone together (the global ceiling). Default RATE_LIMIT_GLOBAL_RATE. */
  readonly globalRate?: number
  /** Burst of the global ceiling. Default RATE_LIMIT_GLOBAL_BURST. */
  readonly globalBurst?: number
  /**
   * Source IPs (and, apart, prefixes) tracked at once; the least recently seen are forgotten (and start small again).
   * Default RATE_LIMIT_MAX_SOURCES.
   */
  readonly maxSources?: number
  /**
   * A refusing bucket (a source's, a prefix's, the global one) answers one refused query with 201 per this many ms; the
   * rest is dropped unanswered. Default RATE_LIMIT_NOTICE_INTERVAL.
   */
  readonly noticeInterval?: number
  /**
   * Loopback sources (127.0.0.0/8, ::1) are never limited. Default true for the library, where
   * local testnets put hundreds of nodes on loopback; `peerconnect start` turns it off unless
   * `--exempt-loopback`, `peerconnect demo` keeps it on.
   */
  readonly exemptLoopback?: boolean
}

/** What to do with an inbound query: take it, refuse it with a 201 notice, or drop it unanswered. */
export const VERDICT = { ALLOW: 0, NOTICE: 1, DROP: 2 } as const
export type Verdict = typeof VERDICT[keyof typeof VERDICT]

/**
 * Token buckets for inbound queries: one per source IP, one per /24 (IPv4) or /64 (IPv6) that
 * the sources of a prefix share, and one global ceiling. A query passes only when all three have a
 * token (and then takes one from each). New sources start with few tokens. Bounded maps, which also
 * forget sources idle for `idle` (a bucket refills to its burst in seconds: all it loses is that
 * burst, which a source earns again by its rate).
 */
export interface RateLimiter {
  /** Takes one token from `ip`'s buckets at time `now` (ms); false when any of them is empty. */
  allow(ip: string, now: number): boolean
  /** Like `allow`, and says whether a refused query is due a 201 notice (one per `noticeInterval` per refusing bucket). */
  check(ip: string, now: number): Verdict
  /** Source IPs currently tracked. */
  readonly size: number
  /** Prefixes (/24, /64) currently tracked. */
  readonly prefixes: number
}

export function createRateLimiter (opts: RateLimitOptions = {}): RateLimiter {
  const perMs = (opts.rate ?? RATE_LIMIT_RATE) / second
  const burst = Math.max(1, opts.burst ?? RATE_LIMIT_BURST)
  const initial = Math.min(burst, Math.max(1, opts.initial ?? RATE_LIMIT_INITIAL))
  const prefixPerMs = (opts.prefixRate ?? RATE_LIMIT_PREFIX_RATE) / second
  const prefixBurst = Math.max(1, opts.prefixBurst ?? RATE_LIMIT_PREFIX_BURST)
  const prefixInitial = Math.min(prefixBurst, 4 * initial)
  const globalPerMs = (opts.globalRate ?? RATE_LIMIT_GLOBAL_RATE) / second
  const globalBurst = Math.max(1, opts.globalBurst ?? RATE_LIMIT_GLOBAL_BURST)
  const maxSources = Math.max(1, opts.maxSources ?? RATE_LIMIT_MAX_SOURCES)
  const noticeInterval = opts.noticeInterval ?? RATE_LIMIT_NOTICE_INTERVAL
  const exemptLoopback = opts.exemptLoopback ?? true
  const idle = opts.idle ?? CONTACT_IDLE
  let swept = -Infinity
  const sources = new Map<string, Bucket>()
  const prefixes = new Map<string, Bucket>()
  let global: Bucket | undefined

  // Times are kept as whole ms since the first check: small integers, which V8 keeps in a bucket's
  // fields without a heap number each (a bucket holds two; the refill stays exact, elapsed times telescope).
  let t0: number | undefined
  const check = (ip: string, at: number): Verdict => {
    if (exemptLoopback && isLoopback(ip)) return VERDICT.ALLOW
    t0 ??= Math.floor(at)
    const now = Math.floor(at) - t0
    if (now - swept >= SWEEP_EVERY) { // at most once a second: the maps' heads are the least recently seen
      swept = now
      forgetIdle(sources, bucketAt, now - idle)
      forgetIdle(prefixes, bucketAt, now - idle)
    }
    const b = touch(sources, ip, now, initial, burst, perMs)
    const p = touch(prefixes, prefixOf(ip), now, prefixInitial, prefixBurst, prefixPerMs)
    if (global === undefined) global = { tokens: globalBurst, at: now, noticeAt: NEVER }
    else refill(global, now, globalBurst, globalPerMs)
    if (b.tokens >= 1 && p.tokens >= 1 && global.tokens >= 1) {
      b.tokens -= 1
      p.tokens -= 1
      global.tokens -= 1
      return VERDICT.ALLOW
    }
    // The bucket that refused says so, once per interval: 256 rotating addresses of a /24 hear one 201 a second, not 256.
    const refusing = b.tokens < 1 ? b : p.tokens < 1 ? p : global
    if (now - refusing.noticeAt < noticeInterval) return VERDICT.DROP
    refusing.noticeAt = now
    return VERDICT.NOTICE
  }

  const api: Omit<RateLimiter, 'size' | 'prefixes'> = {
    check,
    allow: (ip, now) => check(ip, now) === VERDICT.ALLOW
  }
  return withGetters(api, { size: () => sources.size, prefixes: () => prefixes.size })

  /** The bucket of `key`, refilled to `now` and moved to the most recently seen end (created small when new). */
  function touch (map: Map<string, Bucket>, key: string, now: number, start: number, cap: number, rate: number): Bucket {
    let b = map.get(key)
    if (b === undefined) {
      if (map.size >= maxSources) map.delete(map.keys().next().value as string)
      b = { tokens: start, at: now, noticeAt: NEVER }
    } else {
      map.delete(key)
      refill(b, now, cap, rate)
    }
    map.set(key, b)
    return b
  }
}

const SWEEP_EVERY = 1000
/** A bucket's `noticeAt` before its first notice: long before any time (and a small integer). */
const NEVER = -(2 ** 30)
const bucketAt = (b: Bucket): number => b.at

function refill (b: Bucket, now: number, cap: number, perMs: number): void {
  const elapsed = now - b.at
  if (elapsed > 0) b.tokens = Math.min(cap, b.tokens + elapsed * perMs)
  b.at = now
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses. */
export function isLoopback (ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.')
}

/** The /24 of an IPv4 address (also IPv4-mapped `::ffff:a.b.c.d`), the /64 of an IPv6 one, as a map key. */
export function prefixOf (ip: string): string {
  const v4 = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
  if (!v4.includes(':')) {
    const dot = v4.lastIndexOf('.')
    return dot < 0 ? v4 : v4.slice(0, dot)
  }
  // IPv6: the first four groups of the expanded address.
  const zone = v4.indexOf('%')
  const addr = (zone < 0 ? v4 : v4.slice(0, zone)).toLowerCase()
  const gap = addr.indexOf('::')
  let groups: string[]
  if (gap < 0) groups = addr.split(':')
  else {
    const head = gap === 0 ? [] : addr.slice(0, gap).split(':')
    const tail = addr.slice(gap + 2) === '' ? [] : addr.slice(gap + 2).split(':')
    groups = [...head, ...Array<string>(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail]
  }
  return groups.slice(0, 4).map(g => g.replace(/^0+(?=.)/, '')).join(':') + '::/64'
}

interface Bucket {
  tokens: number
  at: number
  noticeAt: number
}
