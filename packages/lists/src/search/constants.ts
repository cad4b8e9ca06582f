/** Constants of keyword search (time in ms, written `3 * second`). */
import { second } from '../constants.js'

/** A search ends at this bound unless `search.query` asks for another. */
export const SEARCH_TIMEOUT = 3 * second
/** The longest bound a search may ask for. */
export const MAX_SEARCH_TIMEOUT = 60 * second
/** In a hybrid search the gossip part lasts at most this long: the lists find the rest. */
export const GOSSIP_WINDOW = 1 * second
/** A finished search's results are replayed for the same query and via this long. */
export const RESULT_TTL = 10 * second
/** Searches whose results are kept at most (the oldest go first). */
export const MAX_CACHED_RESULTS = 256
/** Lists searched at once by one search (there are 20). */
export const LISTS_CONCURRENCY = 10
/** Pages read from one holder for one search at most. */
export const MAX_SEARCH_PAGES = 16
/** More names than this are matched on the compute pool. */
export const MATCH_POOL_THRESHOLD = 1000
/** Records from directory pages remembered for local matches at most. */
export const MAX_KNOWN = 4096
