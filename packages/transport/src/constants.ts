import { millisecond, minute, second } from '@peerconnect/protocol'

// ── idle contacts (idle.ts) ─────────────────────────────────────────────────────────────────

/**
 * A contact not heard from (nor sent to, for the credit book) for this long is forgotten by the
 * transport's books: what it speaks, the seen throttles, its RTT estimate, its rate-limit buckets
 * and its credit. Far beyond the seconds any of them is read over (timeouts ≤ RTO_CEILING, the
 * seen interval, a bucket's refill); a contact forgotten is as one never heard from.
 */
export const CONTACT_IDLE = 10 * minute

// ── adaptive timeouts (rtt.ts) ───────────────────────────────────────────────────────────────

/** No query times out sooner than this, however fast its contact answered before. */
export const RTO_FLOOR = 150 * millisecond
/** No query waits longer than this. */
export const RTO_CEILING = 5 * second
/** The timeout for an unknown contact before any round trip has been measured. */
export const RTO_INITIAL = 2 * second
/** Contacts whose smoothed RTT is remembered (least recently used ones are forgotten). */
export const RTT_MAX_CONTACTS = 10_000
/** Recent RTT samples (of any contact) kept to derive the timeout for unknown contacts. */
export const RTT_RECENT_SAMPLES = 64
/** An unknown contact gets this many times the recent high (p90) RTT as its timeout… */
export const RTO_UNKNOWN_FACTOR = 3
/** …but at least this: fast known neighbours say little about a stranger. */
export const RTO_UNKNOWN_FLOOR = 500 * millisecond

// ── inbound rate limit (rate-limit.ts) ──────────────────────────────────────────────────────

/** Inbound queries a source IP may send per second, sustained. */
export const RATE_LIMIT_RATE = 250
/** Inbound queries a source IP may send in one burst. */
export const RATE_LIMIT_BURST = 500
/** Tokens a source IP seen for the first time (or again after being forgotten) starts with; its /24 or /64 starts with 4× this. */
export const RATE_LIMIT_INITIAL = 20
/** Inbound queries all the addresses of one /24 (IPv4) or /64 (IPv6) may send together per second, sustained. */
export const RATE_LIMIT_PREFIX_RATE = 1000
/** Inbound queries one /24 or /64 may send together in one burst. */
export const RATE_LIMIT_PREFIX_BURST = 2000
/** Inbound queries per second from everyone together: the global ceiling. */
export const RATE_LIMIT_GLOBAL_RATE = 5000
/** Burst of the global ceiling. */
export const RATE_LIMIT_GLOBAL_BURST = 10_000
/** Source IPs (and, apart, prefixes) tracked at once (least recently seen ones are forgotten, and start small again). */
export const RATE_LIMIT_MAX_SOURCES = 10_000
/** A limited source is answered 201 at most once per this interval; its other refused queries are dropped unanswered. */
export const RATE_LIMIT_NOTICE_INTERVAL = 1 * second
/** Inbound packets smaller than this get no error reply (a reply cannot be useful within 3× of so few bytes). */
export const MIN_ANSWERED_BYTES = 20

// ── socket and actor ────────────────────────────────────────────────────────────────────────

/**
 * Cancelled queries remembered until their timeout, so that a late reply still counts as a sighting
 * (a lookup that ended does not wait for a slow node, but its answer proves it); those past their
 * timeout are forgotten as new ones come, the oldest beyond this many.
 */
export const ABANDONED_MAX = 256

/** How long the transport waits for the actor answering an inbound query. */
export const ANSWER_TIMEOUT = 2 * second
/**
 * A routing.view older than this is not used to answer find_node (routing publishes one at least
 * every 5 s: three missed heartbeats mean it is gone or restarting, and routing is asked again).
 */
export const VIEW_MAX_AGE = 15 * second
/** transport.seen is published at most once per this interval per contact. */
export const SEEN_INTERVAL = 1 * second
/** Contacts remembered by the transport.seen throttle. */
export const SEEN_MAX_CONTACTS = 10_000
/** Contacts whose version and answered methods are remembered (speaks.ts). */
export const SPEAKS_MAX_CONTACTS = 10_000
/** Kernel receive / send buffer sizes asked for (bytes); the kernel may clamp them. */
export const SOCKET_BUFFER_SIZE = 4 * 1024 * 1024
/**
 * A query's timeout firing more than this late means the event loop was stalled: it is re-armed
 * once for this long, so a reply waiting in the socket is read before the query is given up.
 */
export const STALL_SLACK = 25 * millisecond
/** Bytes of a transaction id chosen by this node. */
export const TID_LENGTH = 4
/**
 * Addresses remembered as proven (they answered a query of ours), and unproven ones whose bytes in and out are counted;
 * the oldest are forgotten.
 */
export const PROVEN_MAX_ADDRESSES = 20_000
export const CREDIT_MAX_ADDRESSES = 10_000

// ── reachability (reachability.ts, reach-helper.ts) ─────────────────────────────────────────

/** Contacts asked to probe us in one reachability check. */
export const REACH_HELPERS = 3
/** Helpers that saw us at our advertised address and answered, with no probe arriving, before we decide we cannot be reached. */
export const REACH_MIN_ANSWERS = 2
/** From asking the helpers to deciding: how long their answers and probes are waited for. */
export const REACH_PROBE_WAIT = 3 * second
/** The first reachability check, after the transport started (a young node has few contacts: it is retried). */
export const REACH_FIRST_DELAY = 3 * second
/**
 * The next check after one that decided nothing (too few contacts, helpers silent or refusing, our address not
 * settled); doubled for each such check in a row…
 */
export const REACH_RETRY = 5 * second
/** …up to this. */
export const REACH_MAX_RETRY = 1 * minute
/** The next check after one that decided: a NAT mapping can change, and a node that becomes reachable leaves read-only mode. */
export const REACH_RECHECK = 5 * minute
/** Probes a helper sends to one requesting IP: a burst of this many… */
export const PROBE_PER_IP_BURST = 3
/** …then one more each this many ms. */
export const PROBE_PER_IP_EVERY = 20 * second
/** Probes a helper sends to everyone together: a burst of this many… */
export const PROBE_GLOBAL_BURST = 20
/** …then this many per second. */
export const PROBE_GLOBAL_RATE = 5
/** Requesting IPs whose probe budget is remembered (the least recently seen are forgotten). */
export const PROBE_MAX_SOURCES = 4096
/** How often the transport ends a reachability check whose time is up and starts one that is due. */
export const REACH_TICK = 1 * second
/** Addresses remembered as read-only (BEP 43 `ro` in their last query; read-only-peers.ts). */
export const READ_ONLY_MAX_PEERS = 10_000
