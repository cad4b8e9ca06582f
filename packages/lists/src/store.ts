/**
 * The records this node holds, per list index: the newest sequence per peer, dropped `ttl` ms
 * after the peer's last announce, at most `maxPerList` records per list and `maxPerIp` per list
 * from one IP (the host of the record's address; loopback addresses are exempt, as a local swarm
 * shares one). Pure: no I/O, time comes in as `now`.
 *
 * `put` takes records whose signature was already checked (in place or on the compute pool); it
 * enforces sequences itself, so a replayed older record is refused whoever verified it.
 */
import { idToHex, recordAddress, recordsEqual, recordToWire, StaleSequenceError, bencode } from '@peerconnect/protocol'
import type { ErrorData, NodeId, PeerRecord, WireRecord } from '@peerconnect/protocol'
import { ExpiredRecordError, IpCapError, ListFullError } from './errors.js'

export interface Entry {
  readonly record: PeerRecord
  /** The record as it goes on the wire, and its bencoded size. */
  readonly wire: WireRecord
  readonly size: number
  /** The id in hex: the page order. */
  readonly hex: string
  /** The host of the record's address (the per-IP cap counts these). */
  readonly host: string
  /** When the peer last announced it (ms). */
  readonly seenAt: number
  readonly expiresAt: number
}

export type PutResult = { ok: true, entry: Entry, fresh: boolean } | { ok: false, error: ErrorData }

export interface StoreOptions {
  /** ms a record is kept after its last announce. */
  readonly ttl: number
  readonly maxPerList: number
  readonly maxPerIp: number
}

export interface Store {
  /** The live entry for `id` in `list`. */
  get (list: number, id: NodeId, now: number): Entry | undefined
  /**
   * Holds `record` (signature already verified) in `list`, last announced at `seenAt` (default
   * `now`). Refuses an older sequence, a different record with the held sequence, a record that
   * has already expired, and a new peer over a cap. `fresh` is true for a peer not held before.
   */
  put (list: number, record: PeerRecord, opts: { now: number, seenAt?: number }): PutResult
  /** Live entries of `list` in id order, those after id `afterHex` when given. */
  entries (list: number, now: number, afterHex?: string): Entry[]
  /** Drops expired entries; returns how many. Cheap when none is due. */
  expire (now: number): number
  /** Indices of the lists holding at least one live record. */
  lists (now: number): number[]
  /** Live records held, over all lists. */
  size (now: number): number
  /**
   * A count that changes whenever the records held change: a peer added or dropped (expiry
   * included, once `expire`, or any call taking `now`, has run), a new sequence, `clear`. A
   * refreshed announce of the held record leaves it. Lets readers cache what they build from
   * the records.
   */
  readonly version: number
  /** A count that changes on every write: what changes `version`, and a refreshed announce too. */
  readonly writes: number
  clear (): void
}

export function createStore (opts: StoreOptions): Store {
  const lists = new Map<number, ListSlot>()
  let nextExpiry = Infinity
  let version = 0
  let writes = 0

  const slotOf = (list: number): ListSlot => {
    let slot = lists.get(list)
    if (slot === undefined) {
      slot = { byHex: new Map(), perHost: new Map(), sorted: undefined }
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
        if (entry.expiresAt <= now) { remove(slot, entry); dropped++; version++ } else nextExpiry = Math.min(nextExpiry, entry.expiresAt)
      }
      if (slot.byHex.size === 0) lists.delete(list)
    }
    return dropped
  }

  return {
    get (list, id, now) {
      expire(now)
      return lists.get(list)?.byHex.get(idToHex(id))
    },
    put (list, record, { now, seenAt = now }) {
      expire(now)
      const expiresAt = seenAt + opts.ttl
      if (expiresAt <= now) return refuse(new ExpiredRecordError())
      const slot = slotOf(list)
      const hex = idToHex(record.id)
      const held = slot.byHex.get(hex)
      const host = recordAddress(record)?.host ?? ''
      if (held !== undefined) {
        if (record.s < held.record.s) return refuse(new StaleSequenceError(`sequence ${record.s} is older than the held ${held.record.s}`))
        if (record.s === held.record.s && !recordsEqual(record, held.record)) return refuse(new StaleSequenceError(`a different record with the held sequence ${record.s}`))
      } else if (slot.byHex.size >= opts.maxPerList) {
        dropIfEmpty(list, slot)
        return refuse(new ListFullError(`list ${list} holds ${opts.maxPerList} records`))
      }
      if ((held === undefined || held.host !== host) && !isLoopback(host) && (slot.perHost.get(host) ?? 0) >= opts.maxPerIp) {
        dropIfEmpty(list, slot)
        return refuse(new IpCapError(`list ${list} holds ${opts.maxPerIp} records from ${host}`))
      }
      const same = held !== undefined && held.record.s === record.s
      const entry: Entry = same
        ? { ...held, seenAt: Math.max(seenAt, held.seenAt), expiresAt: Math.max(expiresAt, held.expiresAt) }
        : makeEntry(record, hex, host, seenAt, expiresAt)
      if (held === undefined) add(slot, entry)
      else replace(slot, held, entry)
      if (!same) version++
      writes++
      nextExpiry = Math.min(nextExpiry, entry.expiresAt)
      return { ok: true, entry, fresh: held === undefined }
    },
    entries (list, now, afterHex) {
      expire(now)
      const slot = lists.get(list)
      if (slot === undefined) return []
      slot.sorted ??= [...slot.byHex.values()].sort((a, b) => a.hex < b.hex ? -1 : 1)
      if (afterHex === undefined) return slot.sorted.slice()
      return slot.sorted.slice(firstAfter(slot.sorted, afterHex))
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
    get version () { return version },
    get writes () { return writes + version },
    clear () {
      lists.clear()
      nextExpiry = Infinity
      version++
    }
  }

  function dropIfEmpty (list: number, slot: ListSlot): void {
    if (slot.byHex.size === 0) lists.delete(list)
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface ListSlot {
  readonly byHex: Map<string, Entry>
  readonly perHost: Map<string, number>
  /** Entries in id order; rebuilt after a peer is added or removed. */
  sorted: Entry[] | undefined
}

function makeEntry (record: PeerRecord, hex: string, host: string, seenAt: number, expiresAt: number): Entry {
  const wire = recordToWire(record)
  return { record, wire, size: bencode(wire).length, hex, host, seenAt, expiresAt }
}

function add (slot: ListSlot, entry: Entry): void {
  slot.byHex.set(entry.hex, entry)
  slot.sorted = undefined
  count(slot, entry.host, 1)
}

/** Swaps the entry of a held peer; the id order does not change. */
function replace (slot: ListSlot, held: Entry, entry: Entry): void {
  slot.byHex.set(entry.hex, entry)
  if (slot.sorted !== undefined) slot.sorted[firstAfter(slot.sorted, entry.hex) - 1] = entry
  if (held.host !== entry.host) {
    count(slot, held.host, -1)
    count(slot, entry.host, 1)
  }
}

function remove (slot: ListSlot, entry: Entry): void {
  slot.byHex.delete(entry.hex)
  slot.sorted = undefined
  count(slot, entry.host, -1)
}

function count (slot: ListSlot, host: string, delta: number): void {
  const n = (slot.perHost.get(host) ?? 0) + delta
  if (n <= 0) slot.perHost.delete(host)
  else slot.perHost.set(host, n)
}

/** Index of the first entry whose id sorts after `hex` (binary search). */
function firstAfter (sorted: readonly Entry[], hex: string): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]!.hex <= hex) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** 127.0.0.0/8 and ::1: every node of a local swarm has one of these. */
function isLoopback (host: string): boolean {
  return host.startsWith('127.') || host === '::1'
}

function refuse (err: Error & { code: string }): PutResult {
  return { ok: false, error: { name: err.name, code: err.code, message: err.message } }
}
