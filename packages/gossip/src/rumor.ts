/**
 * The `m` dict of a `pc_gossip` query: one rumor. Keys are single letters; text travels as UTF-8
 * bytes, as everything in bencode. Every kind has `i` (rumor id, 8 bytes), `k` (kind) and `h`
 * (hops from the origin at receipt). Spread kinds (search, note) also carry `o` (origin id), `d`
 * (region depth, 0..160: the receiver covers the ids sharing that many leading bits with itself)
 * and `p` (4-byte id prefixes of the last senders, at most 8):
 *
 *   search  q: query (1..64 bytes)  a: origin's compact address  s: search id (8 bytes)
 *   note    t: topic (1..64 bytes)  x: payload (≤ 512 bytes)
 *   hit     s: search id            r: the matching node's signed record (wire form); sent
 *                                      straight to the origin, never spread
 *   check   s: search id            sent to a search's origin before a hit: the origin answers
 *                                      `{}` only for a search of its own that is still running
 *
 * `parseRumor` never throws: a bad rumor is `{ ok: false, reason }`.
 */
import { decodeAddress, MAX_NOTE_BYTES, MAX_TOPIC_BYTES, validateQuery, wireRecordOf } from '@peerconnect/protocol'
import type { BDict, NodeId, WireRecord } from '@peerconnect/protocol'
import { ID_BITS, PATH_LENGTH, PATH_PREFIX_BYTES, RUMOR_ID_LENGTH } from './constants.js'

export const RUMOR_KINDS = ['search', 'hit', 'note', 'check'] as const
export type RumorKind = typeof RUMOR_KINDS[number]

/** Where a spread rumor is: its origin, the region the receiver covers, and who sent it recently. */
export interface Spread {
  readonly origin: NodeId
  readonly depth: number
  /** Concatenated PATH_PREFIX_BYTES-byte id prefixes, oldest first. */
  readonly path: Uint8Array
}

export type SearchRumor = { kind: 'search', id: Uint8Array, hops: number, query: string, address: Uint8Array, search: Uint8Array } & Spread
export type NoteRumor = { kind: 'note', id: Uint8Array, hops: number, topic: string, data: Uint8Array } & Spread
export type HitRumor = { kind: 'hit', id: Uint8Array, hops: number, search: Uint8Array, record: WireRecord }
export type CheckRumor = { kind: 'check', id: Uint8Array, hops: number, search: Uint8Array }
export type Rumor = SearchRumor | NoteRumor | HitRumor | CheckRumor
export type SpreadRumor = SearchRumor | NoteRumor

export type ParsedRumor = { ok: true, rumor: Rumor } | { ok: false, reason: string }

/** Most hops a parsed rumor may claim (forwarding stops well before, at MAX_HOPS). */
export const MAX_WIRE_HOPS = 255

/** The bencodable `m` dict of a rumor. */
export function encodeRumor (r: Rumor): BDict {
  const base: BDict = { i: r.id, k: utf8(r.kind), h: r.hops }
  if (r.kind === 'hit') return { ...base, s: r.search, r: { ...r.record } }
  if (r.kind === 'check') return { ...base, s: r.search }
  const spread: BDict = { ...base, o: r.origin, d: r.depth, p: r.path }
  if (r.kind === 'search') return { ...spread, q: utf8(r.query), a: r.address, s: r.search }
  return { ...spread, t: utf8(r.topic), x: r.data }
}

/** Checks a received `m`: a typed rumor, or the reason it is malformed. */
export function parseRumor (m: unknown): ParsedRumor {
  if (!isDict(m)) return bad('m is not a dict')
  if (!isBytesOf(m.i, RUMOR_ID_LENGTH)) return bad(`i is not ${RUMOR_ID_LENGTH} bytes`)
  const kind = kindOf(m.k)
  if (kind === undefined) return bad('k is not search, hit, note or check')
  if (!isCount(m.h, MAX_WIRE_HOPS)) return bad(`h is not a hop count 0..${MAX_WIRE_HOPS}`)
  const base = { id: m.i, hops: m.h }
  if (kind === 'hit') {
    if (!isBytesOf(m.s, RUMOR_ID_LENGTH)) return bad(`s is not ${RUMOR_ID_LENGTH} bytes`)
    const record = wireRecordOf(m.r)
    if (record === undefined) return bad('r is not a peer record')
    return { ok: true, rumor: { kind, ...base, search: m.s, record } }
  }
  if (kind === 'check') {
    if (!isBytesOf(m.s, RUMOR_ID_LENGTH)) return bad(`s is not ${RUMOR_ID_LENGTH} bytes`)
    return { ok: true, rumor: { kind, ...base, search: m.s } }
  }
  const spread = spreadOf(m)
  if (typeof spread === 'string') return bad(spread)
  if (kind === 'search') {
    const query = text(m.q, 64)
    if (query === undefined || !validateQuery(query).ok) return bad('q is not a valid query')
    if (!(m.a instanceof Uint8Array) || decodeAddress(m.a) === undefined) return bad('a is not a compact address')
    if (!isBytesOf(m.s, RUMOR_ID_LENGTH)) return bad(`s is not ${RUMOR_ID_LENGTH} bytes`)
    return { ok: true, rumor: { kind, ...base, ...spread, query, address: m.a, search: m.s } }
  }
  const topic = text(m.t, MAX_TOPIC_BYTES)
  if (topic === undefined || topic.length === 0) return bad(`t is not 1..${MAX_TOPIC_BYTES} bytes of UTF-8`)
  if (!(m.x instanceof Uint8Array) || m.x.length > MAX_NOTE_BYTES) return bad(`x is not at most ${MAX_NOTE_BYTES} bytes`)
  return { ok: true, rumor: { kind, ...base, ...spread, topic, data: m.x } }
}

/** The id prefixes in a rumor's path, as numbers. */
export function pathPrefixes (path: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i + PATH_PREFIX_BYTES <= path.length; i += PATH_PREFIX_BYTES) out.push(prefixOf(path.subarray(i)))
  return out
}

/** `path` with `id`'s prefix appended, keeping the last PATH_LENGTH. */
export function extendPath (path: Uint8Array, id: NodeId): Uint8Array {
  const keep = Math.min(path.length, (PATH_LENGTH - 1) * PATH_PREFIX_BYTES)
  const out = new Uint8Array(keep + PATH_PREFIX_BYTES)
  out.set(path.subarray(path.length - keep))
  out.set(id.subarray(0, PATH_PREFIX_BYTES), keep)
  return out
}

/** The first PATH_PREFIX_BYTES bytes of an id, as a number (for the path check). */
export function prefixOf (id: Uint8Array): number {
  return ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function utf8 (s: string): Uint8Array {
  return encoder.encode(s)
}

function spreadOf (m: Record<string, unknown>): Spread | string {
  if (!isBytesOf(m.o, 20)) return 'o is not a node id'
  if (!isCount(m.d, ID_BITS)) return `d is not a depth 0..${ID_BITS}`
  if (!(m.p instanceof Uint8Array) || m.p.length % PATH_PREFIX_BYTES !== 0 || m.p.length > PATH_LENGTH * PATH_PREFIX_BYTES) {
    return 'p is not a path of id prefixes'
  }
  return { origin: m.o, depth: m.d, path: m.p }
}

function kindOf (x: unknown): RumorKind | undefined {
  const k = text(x, 8)
  return RUMOR_KINDS.find(kind => kind === k)
}

/** UTF-8 text of at most `max` bytes, or undefined. */
function text (x: unknown, max: number): string | undefined {
  if (!(x instanceof Uint8Array) || x.length > max) return undefined
  try {
    return decoder.decode(x)
  } catch {
    return undefined
  }
}

function isDict (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array)
}

function isBytesOf (x: unknown, length: number): x is Uint8Array {
  return x instanceof Uint8Array && x.length === length
}

function isCount (x: unknown, max: number): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0 && (x as number) <= max
}

function bad (reason: string): ParsedRumor {
  return { ok: false, reason }
}
