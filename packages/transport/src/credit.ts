import { CONTACT_IDLE, CREDIT_MAX_ADDRESSES, PROVEN_MAX_ADDRESSES } from './constants.js'
import { withGetters } from '@peerconnect/runtime'
import { createIdleClock, forgetIdle, monotonicNow } from './idle.js'
import type { IdleBookOptions } from './idle.js'

/**
 * New addresses draw no traffic: an address (`host:port`) is *proven* once it answered a query of
 * ours (a reply or a KRPC error: alive at that address). Until then the bytes it sent us and we
 * sent it are counted, so what we send on our own initiative (a ping back) stays within what it
 * sent (`room`), and a reply's optional parts (BEP 42 `ip`) are left out when they would not fit.
 * Bounded memory: forgetting an unproven address resets it to no credit; forgetting a proven one
 * makes it unproven again. The least recently touched are forgotten first (a proven address by the
 * last message it sent us, an unproven one by its last bytes either way), and any idle for `idle`.
 */
export interface CreditBook {
  isProven(key: string): boolean
  prove(key: string): void
  /** Bytes received from an address (counted while it is unproven; a proven one stays proven by it). */
  received(key: string, bytes: number): void
  /** Bytes sent to an address (counted only while unproven). */
  sent(key: string, bytes: number): void
  /** What we may still send an unproven address (Infinity when proven). */
  room(key: string): number
  /**
   * Whether a query of our own initiative (`bytes`) may go to the address: always when proven;
   * else once after it first reached us (a ping back: without it a newcomer whose queries drew
   * 3× replies would never be asked, so never proven), then only within `room`.
   */
  allowInitiated(key: string, bytes: number): boolean
  /**
   * What a reply's optional parts (BEP 42 `ip`) may make it: unbounded when proven or for the first reply to an address
   * (so a node behind a NAT learns its address from its first contacts), else `room`.
   */
  optionalRoom(key: string): number
  readonly size: number
}

/**
 * `idle`: a proven address that sent us nothing for as long is unproven again; an unproven one that sent or was sent
 * nothing for as long loses its count.
 */
export interface CreditOptions extends IdleBookOptions {
  /** Proven addresses remembered. Default PROVEN_MAX_ADDRESSES. */
  readonly maxProven?: number
  /** Unproven addresses whose bytes are counted. Default CREDIT_MAX_ADDRESSES. */
  readonly maxUnproven?: number
}

export function createCreditBook (opts: CreditOptions = {}): CreditBook {
  const maxProven = Math.max(1, opts.maxProven ?? PROVEN_MAX_ADDRESSES)
  const maxUnproven = Math.max(1, opts.maxUnproven ?? CREDIT_MAX_ADDRESSES)
  const clock = createIdleClock(opts.now ?? monotonicNow, opts.idle ?? CONTACT_IDLE)
  /** Proven addresses, each with when it last answered (the book's second), least recently first. */
  const proven = new Map<string, number>()
  /** Unproven addresses, least recently touched first. */
  const credit = new Map<string, Credit>()
  const sweep = (): void => {
    const before = clock.due()
    if (before === undefined) return
    forgetIdle(proven, provenAt, before)
    forgetIdle(credit, creditAt, before)
  }
  /** The count of `key`, made when new, touched now and moved last. */
  const entry = (key: string): Credit => {
    sweep()
    let c = credit.get(key)
    if (c === undefined) {
      if (credit.size >= maxUnproven) credit.delete(credit.keys().next().value as string)
      c = { in: 0, out: 0, asked: false, told: false, at: 0 }
    } else {
      credit.delete(key)
    }
    c.at = clock.second()
    credit.set(key, c)
    return c
  }
  const api: Omit<CreditBook, 'size'> = {
    isProven: key => proven.has(key),
    prove (key) {
      sweep()
      credit.delete(key)
      if (proven.has(key)) proven.delete(key)
      else if (proven.size >= maxProven) proven.delete(proven.keys().next().value as string)
      proven.set(key, clock.second())
    },
    received (key, bytes) {
      if (!proven.has(key)) {
        entry(key).in += bytes
        return
      }
      // Still there: what it sends keeps a proven address proven (a peer that only queries us stays in use).
      sweep()
      proven.delete(key)
      proven.set(key, clock.second())
    },
    sent (key, bytes) {
      if (!proven.has(key)) entry(key).out += bytes
    },
    room (key) {
      if (proven.has(key)) return Infinity
      const c = credit.get(key)
      return c === undefined ? 0 : c.in - c.out
    },
    allowInitiated (key, bytes) {
      if (proven.has(key)) return true
      const c = credit.get(key)
      if (c === undefined || c.in === 0) return false
      if (!c.asked) {
        c.asked = true
        return true
      }
      return c.in - c.out >= bytes
    },
    optionalRoom (key) {
      if (proven.has(key)) return Infinity
      const c = entry(key)
      if (!c.told) {
        c.told = true
        return Infinity
      }
      return c.in - c.out
    }
  }
  return withGetters(api, { size: () => proven.size + credit.size })
}

interface Credit {
  in: number
  out: number
  asked: boolean
  told: boolean
  /** When bytes last went either way (the book's second). */
  at: number
}

const provenAt = (second: number): number => second
const creditAt = (c: Credit): number => c.at
