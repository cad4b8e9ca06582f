/**
 * The records this node holds, per list index: the newest sequence per peer, dropped `ttl` ms
 * after the peer's last announce, at most `maxPerList` records per list, and per list at most
 * `maxPerIp` records that came by one network (the /24 or /64 of the path a record came by: the
 * announcing peer's address, or the handing-over holder's — never the record's own, chosen,
 * address; loopback exempt, and with `ipMode` 'default' private and shared ranges too: prefix.ts).
 * Pure: no I/O, time comes in as `now`.
 *
 * `put` takes records whose signature was already checked (in place or on the compute pool); it
 * enforces sequences itself, so a replayed older record is refused whoever verified it. A record
 * that came by handoff (`handoff: true`) never lives longer than its own announces allowed: it
 * does not refresh a held copy, and a peer whose record expired here is refused by handoff (with
 * that sequence or an older one) until it announces to us itself. A full list makes room for a
 * peer's own announce by dropping the oldest record that only came by handoff, so records handed
 * over can never lock honest announces out (ERR_LIST_FULL).
 */
import { idToHex, recordAddress, recordsEqual, recordToWire, StaleSequenceError, bencode } from '@peerconnect/protocol'
import type { ErrorData, IpLimitsMode, NodeId, PeerRecord, WireRecord } from '@peerconnect/protocol'
import { ExpiredRecordError, IpCapError, ListFullError } from '../errors.js'
import { firstAfter } from '../sorted.js'
import { prefixOf } from './prefix.js'
import { withGetters } from '@peerconnect/runtime'

export interface Entry {
  readonly record: PeerRecord
  /** The record as it goes on the wire, and its bencoded size. */
  readonly wire: WireRecord
  readonly size: number
  /** The id in hex: the page order. */
  readonly hex: string
  /** The host of the record's address. */
  readonly host: string
  /** The network (/24, /64) of the path the record came by, counted by the cap; undefined: exempt (prefix.ts). */
  readonly path: string | undefined
  /** It came by handoff, and its peer has not announced it to us since. */
  readonly handed: boolean
  /** When the peer last announced it (ms). */
  readonly seenAt: number
  readonly expiresAt: number
}

/** `fresh`: a peer not held before; `changed`: the entry changed (false for a handed-over copy of what we hold). */
export type PutResult = { ok: true, entry: Entry, fresh: boolean, changed: boolean } | { ok: false, error: ErrorData }

export interface PutOptions {
  readonly now: number
  /** When the peer last announced it (default `now`). */
  readonly seenAt?: number
  /** The host the record came from (default: the record's own host, as for an announce, which must match it). */
  readonly from?: string
  /** The cap on records per list from `from`'s network (default `maxPerIp`). */
  readonly cap?: number
  /** The record was handed over by another holder, not announced by its peer. */
  readonly handoff?: boolean
}

export interface StoreOptions {
  /** ms a record is kept after its last announce. */
  readonly ttl: number
  readonly maxPerList: number
  readonly maxPerIp: number
  /** Which paths the caps count (prefix.ts; the actor's `ipLimits.mode`); default 'default'. */
  readonly ipMode?: IpLimitsMode
}

export interface Store {
  /** The live entry for `id` in `list`. */
  get(list: number, id: NodeId, now: number): Entry | undefined
  /**
   * Holds `record` (signature already verified) in `list`, last announced at `seenAt` (default
   * `now`). Refuses an older sequence, a different record with the held sequence, a record that
   * has already expired, and a new peer over a cap. `fresh` is true for a peer not held before.
   */
  put(list: number, record: PeerRecord, opts: PutOptions): PutResult
  /** Live entries of `list` in id order, those after id `afterHex` when given. */
  entries(list: number, now: number, afterHex?: string): Entry[]
  /** Drops expired entries; returns how many. Cheap when none is due. */
  expire(now: number): number
  /** Indices of the lists holding at least one live record. */
  lists(now: number): number[]
  /** Live records held, over all lists. */
  size(now: number): number
  /**
   * A count that changes whenever the records held change: a peer added or dropped (expiry
   * included, once `expire`, or any call taking `now`, has run), a new sequence, `clear`. A
   * refreshed announce of the held record leaves it. Lets readers cache what they build from
   * the records.
   */
  readonly version: number
  /** A count that changes on every write: what changes `version`, and a refreshed announce too. */
  readonly writes: number
  clear(): void
}

export function createStore (opts: StoreOptions): Store {
  const lists = new Map<number, ListSlot>()
  let nextExpiry = Infinity
  let version = 0
  let writes = 0
  /** Peers whose record expired here: the sequence that expired, and until when it is remembered. */
  const graves = new Map<string, { s: number, until: number }>()

  const slotOf = (list: number): ListSlot => {
    let slot = lists.get(list)
    if (slot === undefined) {
      slot = { byHex: new Map(), perPath: new Map(), sorted: undefined }
      lists.set(list, slot)
    }
    return slot
  }

  const expire = (now: number): number => {
    if (now < nextExpiry) return 0
    let dropped = 0
    nextExpiry = Infinity
    for (const [list, slot] of lists) {
      for (const entry of slot.byHex.values()) {
        if (entry.expiresAt <= now) {
          remove(slot, entry)
          bury(entry, now)
          dropped++
          version++
        } else nextExpiry = Math.min(nextExpiry, entry.expiresAt)
      }
      if (slot.byHex.size === 0) lists.delete(list)
    }
    return dropped
  }

  const api: Omit<Store, 'version' | 'writes'> = {
    get (list, id, now) {
      expire(now)
      return lists.get(list)?.byHex.get(idToHex(id))
    },
    put (list, record, { now, seenAt = now, from, cap = opts.maxPerIp, handoff = false }) {
      expire(now)
      const expiresAt = seenAt + opts.ttl
      if (expiresAt <= now) return refuse(new ExpiredRecordError())
      const slot = slotOf(list)
      const hex = idToHex(record.id)
      const held = slot.byHex.get(hex)
      const host = recordAddress(record)?.host ?? ''
      const path = prefixOf(from ?? host, opts.ipMode)
      if (handoff) {
        const grave = graves.get(hex)
        if (grave !== undefined && grave.until > now && record.s <= grave.s) {
          dropIfEmpty(list, slot)
          return refuse(
            new ExpiredRecordError(`the record of this peer (sequence ${grave.s}) expired here; only its own announce brings it back`)
          )
        }
      }
      if (held !== undefined) {
        if (record.s < held.record.s) return refuse(new StaleSequenceError(`sequence ${record.s} is older than the held ${held.record.s}`))
        if (record.s === held.record.s && !recordsEqual(record, held.record)) {
          return refuse(new StaleSequenceError(`a different record with the held sequence ${record.s}`))
        }
        if (handoff && record.s === held.record.s) return { ok: true, entry: held, fresh: false, changed: false }
      } else if (slot.byHex.size >= opts.maxPerList) {
        const evictable = handoff ? undefined : oldestHanded(slot)
        if (evictable === undefined) {
          dropIfEmpty(list, slot)
          return refuse(new ListFullError(`list ${list} holds ${opts.maxPerList} records`))
        }
        remove(slot, evictable) // a peer's own announce outranks a record only handed over
        version++
      }
      if ((held === undefined || held.path !== path) && path !== undefined && (slot.perPath.get(path) ?? 0) >= cap) {
        dropIfEmpty(list, slot)
        return refuse(new IpCapError(`list ${list} holds ${cap} records that came from ${path}`))
      }
      const same = held !== undefined && held.record.s === record.s
      const entry: Entry = same
        ? { ...held, path, handed: false, seenAt: Math.max(seenAt, held.seenAt), expiresAt: Math.max(expiresAt, held.expiresAt) }
        : makeEntry(record, hex, host, path, handoff, seenAt, expiresAt)
      if (held === undefined) add(slot, entry)
      else replace(slot, held, entry)
      if (!handoff) graves.delete(hex)
      if (!same) version++
      writes++
      nextExpiry = Math.min(nextExpiry, entry.expiresAt)
      return { ok: true, entry, fresh: held === undefined, changed: true }
    },
    entries (list, now, afterHex) {
      expire(now)
      const slot = lists.get(list)
      if (slot === undefined) return []
      slot.sorted ??= [...slot.byHex.values()].sort((a, b) => a.hex < b.hex ? -1 : 1)
      if (afterHex === undefined) return slot.sorted.slice()
      return slot.sorted.slice(firstAfter(slot.sorted, afterHex, hexOf))
    },
    expire,
    lists (now) {
      expire(now)
      return [...lists.keys()].sort((a, b) => a - b)
    },
    size (now) {
      expire(now)
      let n = 0
      for (const slot of lists.values()) n += slot.byHex.size
      return n
    },
    clear () {
      lists.clear()
      graves.clear()
      nextExpiry = Infinity
      version++
    }
  }
  return withGetters(api, { version: () => version, writes: () => writes + version })

  function dropIfEmpty (list: number, slot: ListSlot): void {
    if (slot.byHex.size === 0) lists.delete(list)
  }

  /** Remembers an expired record's sequence for GRAVE_TTLS × ttl (at most MAX_GRAVES peers, the oldest forgotten first). */
  function bury (entry: Entry, now: number): void {
    graves.delete(entry.hex)
    graves.set(entry.hex, { s: entry.record.s, until: now + GRAVE_TTLS * opts.ttl })
    if (graves.size > MAX_GRAVES) graves.delete(graves.keys().next().value!)
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface ListSlot {
  readonly byHex: Map<string, Entry>
  /** Entries per path network (loopback paths not counted). */
  readonly perPath: Map<string, number>
  /** Entries in id order; rebuilt after a peer is added or removed. */
  sorted: Entry[] | undefined
}

/** Expired records are remembered this many TTLs (a handoff cannot bring them back meanwhile). */
const GRAVE_TTLS = 10
/** Expired records remembered at most. */
const MAX_GRAVES = 16_384

function makeEntry (record: PeerRecord, hex: string, host: string, path: string | undefined, handed: boolean, seenAt: number,
  expiresAt: number): Entry {
  const wire = recordToWire(record)
  return { record, wire, size: bencode(wire).length, hex, host, path, handed, seenAt, expiresAt }
}

/** The handed-over entry (never announced to us by its peer) last seen longest ago, if any. */
function oldestHanded (slot: ListSlot): Entry | undefined {
  let oldest: Entry | undefined
  for (const e of slot.byHex.values()) if (e.handed && (oldest === undefined || e.seenAt < oldest.seenAt)) oldest = e
  return oldest
}

function add (slot: ListSlot, entry: Entry): void {
  slot.byHex.set(entry.hex, entry)
  slot.sorted = undefined
  count(slot, entry.path, 1)
}

/** Swaps the entry of a held peer; the id order does not change. */
function replace (slot: ListSlot, held: Entry, entry: Entry): void {
  slot.byHex.set(entry.hex, entry)
  if (slot.sorted !== undefined) slot.sorted[firstAfter(slot.sorted, entry.hex, hexOf) - 1] = entry
  if (held.path !== entry.path) {
    count(slot, held.path, -1)
    count(slot, entry.path, 1)
  }
}

function remove (slot: ListSlot, entry: Entry): void {
  slot.byHex.delete(entry.hex)
  slot.sorted = undefined
  count(slot, entry.path, -1)
}

function count (slot: ListSlot, path: string | undefined, delta: number): void {
  if (path === undefined) return
  const n = (slot.perPath.get(path) ?? 0) + delta
  if (n <= 0) slot.perPath.delete(path)
  else slot.perPath.set(path, n)
}

const hexOf = (e: Entry): string => e.hex

function refuse (err: Error & { code: string }): PutResult {
  return { ok: false, error: { name: err.name, code: err.code, message: err.message } }
}
