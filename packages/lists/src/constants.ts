import { minute, second } from '@peerconnect/protocol'

// ── announcing ───────────────────────────────────────────────────────────────────────────────

/** Holders a node announces its record to: the R nodes closest to its closest list id. */
export const R = 8
/** A node announces its own record this often (as in the seed). */
export const ANNOUNCE_INTERVAL = 10 * second
/** Holders drop a record this long after its last announce. */
export const RECORD_TTL = 3 * ANNOUNCE_INTERVAL
/** The announcer looks its holders up again every this many intervals (sooner when one stops answering). */
export const LOOKUP_EVERY = 6
/** How long one pc_* query may take before it counts as unanswered. */
export const QUERY_TIMEOUT = 2 * second
/** Extra time an ask to the transport gets beyond the query's own timeout. */
export const ASK_MARGIN = 1 * second
/** Upper bound on one crawler lookup of a list's holders. */
export const LOOKUP_TIMEOUT = 30 * second

// ── holding ──────────────────────────────────────────────────────────────────────────────────

/**
 * Most records held per list. Peers split unevenly over the lists (a list is the one closest by
 * XOR: 12 of the 20 take 2/32 of the ids each, 8 take 1/32), so in a 10,000-node swarm a larger
 * list has ~625 peers; 1,024 holds it whole up to ~16,000 nodes.
 */
export const MAX_PER_LIST = 1024
/** Most records held per list whose address is on one IP. */
export const MAX_PER_IP = 16

// ── tokens ───────────────────────────────────────────────────────────────────────────────────

/** The token secret changes this often; tokens of the current and the previous secret are accepted. */
export const TOKEN_ROTATE = 5 * minute
/** Bytes of a token. */
export const TOKEN_BYTES = 8

// ── sizes ────────────────────────────────────────────────────────────────────────────────────

/** A reply to a proven querier (or a handoff query) fills at most this many bytes. */
export const UDP_PAGE_BYTES = 1200
/** Bytes of the longest transaction id a querier may use; pages are sized for it. */
export const MAX_TID_BYTES = 16

// ── handoff and verification ─────────────────────────────────────────────────────────────────

/** More records than this are verified on the compute pool; fewer in place. */
export const POOL_THRESHOLD = 4
/** Handoff batches to one new contact sent at once. */
export const HANDOFF_CONCURRENCY = 2
/** A (list, contact) pair is handed off to at most once per this long. */
export const HANDOFF_REPEAT = 1 * minute
/** A handoff refused because the newcomer's routing table did not know us yet is tried once more this much later. */
export const HANDOFF_RETRY = 1 * second
/** Records per list held at most that came by handoff from one network (/24, /64) of senders. */
export const MAX_PER_HANDOFF = 128
/** Handed-over records one sender network (/24, /64) may have verified per second … */
export const HANDOFF_VERIFY_RATE = 64
/** … and at once (the most a list's handoff to a newcomer carries in most swarms; the rest waits for the rate). */
export const HANDOFF_VERIFY_BURST = 512
/** Handed-over records being verified at once, all senders together; beyond, a handoff is answered 202 busy. */
export const MAX_HANDOFF_VERIFYING = 256
/** Sender networks whose verification budget is remembered at most. */
export const MAX_HANDOFF_SOURCES = 4096

// ── the directory ────────────────────────────────────────────────────────────────────────────

/** A list read from the network is reused this long. */
export const CACHE_TTL = 5 * second
/** Holders of one list read (and merged) by the directory walk. */
export const READ_HOLDERS = 3
/** Lists fetched at once while a page is being filled. */
export const PREFETCH = 4
/**
 * Fewest records a proven pc_list page carries: the longest records (a 64-byte name, two
 * addresses, `ro`) are ~270 bytes with their age, four to a 1,200-byte page at best; three is the bound.
 */
export const MIN_RECORDS_PER_PAGE = 3
/**
 * Pages read from one holder for one list at most: enough for a full list (`maxPerList`) of the
 * longest records, so the walk reads a list to its end; a holder paging forever stops here. The
 * walk bounds it by its own `maxPerList` (this is the default's).
 */
export const MAX_HOLDER_PAGES = Math.ceil(MAX_PER_LIST / MIN_RECORDS_PER_PAGE) + 1
/** Most peers one lists.page returns. */
export const MAX_PAGE_LIMIT = 500

/** The first announces of a node each look its holders up (its routing table is still filling). */
export const EARLY_LOOKUPS = 3

/** How often the records held are checked for a change to snapshot (a restarted actor gets them back). */
export const SNAPSHOT_DELAY = 1 * second

/** Tokens from other nodes kept (for announcing and for reading lists). */
export const MAX_PEER_TOKENS = 1024
