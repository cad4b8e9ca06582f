/**
 * What this node answers a search from: its own record and every record it holds (any list), one
 * per peer (the newest sequence), in id order, with an index of their name tokens built at the
 * same time (once per store version); and which of them match a query — through the index
 * (`indexMatches`: binary searches and the few candidates they name, not every name per query), or,
 * for other record sets, in place or on the compute pool when there are more than `threshold`.
 */
import { catchError, map, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { bencode, idToHex, matchesName, nameTokens, recordToWire } from '@peerconnect/protocol'
import type { PeerRecord, WireRecord } from '@peerconnect/protocol'
import type { ComputePool } from '@peerconnect/runtime'
import type { Store } from '../holding/store.js'
import { runOnPool } from '../pool-run.js'
import { firstAfter, firstAtLeast, itself } from '../sorted.js'
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
 * The name-token index of a candidate list: every normalized token of every name, sorted, with the
 * candidate it belongs to. A query token's prefix range is two binary searches.
 */
export interface SearchIndex {
  /** Our record and the held records, one per peer, in id order. */
  readonly candidates: readonly Candidate[]
  /** Every token of every candidate's name (nameTokens), sorted. */
  readonly tokens: readonly string[]
  /** `owners[i]`: the index in `candidates` of the name `tokens[i]` came from. */
  readonly owners: Int32Array
  /** Each candidate's tokens. */
  readonly names: ReadonlyArray<readonly string[]>
}

/**
 * Our own record (when we have one) and the live records we hold, one per peer id, sorted by id.
 * Built once per change of the store (its `version`) or of our own record, then shared by every
 * search until the next change: a holder answers many pc_search between two announces.
 */
export function heldCandidates (store: Store, own: PeerRecord | undefined, now: number): readonly Candidate[] {
  return heldIndex(store, own, now).candidates
}

/** `heldCandidates` with the index of their names, built (and cached) with them. */
export function heldIndex (store: Store, own: PeerRecord | undefined, now: number): SearchIndex {
  store.expire(now)
  const cached = built.get(store)
  if (cached !== undefined && cached.version === store.version && cached.own === own) return cached.index
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
  const index = indexOf(candidates)
  built.set(store, { version: store.version, own, index })
  return index
}

/** Builds the token index of `candidates` (kept in their order). */
export function indexOf (candidates: readonly Candidate[]): SearchIndex {
  const names = candidates.map(c => tokensOf(c.record))
  const byToken = new Map<string, number[]>()
  names.forEach((tokens, owner) => {
    for (const token of tokens) {
      const owners = byToken.get(token)
      if (owners === undefined) byToken.set(token, [owner])
      else owners.push(owner)
    }
  })
  const distinct = [...byToken.keys()].sort() // code-unit order, as `<` compares
  const tokens: string[] = []
  const owners: number[] = []
  for (const token of distinct) {
    for (const owner of byToken.get(token)!) {
      tokens.push(token)
      owners.push(owner)
    }
  }
  return Object.freeze({ candidates, tokens: Object.freeze(tokens), owners: Int32Array.from(owners), names: Object.freeze(names) })
}

/**
 * The candidates of `index` whose name matches `query` (matchesName: every query token a prefix of
 * a name token), in id order, those after id `afterHex` when given. Costs two binary searches per
 * query token plus the candidates in the narrowest token's prefix range, never a pass over every name.
 */
export function indexMatches (index: SearchIndex, query: string, afterHex?: string): Candidate[] {
  const wanted = [...new Set(nameTokens(query))]
  if (wanted.length === 0) return []
  let best: { lo: number, hi: number } | undefined
  for (const w of wanted) {
    const range = { lo: firstAtLeast(index.tokens, w, itself), hi: firstAtLeast(index.tokens, w + '\uffff', itself) }
    if (best === undefined || range.hi - range.lo < best.hi - best.lo) best = range
    if (best.hi === best.lo) return []
  }
  const from = afterHex === undefined ? 0 : firstAfter(index.candidates, afterHex, c => c.hex)
  const hits: number[] = []
  for (let i = best!.lo; i < best!.hi; i++) {
    const owner = index.owners[i]!
    if (owner < from) continue
    const have = index.names[owner]!
    if (wanted.every(w => have.some(t => t.startsWith(w)))) hits.push(owner)
  }
  hits.sort((a, b) => a - b)
  // a name with two tokens in the range is there twice
  return hits.filter((h, i) => i === 0 || hits[i - 1] !== h).map(i => index.candidates[i]!)
}

/**
 * The candidates whose name matches `query`, in their order; on `pool` when there are more than
 * `threshold` (the task is dropped from the pool's queue if the result is no longer wanted), in
 * place when the pool fails or is busy.
 */
export function matching<T extends { readonly record: PeerRecord }> (candidates: readonly T[], query: string,
  opts: { pool: ComputePool, threshold: number }): Observable<T[]> {
  if (candidates.length <= opts.threshold) return of(candidates.filter(c => matchesName(c.record.n, query)))
  const arg = { names: candidates.map(c => c.record.n), query }
  return runOnPool<number[]>(opts.pool, { module: SEARCH_TASKS_MODULE, name: 'matchNames' }, arg).pipe(
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
/** Each record's name tokens, computed once per record object (a rebuilt index tokenizes only new records). */
const tokenMemo = new WeakMap<PeerRecord, readonly string[]>()

function tokensOf (record: PeerRecord): readonly string[] {
  let t = tokenMemo.get(record)
  if (t === undefined) {
    t = Object.freeze([...new Set(nameTokens(record.n))])
    tokenMemo.set(record, t)
  }
  return t
}
/** The candidates last built from each store, with the store version and own record they came from. */
const built = new WeakMap<Store, { version: number, own: PeerRecord | undefined, index: SearchIndex }>()
