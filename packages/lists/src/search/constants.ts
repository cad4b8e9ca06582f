/** Constants of keyword search (time in ms, written `3 * second`). */
import { millisecond, second } from '@peerconnect/protocol'

/** A search ends at this bound unless `search.query` asks for another. */
export const SEARCH_TIMEOUT = 3 * second
/** The longest bound a search may ask for. */
export const MAX_SEARCH_TIMEOUT = 60 * second
/**
 * In a hybrid search the gossip part lasts at most this long (a rumor reaches a 10⁴-node swarm in
 * ~10 hops; at 50 ms a hop its hits are back in ~0.6 s); the lists find the rest.
 */
export const GOSSIP_WINDOW = 800 * millisecond
/** A finished search's results are replayed for the same query and via this long. */
export const RESULT_TTL = 10 * second
/** Searches whose results are kept at most (the oldest go first). */
export const MAX_CACHED_RESULTS = 256
/** Lists searched at once by one search: all 20 (a lower bound makes a cold search slower, not cheaper). */
export const LISTS_CONCURRENCY = 20
/**
 * A holder lookup asks the crawler for the holders a search asks plus this many spares (not all
 * R: every one of the R holds the list, and a smaller k ends the lookup sooner, ~25% fewer queries).
 */
export const LOOKUP_SPARE = 2
/**
 * A cold list search asks the routing table's closest node to the list id first (usually one of
 * its holders) and starts the holder lookup when that node answers, or after this long: the first
 * hit then needs one round trip, not a place in the queue behind twenty lookups.
 */
export const EARLY_HEAD_START = 100 * millisecond
/** Pages read from one holder for one search at most. */
export const MAX_SEARCH_PAGES = 16
/** More names than this are matched on the compute pool. */
export const MATCH_POOL_THRESHOLD = 1000
/** Records from directory pages remembered for local matches at most. */
export const MAX_KNOWN = 4096
