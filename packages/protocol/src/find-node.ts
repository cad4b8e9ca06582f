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

export interface Families { readonly v4: boolean, readonly v6: boolean }

/** A contact as a find_node answer needs it. */
export interface NodeEntry { readonly id: NodeId, readonly host: string, readonly port: number }

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
    if (addr.length === 6) { if (families.v4) v4.push({ id: c.id, addr }) } else if (families.v6) v6.push({ id: c.id, addr })
  }
  const budget = AMPLIFICATION_LIMIT * queryBytes
  const tid = Math.min(MAX_TID_LENGTH, Math.max(1, queryBytes - minimalQueryBytes()))
  while (v4.length + v6.length > 0 && replyBytes(tid, families.v4 ? v4.length * V4_NODE : -1, families.v6 ? v6.length * V6_NODE : -1) > budget) {
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
export interface ViewContact extends NodeEntry { readonly goodFor: number }

/**
 * A read-only copy of a routing table for answering find_node: `closest` gives exactly what the
 * table's own `closest(target, n, {goodAt, exclude, topUp: true})` gives for the same contacts —
 * the `n` nearest good ones, topped up with the nearest old ones, nearest first. Contacts are kept
 * by the length of the prefix they share with our id (the table's buckets); a query reads the
 * target's bucket, then the nearer ones, then the farther ones in turn, and stops as soon as it
 * has enough good contacts. Goodness is judged on the reader's own clock from when the view was
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
    if (!isNodeId(target) || !(n > 0)) return []
    const count = Math.floor(n)
    const age = opts.now - this.at
    const good = new Nearest<ViewContact>(target, count)
    const old = new Nearest<ViewContact>(target, count)
    const visit = (bucket: readonly ViewContact[] | undefined): boolean => {
      if (bucket === undefined) return good.size >= count
      for (const c of bucket) {
        if (opts.exclude !== undefined && idsEqual(c.id, opts.exclude)) continue
        if (age < c.goodFor) good.offer(c, c.id)
        else old.offer(c, c.id)
      }
      return good.size >= count
    }
    // Bucket j (j = prefix shared by target and self) holds the contacts nearest the target;
    // every bucket past j is next (all share exactly j bits with the target); then j-1, j-2 …
    const j = commonPrefixLength(target, this.self)
    let enough = visit(this.buckets[j])
    if (!enough) {
      for (let i = j + 1; i < this.buckets.length; i++) visit(this.buckets[i])
      enough = good.size >= count
    }
    for (let i = Math.min(j, this.buckets.length) - 1; !enough && i >= 0; i--) enough = visit(this.buckets[i])
    if (good.size >= count || old.size === 0) return good.items.slice()
    const all = new Nearest<ViewContact>(target, count)
    for (const c of good.items) all.offer(c, c.id)
    for (const c of old.items.slice(0, count - good.size)) all.offer(c, c.id)
    return all.items
  }
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

interface Packed { readonly id: NodeId, readonly addr: Uint8Array }

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
