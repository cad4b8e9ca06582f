/** Limits and defaults of the HTTP API. Durations are written `10 * second`. */
import { millisecond, minute, second } from '@peerconnect/protocol'
export { MAX_QUERY_BYTES } from '@peerconnect/protocol'

/** Where the server listens unless told otherwise. Port 0 picks a free port. */
export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 0

/** Directory page size: `limit` is an integer in MIN_LIMIT..MAX_LIMIT, DEFAULT_LIMIT when absent. */
export const MIN_LIMIT = 1
export const MAX_LIMIT = 200
export const DEFAULT_LIMIT = 50

/** A cursor is opaque to the server; longer ones are refused before the backend sees them. */
export const MAX_CURSOR_LENGTH = 512

/** Search time bound: `timeout` is an integer number of ms in MIN_SEARCH_TIMEOUT..MAX_SEARCH_TIMEOUT. */
export const MIN_SEARCH_TIMEOUT = 100 * millisecond
export const MAX_SEARCH_TIMEOUT = 30 * second
export const DEFAULT_SEARCH_TIMEOUT = 3 * second
/** The server ends a search this long after its time bound even if the backend has not. */
export const SEARCH_GRACE = 500 * millisecond

/** Searches running at once through the API (each makes the node send queries); more get 429. */
export const MAX_SEARCHES = 8
/** Lookups by id and directory pages running at once through the API; more get 429. */
export const MAX_LOOKUPS = 8

/** The search routes a query may take (the protocol's list) and the one taken when none is given. */
export { SEARCH_VIAS } from '@peerconnect/protocol'
export const DEFAULT_VIA = 'hybrid'

/** WebSocket: inbound frames larger than this close the socket (clients send nothing useful). */
export const WS_MAX_PAYLOAD = 4 * 1024
/** A client that lets this many bytes queue up unsent is too slow: it is closed (code 1013). */
export const WS_MAX_BUFFERED = 1024 * 1024
/** How often each socket is pinged; one that missed the previous pong is dropped. */
export const WS_HEARTBEAT = 30 * second

/** No route takes a body; anything larger is refused. */
export const BODY_LIMIT = 16 * 1024
/** Longest path parameter (an id is 40 characters). */
export const MAX_PARAM_LENGTH = 128
/** Time a client gets to send its request headers. */
export const REQUEST_TIMEOUT = 10 * second

/** Error codes from the backend that mean "not available right now" (503) rather than a fault (500). */
export const UNAVAILABLE_CODES: readonly string[] = [
  'ERR_UNAVAILABLE',
  'ERR_ASK_TIMEOUT',
  'ERR_NO_CONSUMER',
  'ERR_ACTOR_RESTARTED',
  'ERR_ACTOR_NOT_RUNNING',
  'ERR_SUPERVISOR_STOPPED',
  'ERR_BACKLOG_FULL'
]

/** Prefix of every metric name the server exposes. */
export const METRIC_PREFIX = 'peerconnect_'

// ── the actor ────────────────────────────────────────────────────────────────────────────────

/**
 * After a restart, the port the API had is tried this many times, REBIND_DELAY apart (the old server may still be
 * closing), before a free one is taken.
 */
export const REBIND_ATTEMPTS = 10
export const REBIND_DELAY = 100 * millisecond

/** How often the actor re-reads the routing table and checks the peers it has not heard from. */
export const CHECK_INTERVAL = 10 * second
/** A live peer neither seen nor checked for this long gets a liveness check. */
export const STALE_AFTER = 20 * second
/** Liveness checks asked per sweep at most (least recently seen first), and in flight at once. */
export const MAX_CHECKS = 32
export const CHECK_CONCURRENCY = 8
/** Time bound of one `liveness.check` ask (a UDP ping, then a TCP connect). */
export const CHECK_TIMEOUT = 10 * second
/** A change of a peer's last-seen time alone is sent to the page once it moved this far. */
export const SEEN_STEP = 5 * second

/** The `pc_record` query that learns a peer's name: its time bound, and queries in flight at once. */
export const NAME_TIMEOUT = 3 * second
export const NAME_CONCURRENCY = 4
/** A name is asked again after this long (peers may rename); a failed query after NAME_RETRY. */
export const NAME_TTL = 10 * minute
export const NAME_RETRY = 30 * second
/** Names kept at most (least recently learned dropped first). */
export const MAX_NAMES = 10_000
/**
 * Bytes of padding in a `pc_record` query: the signed record is more than 3× a bare query, so an
 * unproven querier pads it (lists answers 203 ERR_PROOF_NEEDED otherwise).
 */
export const RECORD_QUERY_PAD = 64

/** Time bound of the asks behind /api/status and /metrics (each degrades alone). */
export const STATUS_TIMEOUT = 3 * second
/** Time bound of a directory page (it may walk the network). */
export const PAGE_TIMEOUT = 15 * second
/** Time bound of a lookup by id (`crawler.find`). */
export const FIND_TIMEOUT = 15 * second
/** A search ask gets this much longer than its own time bound before it is given up. */
export const SEARCH_ASK_MARGIN = 2 * second
