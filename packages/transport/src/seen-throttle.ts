import { idsEqual } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { withGetters } from '@peerconnect/runtime'
import { CONTACT_IDLE, SEEN_INTERVAL, SEEN_MAX_CONTACTS } from './constants.js'
import { forgetIdle } from './idle.js'
import type { IdleBookOptions } from './idle.js'

/** `idle`: a contact not reported for as long is forgotten. The clock is the time given to `pass`. */
export interface SeenThrottleOptions extends Pick<IdleBookOptions, 'idle'> {
  /** At most one report per contact per this many ms. Default SEEN_INTERVAL. */
  readonly interval?: number
  /** Contacts remembered; the oldest are forgotten. Default SEEN_MAX_CONTACTS. */
  readonly maxContacts?: number
  /**
   * false: keep the ids passed in as they are (the caller hands over copies it owns and never
   * changes, so several books can share one copy per contact). Default true: keep an own copy.
   */
  readonly copy?: boolean
}

/**
 * Decides which sightings of a node become `transport.seen` messages: the first one of a
 * contact (`host:port`), then at most one per `interval`, and at once when the id at that
 * address changes. Two lanes throttled apart (the transport's replies and queries: a query seen
 * first must not hide the reply that proves the contact), kept in one record per contact.
 * Bounded memory: the contacts least recently reported in either lane are forgotten first, and
 * any not reported for `idle`.
 */
export interface SeenThrottle {
  /** True when this sighting at time `now` (ms) should be reported; `lane` 0 (default) or 1. */
  pass(key: string, id: NodeId, now: number, lane?: 0 | 1): boolean
  /** The id last reported at `key` in lane 0, else in lane 1, if it is still remembered. */
  idAt(key: string): NodeId | undefined
  readonly size: number
}

export function createSeenThrottle (opts: SeenThrottleOptions = {}): SeenThrottle {
  const interval = opts.interval ?? SEEN_INTERVAL
  const maxContacts = Math.max(1, opts.maxContacts ?? SEEN_MAX_CONTACTS)
  const last = new Map<string, Sighting>()
  const own = opts.copy === false ? (id: NodeId): NodeId => id : (id: NodeId): NodeId => id.slice()
  const idle = opts.idle ?? CONTACT_IDLE
  let swept = -Infinity
  // Times are kept as ms since the first sighting: small integers for an integer clock, which V8 keeps
  // in a record's fields without a heap number each.
  let t0: number | undefined

  const api: Omit<SeenThrottle, 'size'> = {
    pass (key, id, at, lane = 0) {
      t0 ??= at
      const now = at - t0
      if (now - swept >= SWEEP_EVERY) { // at most once a second: the head of `last` is the least recently reported
        swept = now
        forgetIdle(last, reportedAt, now - idle)
      }
      const s = last.get(key)
      if (s === undefined) {
        if (last.size >= maxContacts) last.delete(last.keys().next().value as string)
        const fresh: Sighting = { id0: undefined, at0: 0, id1: undefined, at1: 0 }
        if (lane === 0) {
          fresh.id0 = own(id)
          fresh.at0 = now
        } else {
          fresh.id1 = own(id)
          fresh.at1 = now
        }
        last.set(key, fresh)
        return true
      }
      const held = lane === 0 ? s.id0 : s.id1
      const same = held !== undefined && idsEqual(held, id)
      if (same && now - (lane === 0 ? s.at0 : s.at1) < interval) return false
      last.delete(key)
      if (lane === 0) {
        if (!same) s.id0 = own(id)
        s.at0 = now
      } else {
        if (!same) s.id1 = own(id)
        s.at1 = now
      }
      last.set(key, s)
      return true
    },
    idAt (key) {
      const s = last.get(key)
      return s?.id0 ?? s?.id1
    }
  }
  return withGetters(api, { size: () => last.size })
}

const SWEEP_EVERY = 1000

/** When a contact was last reported, in either lane (the map is in that order). */
const reportedAt = (s: Sighting): number => Math.max(s.at0, s.at1)

/** One contact's last report in each lane (an undefined id: none yet in that lane). */
interface Sighting {
  id0: NodeId | undefined
  at0: number
  id1: NodeId | undefined
  at1: number
}
