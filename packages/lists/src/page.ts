/**
 * Sizing of what goes on the wire: a pc_list page that fits its byte budget (3× the query for an
 * unproven querier, a UDP page for a proven one), the compact nodes that fit when the list is
 * empty, and handoff batches that each fit one datagram. Sizes are exact bencoded sizes, computed
 * for the longest transaction id a querier may use.
 */
import { encodeNodes, encodeQuery, encodeResponse } from '@peerconnect/protocol'
import type { NodeId, NodeInfo, WireRecord } from '@peerconnect/protocol'
import type { Entry } from './store.js'
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

/** As many of `entries` (in order) as fit in one pc_list reply. */
export function fillListPage (entries: readonly Entry[], opts: PageOptions): ListPage {
  let size = replySize(opts.self, { token: opts.token, next: ID_PLACEHOLDER, records: [], ages: [] })
  const records: WireRecord[] = []
  const ages: number[] = []
  for (const e of entries) {
    const age = Math.max(0, Math.round(opts.now - e.seenAt))
    size += e.size + intSize(age)
    if (size > opts.budget) break
    records.push(e.wire)
    ages.push(age)
  }
  const more = records.length < entries.length
  const last = entries[records.length - 1]
  return { records, ages, next: !more ? undefined : last === undefined ? opts.cursor : last.record.id }
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
export function handoffBatches (entries: readonly Entry[], opts: { self: NodeId, list: number, budget: number, now: number }): Array<{ records: WireRecord[], ages: number[] }> {
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

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const LONGEST_TID = new Uint8Array(MAX_TID_BYTES)
const ID_PLACEHOLDER = new Uint8Array(20)

/** Bytes of a bencoded non-negative integer: `i<digits>e`. */
function intSize (n: number): number {
  return String(n).length + 2
}
