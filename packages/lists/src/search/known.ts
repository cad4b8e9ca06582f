/**
 * Records this node was shown lately by the directory (the pages it served, already verified),
 * kept for `ttl` ms as the directory cache keeps them: part of a hybrid search's local matches.
 * One per peer (the newest sequence), bounded (the least recently shown go first). Pure.
 */
import { idToHex } from '@peerconnect/protocol'
import type { PeerRecord } from '@peerconnect/protocol'
import { withGetters } from '@peerconnect/runtime'

export interface Known {
  /** Remembers `records`, shown at `now`. */
  remember(records: readonly PeerRecord[], now: number): void
  /** The records shown less than `ttl` ms ago. */
  records(now: number): PeerRecord[]
  clear(): void
  readonly size: number
}

export function createKnown (opts: { ttl: number, max: number }): Known {
  const byHex = new Map<string, { record: PeerRecord, at: number }>()
  const api: Omit<Known, 'size'> = {
    remember (records, now) {
      if (opts.ttl <= 0) return
      for (const record of records) {
        const hex = idToHex(record.id)
        const held = byHex.get(hex)
        if (held !== undefined && held.record.s > record.s) continue
        byHex.delete(hex)
        byHex.set(hex, { record, at: now })
      }
      while (byHex.size > opts.max) byHex.delete(byHex.keys().next().value!)
    },
    records (now) {
      const out: PeerRecord[] = []
      for (const [hex, k] of byHex) {
        if (now - k.at < opts.ttl) out.push(k.record)
        else byHex.delete(hex)
      }
      return out
    },
    clear: () => {
      byHex.clear()
    }
  }
  return withGetters(api, { size: () => byHex.size })
}
