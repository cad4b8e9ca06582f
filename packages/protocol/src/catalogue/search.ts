/**
 * Keyword search over the whole network (docs/PROTOCOL.md, pc_search; docs/API.md, Search): local matches, the lists (every list's
 * holders answer `pc_search`) and a gossip search, merged into one stream.
 *
 *   search.query       ──ask──▶ the search owner   streams search.hit (end: false) …, then search.done (end: true)
 *   search.invalidate  ──ask──▶ the search owner   drops its result cache; replies search.invalidate.reply
 *
 * Hits are de-duplicated by peer id and tagged with the source that found them first. The search
 * ends at its time bound; unsubscribing cancels it (and stops its traffic).
 */
import { isPeerRecord } from '../record.js'
import type { PeerRecord } from '../record.js'
import { isMessageOf, isNat, isOptional, isStr } from '../guards.js'

export const SEARCH_VIAS = ['hybrid', 'lists', 'gossip'] as const
export type SearchVia = typeof SEARCH_VIAS[number]
export const HIT_SOURCES = ['local', 'lists', 'gossip'] as const
export type HitSource = typeof HIT_SOURCES[number]

/** Ask: search for `q` (validated: non-empty, ≤ 64 UTF-8 bytes) through `via` (default hybrid) for at most `timeout` ms. */
export type SearchQuery = { type: 'search.query', cid?: number, q: string, via?: SearchVia, timeout?: number }
/** One hit: a verified record and where it came from. */
export type SearchHit = { type: 'search.hit', re?: number, end?: boolean, record: PeerRecord, via: HitSource }
/**
 * The last reply: how many distinct hits, how long the search ran, and how many list holders answered (0 for a cached
 * result or a gossip-only search).
 */
export type SearchDone = { type: 'search.done', re?: number, end?: boolean, hits: number, ms: number, holders?: number }

/** Ask: forget cached results (and the list holders they came from): the next search reads the network again. */
export type SearchInvalidate = { type: 'search.invalidate', cid?: number }
export type SearchInvalidateReply = { type: 'search.invalidate.reply', re?: number, end?: boolean }

export const isSearchVia = (x: unknown): x is SearchVia => typeof x === 'string' && (SEARCH_VIAS as readonly string[]).includes(x)
export const isHitSource = (x: unknown): x is HitSource => typeof x === 'string' && (HIT_SOURCES as readonly string[]).includes(x)
export const isSearchQuery = isMessageOf<SearchQuery>('search.query', { q: isStr, via: isOptional(isSearchVia),
  timeout: isOptional(isNat) })
export const isSearchHit = isMessageOf<SearchHit>('search.hit', { record: isPeerRecord, via: isHitSource })
export const isSearchDone = isMessageOf<SearchDone>('search.done', { hits: isNat, ms: isNat, holders: isOptional(isNat) })
export const isSearchInvalidate = isMessageOf<SearchInvalidate>('search.invalidate', {})
export const isSearchInvalidateReply = isMessageOf<SearchInvalidateReply>('search.invalidate.reply', {})
