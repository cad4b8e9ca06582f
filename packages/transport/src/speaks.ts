/**
 * What each contact (`host:port`) has shown it speaks: the `v` of its last message (ours is "PC" +
 * version) and the methods it answered. A contact that spoke without a "PC" `v` and never answered
 * a `pc_*` query speaks BEP 5 only: it never gets a `pc_*` query (a BEP 5 node does not answer an
 * unknown method, so the query could only time out), and only its silence to a query it is known
 * to answer — ping and find_node (every BEP 5 node answers them), or a method it answered before —
 * counts against it. A new id at the same address starts afresh. Bounded: the least recently heard
 * contacts are forgotten, and any not heard from for `idle` (then they are unknown again, as before
 * they first spoke).
 */
import { idsEqual, KRPC_METHODS } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { CONTACT_IDLE, SPEAKS_MAX_CONTACTS } from './constants.js'
import { withGetters } from '@peerconnect/runtime'
import { createIdleClock, forgetIdle, monotonicNow } from './idle.js'
import type { IdleBookOptions } from './idle.js'

/** Methods every BEP 5 node answers: a silence to one of them counts whoever the contact is. */
export const BEP5_CORE: ReadonlySet<string> = new Set(['ping', 'find_node'])

export interface Speaks {
  /**
   * A message from `key` (`host:port`) with id `id` and version `v`; `answered`: the method of our
   * query it answered (undefined for a query it sent us). Returns what it speaks now (see `pc`).
   */
  heard(key: string, id: NodeId, v: Uint8Array | undefined, answered?: string): boolean
  /** True: it speaks PeerConnect (a "PC" `v`, or it answered a `pc_*` query); false: BEP 5 only; undefined: never heard. */
  pc(key: string): boolean | undefined
  /**
   * The key string and id kept for `key` (the contact last heard there), if remembered: the
   * transport keeps one copy of each and shares it with its other books (see `copy`).
   */
  held(key: string): { readonly key: string, readonly id: NodeId } | undefined
  /** Whether a silence of `key` to `method` counts against it: a BEP 5 core method, or one it answered before. */
  counts(key: string, method: string): boolean
  /** Whether a `method` query to `key` is refused: a `pc_*` method to a contact known to speak BEP 5 only. */
  refuses(key: string, method: string): boolean
  readonly size: number
}

/** `idle`: a contact not heard from for as long is forgotten. */
export interface SpeaksOptions extends IdleBookOptions {
  /** Contacts remembered; the least recently heard are forgotten. Default SPEAKS_MAX_CONTACTS. */
  readonly maxContacts?: number
  /**
   * false: keep the ids passed to `heard` as they are (the caller hands over copies it owns and
   * never changes); default: keep an own copy.
   */
  readonly copy?: boolean
}

export function createSpeaks (opts: SpeaksOptions = {}): Speaks {
  const max = Math.max(1, opts.maxContacts ?? SPEAKS_MAX_CONTACTS)
  const known = new Map<string, Entry>()
  const clock = createIdleClock(opts.now ?? monotonicNow, opts.idle ?? CONTACT_IDLE)
  const pcOf = (e: Entry): boolean => e.pcVersion || (e.answered & PC_METHODS) !== 0
  const api: Omit<Speaks, 'size'> = {
    heard (heardKey, id, v, answered) {
      const before = clock.due()
      if (before !== undefined) forgetIdle(known, entryAt, before)
      let key = heardKey
      let e = known.get(key)
      if (e === undefined || !idsEqual(e.id, id)) {
        e = { key, id: opts.copy === false ? id : id.slice(), pcVersion: false, answered: 0, at: 0 }
      } else {
        key = e.key // re-inserted under the key string it already holds
      }
      e.at = clock.second()
      known.delete(key) // re-inserted last: the map's order is least recently heard first
      known.set(key, e)
      if (known.size > max) known.delete(known.keys().next().value!)
      if (isPcVersion(v)) e.pcVersion = true
      if (answered !== undefined) e.answered |= bitOf(answered)
      return pcOf(e)
    },
    pc (key) {
      const e = known.get(key)
      return e === undefined ? undefined : pcOf(e)
    },
    held: (key) => known.get(key),
    counts (key, method) {
      if (BEP5_CORE.has(method)) return true
      const bit = bitOf(method)
      return bit !== 0 && ((known.get(key)?.answered ?? 0) & bit) !== 0
    },
    refuses (key, method) {
      if (!method.startsWith('pc_')) return false
      const e = known.get(key)
      return e !== undefined && !pcOf(e)
    }
  }
  return withGetters(api, { size: () => known.size })
}

/** A `v` of "PC" and a version. */
export function isPcVersion (v: Uint8Array | undefined): boolean {
  return v !== undefined && v.length >= 2 && v[0] === 0x50 && v[1] === 0x43
}

interface Entry {
  readonly key: string
  readonly id: NodeId
  /** Its last message carried a "PC" `v`. */
  pcVersion: boolean
  /** Bit i: it answered a query of KRPC_METHODS[i]. */
  answered: number
  /** When it was last heard (the book's second). */
  at: number
}

const entryAt = (e: Entry): number => e.at

const BITS = new Map<string, number>(KRPC_METHODS.map((m, i) => [m, 1 << i]))
const PC_METHODS = KRPC_METHODS.filter(m => m.startsWith('pc_')).reduce((acc, m) => acc | BITS.get(m)!, 0)

/** The bit of a method of KRPC_METHODS; 0 for any other (not remembered: names come off the wire). */
function bitOf (method: string): number {
  return BITS.get(method) ?? 0
}
