/**
 * What this node answers a search from: its own record and every record it holds (any list), one
 * per peer (the newest sequence), in id order; and which of them match a query — in place, or on
 * the compute pool when there are more than `threshold` names (DESIGN §2: matching thousands of
 * records is CPU work for the pool).
 */
import { catchError, defer, from, map, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { bencode, idToHex, matchesName, recordToWire } from '@peerconnect/protocol'
import type { PeerRecord, WireRecord } from '@peerconnect/protocol'
import type { ComputePool } from '@peerconnect/runtime'
import type { Store } from '../store.js'
import { matchNames } from './tasks.js'

/** A record ready for a pc_search page: its wire form, bencoded size and hex id (the page order). */
export interface Candidate {
  readonly record: PeerRecord
  readonly wire: WireRecord
  readonly size: number
  readonly hex: string
}

/** The module (file URL) holding the search's pool tasks. */
export const SEARCH_TASKS_MODULE = new URL('./tasks.js', import.meta.url).href

/**
 * Our own record (when we have one) and the live records we hold, one per peer id, sorted by id.
 * Built once per change of the store (its `version`) or of our own record, then shared by every
 * search until the next change: a holder answers many pc_search between two announces.
 */
export function heldCandidates (store: Store, own: PeerRecord | undefined, now: number): readonly Candidate[] {
  store.expire(now)
  const cached = built.get(store)
  if (cached !== undefined && cached.version === store.version && cached.own === own) return cached.candidates
  const best = new Map<string, Candidate>()
  const offer = (c: Candidate): void => {
    const held = best.get(c.hex)
    if (held === undefined || c.record.s > held.record.s) best.set(c.hex, c)
  }
  if (own !== undefined) offer(candidateOf(own))
  for (const list of store.lists(now)) {
    for (const e of store.entries(list, now)) offer({ record: e.record, wire: e.wire, size: e.size, hex: e.hex })
  }
  const candidates = Object.freeze([...best.values()].sort((a, b) => a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0))
  built.set(store, { version: store.version, own, candidates })
  return candidates
}

/** The candidates whose name matches `query`, in their order; on `pool` when there are more than `threshold`. */
export function matching<T extends { readonly record: PeerRecord }> (candidates: readonly T[], query: string, opts: { pool: ComputePool, threshold: number }): Observable<T[]> {
  if (candidates.length <= opts.threshold) return of(candidates.filter(c => matchesName(c.record.n, query)))
  const arg = { names: candidates.map(c => c.record.n), query }
  return defer(() => from(opts.pool.run<number[]>({ module: SEARCH_TASKS_MODULE, name: 'matchNames' }, arg))).pipe(
    catchError(() => of(matchNames(arg))),
    map(indices => Array.isArray(indices) ? indices.map(i => candidates[i]).filter(<C>(c: C | undefined): c is C => c !== undefined) : [])
  )
}

/** A record as a candidate (wire form and size computed once per record object). */
export function candidateOf (record: PeerRecord): Candidate {
  let c = memo.get(record)
  if (c === undefined) {
    const wire = recordToWire(record)
    c = { record, wire, size: bencode(wire).length, hex: idToHex(record.id) }
    memo.set(record, c)
  }
  return c
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const memo = new WeakMap<PeerRecord, Candidate>()
/** The candidates last built from each store, with the store version and own record they came from. */
const built = new WeakMap<Store, { version: number, own: PeerRecord | undefined, candidates: readonly Candidate[] }>()
