import { second, minute } from '@peerconnect/protocol'

/** Peers each forward of a rumor goes to (distinct, never the sender or the origin). */
export const FANOUT = 3

/** A rumor id stays in the seen-cache this long after its first local receipt… */
export const SEEN_TTL = 1 * minute
/** …and the cache never holds more than this many ids (the oldest go first). */
export const SEEN_MAX = 10_000

/** Below this many hops (and YOUNG_AGE of local waiting) a rumor is young: it is always forwarded. */
export const YOUNG_HOPS = 16
/** A rumor is never forwarded at or beyond this many hops. */
export const MAX_HOPS = 32
/** Local age (ms since this node first received the rumor) up to which it is young… */
export const YOUNG_AGE = 2 * second
/** …and at which it is no longer forwarded at all. */
export const MAX_AGE = 6 * second
/** The forwarding probability just after youth; it then decays linearly to 0 (never below this while young). */
export const MIN_YOUNG_PROBABILITY = 0.6

/** How long a search lasts unless the request says otherwise. */
export const SEARCH_TIMEOUT = 3 * second
/** `timeout` of each pc_gossip query sent. */
export const FORWARD_TIMEOUT = 2 * second
/** Extra time an ask to the transport waits beyond the query's own timeout (the transport answers first). */
export const ASK_MARGIN = 1 * second
/** Other peers of the same part of the id space tried after a forward fails. */
export const RETRIES = 2
/** pc_gossip queries in flight at once; more wait in line (and age locally). */
export const MAX_IN_FLIGHT = 64
/** Forwards waiting for a slot; beyond this the oldest is shed (a burst of rumors cannot grow the line). */
export const MAX_QUEUED = 1024

/** Hits (each after a check query) this node sends to one origin IP per HIT_WINDOW, at most… */
export const HITS_PER_ORIGIN = 4
export const HIT_WINDOW = 10 * second
/** …for at most this many origin IPs at once. */
export const ORIGINS_KEPT = 1024

/** Bytes of a rumor id and of a search id. */
export const RUMOR_ID_LENGTH = 8
/** Senders remembered in a rumor's path (never sent it again), and the bytes of id kept for each. */
export const PATH_LENGTH = 8
export const PATH_PREFIX_BYTES = 4

/** Bound on the asks for our own record and address (lists.self, transport.info). */
export const SELF_ASK_TIMEOUT = 2 * second
/** Our address is asked of the transport again after this long: it may learn a better one (BEP 42, behind a NAT). */
export const ADDRESS_TTL = 30 * second
/** routing.contacts is asked at start, and again after this if routing did not answer… */
export const CONTACTS_RETRY = 2 * second
/** …at most this many times in all. */
export const CONTACTS_TRIES = 3

/** Ids are 160 bits: a region depth is 0..160. */
export const ID_BITS = 160
