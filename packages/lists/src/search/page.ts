/**
 * Sizing of one pc_search reply: as many matching records, in id order, as fit its byte budget
 * (3× the query for an unproven querier, a UDP page for a proven one), with the token and the
 * cursor of the next page. Sizes are exact bencoded sizes under the longest transaction id.
 */
import type { NodeId, WireRecord } from '@peerconnect/protocol'
import { replySize } from '../page.js'
import type { Candidate } from './candidates.js'

export interface SearchPage {
  readonly records: WireRecord[]
  /** Where the following page starts (the last id returned; the given cursor when none fitted), or undefined at the end. */
  readonly next: Uint8Array | undefined
}

/** The first of `candidates` (those after the cursor, in order) that fit a reply of `budget` bytes. */
export function fillSearchPage (candidates: readonly Candidate[], opts: { self: NodeId, token: Uint8Array, budget: number, cursor: Uint8Array }): SearchPage {
  let size = replySize(opts.self, { records: [], next: ID_PLACEHOLDER, token: opts.token })
  const records: WireRecord[] = []
  for (const c of candidates) {
    size += c.size
    if (size > opts.budget) break
    records.push(c.wire)
  }
  const more = records.length < candidates.length
  const last = candidates[records.length - 1]
  return { records, next: !more ? undefined : last === undefined ? opts.cursor : last.record.id }
}

/** The candidates whose id sorts after `cursor` (empty: all of them). */
export function afterCursor (candidates: readonly Candidate[], cursorHex: string | undefined): Candidate[] {
  if (cursorHex === undefined) return candidates.slice()
  let lo = 0
  let hi = candidates.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (candidates[mid]!.hex <= cursorHex) lo = mid + 1
    else hi = mid
  }
  return candidates.slice(lo)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const ID_PLACEHOLDER = new Uint8Array(20)
