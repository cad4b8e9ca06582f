import { millisecond, second } from '@peerconnect/protocol'

/** Closest responsive nodes that must have answered before a lookup ends. */
export const K = 8
/** Queries in flight per lookup (a slow one gives its slot up early). */
export const ALPHA = 3
/** Closest responsive contacts a lookup result carries. */
export const KEEP = 20
/**
 * Times a lookup asks a candidate again after its query timed out or was presumed lost (while it
 * still ranks among the k closest): one lost datagram (1% loss each way) must not cost the closest node.
 */
export const RETRIES = 1
/** Candidates a lookup remembers; farther unqueried ones are forgotten. */
export const MAX_CANDIDATES = 256

/** Before any round trip is measured, a query in flight this long gives up its slot. */
export const SLOW_INITIAL = 500 * millisecond
/** Once RTTs are measured, a query gives up its slot after this many times their median… */
export const SLOW_FACTOR = 2
/** …but never sooner than this… */
export const SLOW_MIN = 50 * millisecond
/** …and never later than this. */
export const SLOW_MAX = 1 * second

/** Before any round trip is measured, a query in flight this long is presumed lost. */
export const EXPIRE_INITIAL = 1 * second
/** Once RTTs are measured, a query is presumed lost after this many times their median… */
export const EXPIRE_FACTOR = 3
/** …but never sooner than this (nor than the slow threshold)… */
export const EXPIRE_MIN = 150 * millisecond
/** …and never later than this. */
export const EXPIRE_MAX = 3 * second

/**
 * A lookup's wake-up timer firing more than this late means the event loop was stalled: the
 * deadlines of its queries in flight are pushed back by the delay (their replies may be queued).
 */
export const STALL_SLACK = 25 * millisecond

/** Seeds asked from routing.closest for a lookup. */
export const SEED_COUNT = 16
/** Lookups that run at once during a bootstrap's bucket refresh. */
export const REFRESH_CONCURRENCY = 2
/** Upper bound on the duration of one lookup (the ask to routing included). */
export const LOOKUP_TIMEOUT = 60 * second
/** How long the crawler waits for a transport.query reply (the transport's own timeout is at most 5 s). */
export const QUERY_ASK_TIMEOUT = 7 * second
/** Times a bootstrap runs its own-id lookup again when no find_node of it was answered (the seeds answered ping). */
export const BOOTSTRAP_RETRIES = 2
/**
 * Closest responsive nodes a bootstrap's own-id lookup waits for: a node's 20 closest are the ones
 * that must know it (and it them), so it asks them all (a wide lookup, README), not the 8 a lookup
 * for someone else needs.
 */
export const SELF_LOOKUP_K = 20
/** Seeds pinged at once during a bootstrap. */
export const PING_CONCURRENCY = 8

/** Nodes a BEP 5 find_node reply lists: a lookup wanting more asks with `n` and a padded query. */
export const BEP5_NODES = 8
/** Bytes of one compact IPv4 node (id + address). */
export const NODE_BYTES = 26
