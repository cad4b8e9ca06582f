import { idsEqual } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { SEEN_INTERVAL, SEEN_MAX_CONTACTS } from './constants.js'

export interface SeenThrottleOptions {
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
 * address changes. Bounded memory.
 */
export interface SeenThrottle {
  /** True when this sighting at time `now` (ms) should be reported. */
  pass(key: string, id: NodeId, now: number): boolean
  /** The id last reported at `key`, if it is still remembered. */
  idAt(key: string): NodeId | undefined
  readonly size: number
}

export function createSeenThrottle (opts: SeenThrottleOptions = {}): SeenThrottle {
  const interval = opts.interval ?? SEEN_INTERVAL
  const maxContacts = Math.max(1, opts.maxContacts ?? SEEN_MAX_CONTACTS)
  const last = new Map<string, Sighting>()
  const own = opts.copy === false ? (id: NodeId): NodeId => id : (id: NodeId): NodeId => id.slice()

  return {
    pass (key, id, now) {
      const s = last.get(key)
      if (s === undefined) {
        if (last.size >= maxContacts) last.delete(last.keys().next().value as string)
        last.set(key, { id: own(id), at: now })
        return true
      }
      if (now - s.at < interval && idsEqual(s.id, id)) return false
      last.delete(key)
      if (!idsEqual(s.id, id)) s.id = own(id)
      s.at = now
      last.set(key, s)
      return true
    },
    idAt (key) {
      return last.get(key)?.id
    },
    get size () {
      return last.size
    }
  }
}

interface Sighting {
  id: NodeId
  at: number
}
