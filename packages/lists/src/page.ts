/**
 * Sizing of what goes on the wire: a pc_list or pc_search page that fits its byte budget (3× the
 * query for an unproven querier, a UDP page for a proven one), the padding that lets a querier with
 * no token yet be sent a full page within 3× its query, the compact nodes that fit when a
 * list is empty, and handoff batches that each fit one datagram. Sizes are exact bencoded sizes, computed
 * for the longest transaction id a querier may use.
 */
import { AMPLIFICATION_LIMIT, encodeNodes, encodeQuery, encodeResponse } from '@peerconnect/protocol'
import type { NodeId, NodeInfo, WireRecord } from '@peerconnect/protocol'
import type { Entry } from './holding/store.js'
import { MAX_TID_BYTES } from './constants.js'

export interface ListPage {
  readonly records: WireRecord[]
  /** ms since each record's peer last announced. */
  readonly ages: number[]
  /** Where the following page starts (the last id returned; the given cursor when none fitted), or undefined at the end. */
  readonly next: Uint8Array | undefined
}

export interface PageOptions {
  readonly self: NodeId
  readonly token: Uint8Array
  /** Most bytes the whole reply may take. */
  readonly budget: number
  readonly now: number
  /** The cursor this page starts after (empty: the start). */
  readonly cursor: Uint8Array
}

/** A record ready to go in a page: its bencoded size and its id (the page order). */
export interface Sized {
  readonly size: number
  readonly record: { readonly id: NodeId }
}

export interface FillOptions<T> {
  readonly self: NodeId
  /** Most bytes the whole reply may take. */
  readonly budget: number
  /** The cursor this page starts after (empty: the start). */
  readonly cursor: Uint8Array
  /** The reply's other keys, empty (`next` is counted in). */
  readonly rest: Record<string, unknown>
  /** Bytes an item costs beyond its `size`. */
  readonly extra?: (item: T) => number
}

/** What `fillPage` took, and where the following page starts. */
export interface Filled<T> {
  readonly items: T[]
  /** The last id taken (the given cursor when none fitted), or undefined when every item was taken. */
  readonly next: Uint8Array | undefined
}

/**
 * The one page filler (pc_list, pc_search): the first of `items` (in order) that fit in a reply of
 * `budget` bytes whose other keys are `rest` (a `next` cursor is counted in); each item costs its
 * `size` plus `extra(item)` (a pc_list record's age).
 */
export function fillPage<T extends Sized> (items: readonly T[], opts: FillOptions<T>): Filled<T> {
  let size = replySize(opts.self, { ...opts.rest, next: ID_PLACEHOLDER })
  let n = 0
  for (const item of items) {
    size += item.size + (opts.extra?.(item) ?? 0)
    if (size > opts.budget) break
    n++
  }
  const taken = items.slice(0, n)
  const last = taken[n - 1]
  return { items: taken, next: n === items.length ? undefined : last === undefined ? opts.cursor : last.record.id }
}

/** As many of `entries` (in order) as fit in one pc_list reply, with each record's age. */
export function fillListPage (entries: readonly Entry[], opts: PageOptions): ListPage {
  const age = (e: Entry): number => Math.max(0, Math.round(opts.now - e.seenAt))
  const rest = { token: opts.token, records: [], ages: [] }
  const page = fillPage(entries, { self: opts.self, budget: opts.budget, cursor: opts.cursor, rest, extra: e => intSize(age(e)) })
  return { records: page.items.map(e => e.wire), ages: page.items.map(age), next: page.next }
}

/** The first of `nodes` that fit, with `token`, in a reply of `budget` bytes, as compact node info. */
export function fitNodes (nodes: readonly NodeInfo[], opts: { self: NodeId, token: Uint8Array, budget: number }): Uint8Array {
  for (let n = nodes.length; n > 0; n--) {
    const compact = encodeNodes(nodes.slice(0, n))
    if (replySize(opts.self, { token: opts.token, nodes: compact }) <= opts.budget) return compact
  }
  return new Uint8Array(0)
}

/** `entries` cut into pc_handoff queries of at most `budget` bytes each (a record too big for any is left out). */
export function handoffBatches (entries: readonly Entry[],
  opts: { self: NodeId, list: number, budget: number, now: number }): Array<{ records: WireRecord[], ages: number[] }> {
  const base = querySize(opts.self, 'pc_handoff', { list: opts.list, records: [], ages: [] })
  const batches: Array<{ records: WireRecord[], ages: number[] }> = []
  let batch = { records: [] as WireRecord[], ages: [] as number[] }
  let size = base
  for (const e of entries) {
    const age = Math.max(0, Math.round(opts.now - e.seenAt))
    const add = e.size + intSize(age)
    if (base + add > opts.budget) continue
    if (size + add > opts.budget) {
      batches.push(batch)
      batch = { records: [], ages: [] }
      size = base
    }
    batch.records.push(e.wire)
    batch.ages.push(age)
    size += add
  }
  if (batch.records.length > 0) batches.push(batch)
  return batches
}

/** Bytes of a reply `r` (our id added) under the longest transaction id. */
export function replySize (self: NodeId, r: Record<string, unknown>): number {
  return encodeResponse(LONGEST_TID, { ...r, id: self }).length
}

/** Bytes of a query `q` with arguments `a` (our id added) under the longest transaction id. */
export function querySize (self: NodeId, q: string, a: Record<string, unknown>): number {
  return encodeQuery(LONGEST_TID, q, { ...a, id: self }).length
}

/**
 * `args` with a `pad` key of zero bytes just long enough that AMPLIFICATION_LIMIT × the query's size
 * (under the shortest transaction id, so any tid will do) is at least `reply` bytes: a holder may
 * then answer a querier it has given no token yet a reply of that size (the `pad` extension of
 * find_node, docs/PROTOCOL.md). `args` already that large are returned as they are.
 */
export function padded (self: NodeId, q: string, args: Record<string, unknown>, reply: number): Record<string, unknown> {
  const unpadded = encodeQuery(SHORTEST_TID, q, { ...args, id: self, pad: EMPTY }).length
  const bytes = Math.ceil(reply / AMPLIFICATION_LIMIT) - unpadded
  // a pad of L bytes adds L plus its length's digits: L alone is never short
  return bytes <= 0 ? args : { ...args, pad: new Uint8Array(bytes) }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const LONGEST_TID = new Uint8Array(MAX_TID_BYTES)
const ID_PLACEHOLDER = new Uint8Array(20)
const SHORTEST_TID = new Uint8Array(1)
const EMPTY = new Uint8Array(0)

/** Bytes of a bencoded non-negative integer: `i<digits>e`. */
function intSize (n: number): number {
  return String(n).length + 2
}
