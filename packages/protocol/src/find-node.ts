/**
 * Answering `find_node`: which contacts, how many, which address families, and the reply's `r`
 * dict trimmed to the 3× amplification bound. Routing answers with these from its table; the
 * transport answers with them from the read-only view of that table routing publishes
 * (`routing.view`, see `ContactView`), so both send the same bytes for the same table.
 */
import { compactAddress, parseHost } from './compact.js'
import { MAX_TID_LENGTH } from './constants.js'
import { commonPrefixLength, idsEqual, ID_LENGTH, isNodeId, Nearest } from './id.js'
import type { NodeId } from './id.js'
import { AMPLIFICATION_LIMIT } from './constants.js'
import { CLIENT_VERSION, encodeKrpc } from './krpc.js'
import { MAX_FIND_NODE_COUNT } from './krpc-methods.js'

/** Contacts in a find_node reply unless the query asks for another count (BEP 5: 8). */
export const FIND_NODE_COUNT = 8

export interface Families {
  readonly v4: boolean
  readonly v6: boolean
}

/** A contact as a find_node answer needs it. */
export interface NodeEntry {
  readonly id: NodeId
  readonly host: string
  readonly port: number
}

/** Contacts to answer with: `n` when it is an integer 1..MAX_FIND_NODE_COUNT, else BEP 5's FIND_NODE_COUNT (8). */
export function wantedCount (n: unknown): number {
  return Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= MAX_FIND_NODE_COUNT ? n as number : FIND_NODE_COUNT
}

/** Which node lists to send: BEP 32 `want` (n4 / n6) if given, else the querier's own family. */
export function wantedFamilies (want: unknown, querierHost: string): Families {
  if (Array.isArray(want)) {
    const tags = want.map(tagOf)
    const v4 = tags.includes('n4')
    const v6 = tags.includes('n6')
    if (v4 || v6) return { v4, v6 }
  }
  // Only a host with a colon can be IPv6 (and an IPv4-mapped one counts as IPv4): most queriers skip the parse.
  return querierHost.includes(':') && parseHost(querierHost)?.length === 16 ? { v4: false, v6: true } : { v4: true, v6: false }
}

/**
 * The `r` dict of a find_node reply with as many of `nodes` (nearest first) as fit in
 * AMPLIFICATION_LIMIT × `queryBytes`, for the longest transaction id the query could have
 * carried. The reply's size is counted, not encoded: `{t, y, r: {id, nodes?, nodes6?}, v}` has a
 * fixed bencoded shape (checked against the real encoder in the tests).
 */
export function fitNodes (nodes: readonly NodeEntry[], families: Families, queryBytes: number): Record<string, Uint8Array> {
  const v4: Packed[] = []
  const v6: Packed[] = []
  for (const c of nodes) {
    const addr = compactAddress(c.host, c.port)
    if (addr === undefined || !isNodeId(c.id)) continue
    if (addr.length === 6) { if (families.v4) v4.push({ id: c.id, addr }) }
    else if (families.v6) v6.push({ id: c.id, addr })
  }
  const budget = AMPLIFICATION_LIMIT * queryBytes
  const tid = Math.min(MAX_TID_LENGTH, Math.max(1, queryBytes - minimalQueryBytes()))
  while (v4.length + v6.length > 0 &&
    replyBytes(tid, families.v4 ? v4.length * V4_NODE : -1, families.v6 ? v6.length * V6_NODE : -1) > budget) {
    if (v6.length > 0 && v6.length >= v4.length) v6.pop()
    else v4.pop()
  }
  return dictOf(v4, v6, families)
}

/** Bencoded size of `{t: <tid bytes>, y: 'r', r: {id, nodes?, nodes6?}, v}`; a list length of -1 leaves its key out. */
export function replyBytes (tid: number, nodes: number, nodes6: number): number {
  const r = 1 + bstr(2) + bstr(ID_LENGTH) + (nodes < 0 ? 0 : bstr(5) + bstr(nodes)) + (nodes6 < 0 ? 0 : bstr(6) + bstr(nodes6)) + 1
  return 1 + bstr(1) + r + bstr(1) + bstr(tid) + bstr(1) + bstr(CLIENT_VERSION.length) + bstr(1) + bstr(1) + 1
}

// ── the view ─────────────────────────────────────────────────────────────────────────────────

/**
 * A contact of a published view: `goodFor` is how many more ms it stays good (seen within the good
 * window, not failed) counted from when the view was made; 0 for a contact that is merely old (it
 * only tops an answer up). Failed contacts are never in a view.
 */
export interface ViewContact extends NodeEntry {
  readonly goodFor: number
}

/**
 * A read-only copy of a routing table for answering find_node: `closest` gives exactly what the
 * table's own `closest(target, n, {goodAt, exclude, topUp: true})` gives for the same contacts —
 * the `n` nearest good ones, topped up with the nearest old ones, nearest first. Contacts are kept
 * by the length of the prefix they share with our id (the table's buckets) and selected by
 * `selectClosest`, the table's own selection. Goodness is judged on the reader's own clock from when the view was
 * received (`at`): the view never compares clocks across threads.
 */
export class ContactView {
  readonly size: number
  private readonly buckets: ViewContact[][] = []

  constructor (readonly self: NodeId, contacts: readonly ViewContact[], readonly at: number) {
    let size = 0
    for (const c of contacts) {
      if (idsEqual(c.id, self)) continue
      const i = commonPrefixLength(c.id, self)
      while (this.buckets.length <= i) this.buckets.push([])
      this.buckets[i]!.push(c)
      size++
    }
    this.size = size
  }

  /** The `n` closest contacts to `target` at time `now` (same clock as `at`), `exclude` left out. */
  closest (target: NodeId, n: number, opts: { now: number, exclude?: NodeId }): ViewContact[] {
    const age = opts.now - this.at
    const select: SelectOptions<ViewContact> = { good: c => age < c.goodFor, topUp: () => true }
    return selectClosest(this.self, this.buckets, target, n, opts.exclude === undefined ? select : { ...select, exclude: opts.exclude })
  }
}

// ── closest-n selection ──────────────────────────────────────────────────────────────────────

/** What `selectClosest` keeps. */
export interface SelectOptions<T> {
  /** Whether a contact is good: good ones are chosen first. */
  readonly good: (c: T) => boolean
  /** When given: the nearest contacts that are not good but pass this top the answer up to `n`. */
  readonly topUp?: (c: T) => boolean
  /** Leave this id out (the querier). */
  readonly exclude?: NodeId
  /** Leave out the contacts this holds for (e.g. ones known to speak BEP 5 only). */
  readonly skip?: (c: T) => boolean
}

/**
 * The `n` contacts closest to `target`, nearest first: the nearest good ones, topped up (with
 * `topUp`) by the nearest others that may top up — the one selection of the routing table's
 * `closest` and of `ContactView`. `groups[i]` holds the contacts sharing exactly `i` leading bits
 * with `self` (the table's buckets). Group j (the prefix `target` shares with `self`) holds the
 * contacts nearest the target; every group past j comes next (each shares exactly j bits with the
 * target); then j-1, j-2 …, each farther than the last. Reading stops after a group once `n` good
 * contacts are found, so a query reads a bucket or two, not the table.
 */
export function selectClosest<T extends { readonly id: NodeId }> (
  self: NodeId,
  groups: ReadonlyArray<Iterable<T> | undefined>,
  target: NodeId,
  n: number,
  opts: SelectOptions<T>
): T[] {
  if (!isNodeId(target) || !(n > 0)) return []
  const count = Math.floor(n)
  const { good: isGood, topUp, exclude, skip } = opts
  const good = new Nearest<T>(target, count)
  const old = topUp === undefined ? undefined : new Nearest<T>(target, count)
  const visit = (group: Iterable<T> | undefined): boolean => {
    if (group === undefined) return good.size >= count
    for (const c of group) {
      if (exclude !== undefined && idsEqual(c.id, exclude)) continue
      if (skip?.(c) === true) continue
      if (isGood(c)) good.offer(c, c.id)
      else if (old !== undefined && topUp?.(c) === true) old.offer(c, c.id)
    }
    return good.size >= count
  }
  const j = commonPrefixLength(target, self)
  let enough = visit(groups[j])
  if (!enough) {
    for (let i = j + 1; i < groups.length; i++) visit(groups[i])
    enough = good.size >= count
  }
  for (let i = Math.min(j, groups.length) - 1; !enough && i >= 0; i--) enough = visit(groups[i])
  if (old === undefined || good.size >= count || old.size === 0) return good.items.slice()
  // Every good contact stays; the nearest others fill the free places; all in distance order.
  const all = new Nearest<T>(target, count)
  for (const c of good.items) all.offer(c, c.id)
  for (const c of old.items.slice(0, count - good.size)) all.offer(c, c.id)
  return all.items
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const V4_NODE = 26
const V6_NODE = 38

const ZERO_ID = new Uint8Array(ID_LENGTH)
let minimalQuery: number | undefined

/** Bytes of the smallest find_node query, less its transaction id's one byte. */
function minimalQueryBytes (): number {
  minimalQuery ??= encodeKrpc({ y: 'q', t: new Uint8Array(1), q: 'find_node', a: { id: ZERO_ID, target: ZERO_ID } }).length - 1
  return minimalQuery
}

/** Bytes of a bencoded byte string of `n` bytes: `<n>:<bytes>`. */
function bstr (n: number): number {
  return String(n).length + 1 + n
}

interface Packed {
  readonly id: NodeId
  readonly addr: Uint8Array
}

/** Compact node info (BEP 5 / BEP 32): id then address, per node (byte loops: cheaper than `set` for 20 bytes). */
function pack (list: readonly Packed[], size: number): Uint8Array {
  const out = new Uint8Array(list.length * size)
  let at = 0
  for (let i = 0; i < list.length; i++) {
    const { id, addr } = list[i]!
    for (let j = 0; j < ID_LENGTH; j++) out[at++] = id[j]!
    for (let j = 0; j < addr.length; j++) out[at++] = addr[j]!
  }
  return out
}

function dictOf (v4: readonly Packed[], v6: readonly Packed[], families: Families): Record<string, Uint8Array> {
  const r: Record<string, Uint8Array> = {}
  if (families.v4) r.nodes = pack(v4, V4_NODE)
  if (families.v6) r.nodes6 = pack(v6, V6_NODE)
  return r
}

function tagOf (x: unknown): string {
  if (typeof x === 'string') return x
  return x instanceof Uint8Array ? new TextDecoder().decode(x) : ''
}
