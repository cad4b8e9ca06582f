import { withGetters } from '@peerconnect/runtime'
import { CONTACT_IDLE, RTO_CEILING, RTO_FLOOR, RTO_INITIAL, RTO_UNKNOWN_FACTOR, RTO_UNKNOWN_FLOOR, RTT_MAX_CONTACTS,
  RTT_RECENT_SAMPLES } from './constants.js'
import { createIdleClock, forgetIdle, monotonicNow } from './idle.js'
import type { IdleBookOptions } from './idle.js'

/** `idle`: a contact not measured for as long is forgotten (unknown again). The clock is `createRttTable`'s `now`. */
export interface RttOptions extends Pick<IdleBookOptions, 'idle'> {
  /** Lowest timeout handed out (ms). Default RTO_FLOOR. */
  readonly floor?: number
  /** Highest timeout handed out (ms). Default RTO_CEILING. */
  readonly ceiling?: number
  /** Timeout of an unknown contact before anything was measured (ms). Default RTO_INITIAL. */
  readonly initial?: number
  /** Contacts remembered; the least recently updated are forgotten. Default RTT_MAX_CONTACTS. */
  readonly maxContacts?: number
  /** Recent samples (of any contact) behind the unknown-contact timeout. Default RTT_RECENT_SAMPLES. */
  readonly recentSamples?: number
  /** Unknown contacts wait this many times the recent p90 RTT. Default RTO_UNKNOWN_FACTOR. */
  readonly unknownFactor?: number
  /** …and at least this long (ms; still within [floor, ceiling]). Default RTO_UNKNOWN_FLOOR. */
  readonly unknownFloor?: number
}

/**
 * Adaptive query timeouts, one estimate per contact key (`host:port`), RFC 6298 style:
 * smoothed RTT and RTT variance, timeout = srtt + 4·rttvar, doubled per timeout since the last
 * sample (backoff), clamped to [floor, ceiling].
 * A contact never measured gets `unknownFactor` × the p90 of the recent samples of all contacts
 * (at least `unknownFloor`, clamped), or `initial` while nothing has been measured. Memory is bounded (LRU),
 * and a contact not measured for `idle` is forgotten.
 */
export interface RttTable {
  /** Records one measured round trip (ms) to `key` (and ends any backoff). */
  observe(key: string, sample: number): void
  /** A query to `key` timed out: its timeout doubles (up to 64×, within the ceiling) until the next sample. */
  backoff(key: string): void
  /** The timeout (ms) for the next query to `key`. */
  timeout(key: string): number
  /** The smoothed RTT of `key`, if measured. */
  srtt(key: string): number | undefined
  /** The timeout an unknown contact gets right now. */
  unknownTimeout(): number
  /** Contacts currently remembered. */
  readonly size: number
}

/** `now`: monotonic ms (a simulation's virtual clock), for forgetting idle contacts; default performance.now. */
export function createRttTable (opts: RttOptions = {}, now: () => number = monotonicNow): RttTable {
  const floor = opts.floor ?? RTO_FLOOR
  const ceiling = Math.max(floor, opts.ceiling ?? RTO_CEILING)
  const initial = clamp(opts.initial ?? RTO_INITIAL, floor, ceiling)
  const maxContacts = Math.max(1, opts.maxContacts ?? RTT_MAX_CONTACTS)
  const factor = opts.unknownFactor ?? RTO_UNKNOWN_FACTOR
  const unknownFloor = Math.max(floor, opts.unknownFloor ?? RTO_UNKNOWN_FLOOR)
  const entries = new Map<string, Estimate>()
  const clock = createIdleClock(now, opts.idle ?? CONTACT_IDLE)
  const recent = new Float64Array(Math.max(1, opts.recentSamples ?? RTT_RECENT_SAMPLES))
  const sorted = new Float64Array(recent.length)
  let recentCount = 0
  let recentNext = 0
  let unknown = initial
  let unknownDirty = false

  function unknownTimeout (): number {
    if (unknownDirty) {
      unknown = clamp(factor * p90(recent, sorted, recentCount), unknownFloor, ceiling)
      unknownDirty = false
    }
    return unknown
  }

  const api: Omit<RttTable, 'size'> = {
    observe (key, sample) {
      if (!(sample >= 0) || !Number.isFinite(sample)) return
      const before = clock.due()
      if (before !== undefined) forgetIdle(entries, estimateAt, before)
      let e = entries.get(key)
      if (e === undefined) {
        e = { srtt: sample, rttvar: sample / 2, backoff: 1, at: 0 }
        if (entries.size >= maxContacts) entries.delete(entries.keys().next().value as string)
      } else {
        e.rttvar = 0.75 * e.rttvar + 0.25 * Math.abs(e.srtt - sample)
        e.srtt = 0.875 * e.srtt + 0.125 * sample
        e.backoff = 1
        entries.delete(key)
      }
      e.at = clock.second()
      entries.set(key, e)
      recent[recentNext] = sample
      recentNext = (recentNext + 1) % recent.length
      if (recentCount < recent.length) recentCount++
      unknownDirty = true
    },
    timeout (key) {
      const e = entries.get(key)
      if (e === undefined) return unknownTimeout()
      return clamp((e.srtt + 4 * e.rttvar) * e.backoff, floor, ceiling)
    },
    backoff (key) {
      const e = entries.get(key)
      if (e !== undefined && e.backoff < MAX_BACKOFF) e.backoff *= 2
    },
    srtt (key) {
      return entries.get(key)?.srtt
    },
    unknownTimeout
  }
  return withGetters(api, { size: () => entries.size })
}

interface Estimate {
  srtt: number
  rttvar: number
  backoff: number
  /** When it was last measured (the table's second). */
  at: number
}

const estimateAt = (e: Estimate): number => e.at

const MAX_BACKOFF = 64

function p90 (samples: Float64Array, scratch: Float64Array, count: number): number {
  const view = scratch.subarray(0, count)
  view.set(samples.subarray(0, count))
  view.sort()
  return view[Math.min(count - 1, Math.floor(count * 0.9))]!
}

function clamp (x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x
}
