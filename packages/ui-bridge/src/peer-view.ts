/**
 * The live peer list the page shows: the routing table's contacts, their names, and whether each
 * is online. Pure state, no I/O: every change returns the `PeerEvent` to send (or nothing when
 * nothing visible changed). A peer turns offline only after a failed liveness check, and back
 * online after a good check or when routing has seen it since the failed one.
 */
import { idToHex } from '@peerconnect/protocol'
import type { Contact, LivenessStatus, NodeId } from '@peerconnect/protocol'
import type { Peer, PeerEvent } from './backend.js'
import { formatAddress } from './to-peer.js'
import { SEEN_STEP } from './constants.js'

/** Who to check: the id and address `liveness.check` needs. */
export interface CheckTarget {
  id: NodeId
  host: string
  port: number
}

export interface PeerView {
  /** A contact entered the table, or routing reported it again (newer `lastSeen`, new address). */
  add(contact: Contact): PeerEvent | undefined
  remove(contact: Pick<Contact, 'id'>): PeerEvent | undefined
  /** The result of a liveness check (published `liveness.status` or our own check's result). */
  checked(status: Omit<LivenessStatus, 'type'>): PeerEvent | undefined
  /** Reconciles with the whole table: adds, updates and removes. */
  sync(contacts: readonly Contact[]): PeerEvent[]
  /** Sets a peer's name (and its key's fingerprint, when its record is known); an event only when either changed. */
  named(idHex: string, name: string, key?: string): PeerEvent | undefined
  get(idHex: string): Peer | undefined
  /** What the view knows beyond the Peer: the last round trip routing measured and the last liveness check. */
  health(idHex: string): { rtt: number | null, lastChecked: number | null } | undefined
  /** The contact behind a peer (its id bytes and address), for checks and record queries. */
  target(idHex: string): CheckTarget | undefined
  peers(): Peer[]
  readonly size: number
  /** Peers neither seen nor checked since `before`, least recently first, at most `max`. */
  stale(before: number, max: number): CheckTarget[]
  /** Ids whose name is not known yet. */
  unnamed(): string[]
}

interface Entry {
  id: NodeId
  host: string
  port: number
  /** undefined until a record (or its absence) was learned; '' at once for a BEP 5-only node (it has no record). */
  name: string | undefined
  /** It speaks BEP 5 only (Contact.pc false). */
  bep5: boolean
  key: string | undefined
  rtt: number | undefined
  seen: number
  /** The `seen` the last event showed: a newer one is worth an event only SEEN_STEP later. */
  shown: number
  /** The last check, if any. */
  checkedAt: number
  failedAt: number | undefined
}

export function createPeerView (): PeerView {
  const entries = new Map<string, Entry>()

  const event = (type: PeerEvent['type'], e: Entry): PeerEvent => ({ type, peer: peerOf(e) })

  const add = (contact: Contact): PeerEvent | undefined => {
    const key = idToHex(contact.id)
    const e = entries.get(key)
    if (e === undefined) {
      const bep5 = contact.pc === false
      const fresh: Entry = {
        id: contact.id.slice(),
        host: contact.host,
        port: contact.port,
        name: bep5 ? '' : undefined,
        bep5,
        key: undefined,
        rtt: contact.rtt,
        seen: contact.lastSeen,
        shown: contact.lastSeen,
        checkedAt: 0,
        failedAt: undefined
      }
      entries.set(key, fresh)
      return event('peer.added', fresh)
    }
    const before = visible(e)
    if (e.host !== contact.host || e.port !== contact.port) {
      e.host = contact.host
      e.port = contact.port
      e.failedAt = undefined
    }
    if (contact.pc !== undefined && contact.pc !== !e.bep5) {
      e.bep5 = !contact.pc
      e.name = e.bep5 ? '' : undefined // a PeerConnect node after all: its name is looked up
    }
    e.seen = Math.max(e.seen, contact.lastSeen)
    if (contact.rtt !== undefined) e.rtt = contact.rtt
    if (e.failedAt !== undefined && e.seen > e.failedAt) e.failedAt = undefined
    return changed(e, before) ? event('peer.status', e) : undefined
  }

  const remove = (contact: Pick<Contact, 'id'>): PeerEvent | undefined => {
    const key = idToHex(contact.id)
    const e = entries.get(key)
    if (e === undefined) return undefined
    entries.delete(key)
    return event('peer.removed', e)
  }

  return {
    add,
    remove,
    checked (s) {
      const e = entries.get(idToHex(s.id))
      if (e === undefined || e.host !== s.host || e.port !== s.port || s.checkedAt < e.checkedAt) return undefined
      const before = visible(e)
      e.checkedAt = s.checkedAt
      if (s.alive) {
        e.failedAt = undefined
        e.seen = Math.max(e.seen, s.checkedAt)
      } else if (e.seen <= s.checkedAt) {
        e.failedAt = s.checkedAt
      }
      return changed(e, before) ? event('peer.status', e) : undefined
    },
    sync (contacts) {
      const out: PeerEvent[] = []
      const keep = new Set<string>()
      for (const c of contacts) {
        keep.add(idToHex(c.id))
        const ev = add(c)
        if (ev !== undefined) out.push(ev)
      }
      for (const [key, e] of [...entries]) {
        if (keep.has(key)) continue
        entries.delete(key)
        out.push(event('peer.removed', e))
      }
      return out
    },
    named (idHex, name, key) {
      const e = entries.get(idHex)
      if (e === undefined || e.bep5 || (e.name === name && e.key === key)) return undefined
      e.name = name
      e.key = key
      return event('peer.status', e)
    },
    get (idHex) {
      const e = entries.get(idHex)
      return e === undefined ? undefined : peerOf(e)
    },
    health (idHex) {
      const e = entries.get(idHex)
      return e === undefined ? undefined : { rtt: e.rtt ?? null, lastChecked: e.checkedAt > 0 ? e.checkedAt : null }
    },
    target (idHex) {
      const e = entries.get(idHex)
      return e === undefined ? undefined : { id: e.id, host: e.host, port: e.port }
    },
    peers: () => [...entries.values()].map(peerOf),
    get size () {
      return entries.size
    },
    stale (before, max) {
      return [...entries.values()]
        .filter(e => Math.max(e.seen, e.checkedAt) < before)
        .sort((a, b) => Math.max(a.seen, a.checkedAt) - Math.max(b.seen, b.checkedAt))
        .slice(0, Math.max(0, max))
        .map(e => ({ id: e.id, host: e.host, port: e.port }))
    },
    unnamed: () => [...entries].filter(([, e]) => e.name === undefined).map(([key]) => key)
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function peerOf (e: Entry): Peer {
  const peer: Peer = {
    id: idToHex(e.id),
    name: e.name ?? '',
    address: formatAddress(e.host, e.port),
    status: e.failedAt === undefined ? 'online' : 'offline',
    lastSeen: e.seen
  }
  if (e.bep5) peer.kind = 'bep5'
  if (e.key !== undefined) peer.key = e.key
  if (e.name === undefined) peer.nameState = 'pending'
  else if (e.name === '') peer.nameState = 'none'
  return peer
}

/** True when the page should hear of the change: status, address or name, or `seen` moved SEEN_STEP on. */
function changed (e: Entry, before: string): boolean {
  const moved = e.seen - e.shown >= SEEN_STEP
  if (moved) e.shown = e.seen
  return moved || visible(e) !== before
}

/** What the page shows of an entry (besides `seen`), to tell whether a change is worth an event. */
function visible (e: Entry): string {
  return `${e.failedAt === undefined ? 1 : 0}|${e.host}|${e.port}|${e.name ?? '\u0000'}|${e.key ?? ''}|${e.bep5 ? 'bep5' : ''}`
}
