import { second, minute } from '@peerconnect/protocol'

/** Contacts per bucket (Kademlia k). */
export const K = 20

/** Contacts in a find_node answer (BEP 5: the 8 closest good nodes); the protocol's, which the transport's answers use too. */
export { FIND_NODE_COUNT } from '@peerconnect/protocol'

/** A contact is "good" (fit for find_node answers) when seen within this window and not failed. */
export const GOOD_WINDOW = 15 * minute

/** A bucket untouched for this long gets a lookup of a random id in its range. */
export const REFRESH_AFTER = 15 * minute

/**
 * The first lookup of our own id after the start (a wide one: k = K); each next one comes twice as
 * long after the last, up to SELF_LOOKUP_EVERY. Our K closest are the ones a lookup for our id (or
 * near it) ends at: a node that joined near us after our own join, or whose ping back was lost,
 * would otherwise stay out of our table until a bucket refresh, 15 minutes on.
 */
export const SELF_LOOKUP_FIRST = 1 * minute
/** The longest gap between two lookups of our own id. */
export const SELF_LOOKUP_EVERY = 15 * minute

/** How often the buckets are checked for staleness. */
export const REFRESH_CHECK_INTERVAL = 1 * minute

/** How often a changed table is saved to `<dataDir>/routing.json`. */
export const SAVE_INTERVAL = 3 * minute

/** Time from a change to the `actor.snapshot` that includes it (at most one snapshot per this time). */
export const SNAPSHOT_DELAY = 5 * second

/** Bound on one liveness check asked for a full bucket's oldest contact (UDP ping + TCP connect). */
export const CHECK_ASK_TIMEOUT = 15 * second

/** Saved contacts re-pinged at once on start. */
export const REPING_CONCURRENCY = 16

/** Most contacts written to / read from the routing file. */
export const MAX_SAVED_CONTACTS = 2000

/** Bytes of a find_node reply besides the node lists (dict keys, id, tid, version). */
export const FIND_NODE_REPLY_OVERHEAD = 80

/** The routing file's name inside the data dir, and its format version. */
export const ROUTING_FILE = 'routing.json'
export const ROUTING_FILE_VERSION = 1

/** Bound on a refresh lookup (it streams progress until its result). */
export const LOOKUP_TIMEOUT = 60 * second

/**
 * Queries in a row that time out (transport.failed: only queries the contact is known to answer)
 * before a contact is bad (stops being good); a sighting resets the count. BEP 5: one lost packet
 * is not a dead node. 2, measured with `pnpm bench:lookup --nodes 200 --delay 25 --churn 0.2
 * --fail-after N` (tooling/bench/README.md): 1 and 2 within a run's noise on a quiet machine.
 */
export const FAIL_AFTER_TIMEOUTS = 2

/**
 * A change to what find_node answers may name (a contact added, removed, failed or good again)
 * sends a new view (routing.view) at once; while such changes keep coming, one goes out at most
 * this often, with the last one. Refreshed sightings of known contacts do not count: only the
 * heartbeat carries them (they matter after 15 minutes).
 */
export const VIEW_INTERVAL = 20
/** The view goes out at least this often, changed or not: the transport drops a view that stops coming. */
export const VIEW_HEARTBEAT = 5 * second

/**
 * A node that queries us is pinged back (once per this window per address); its answer within the
 * window admits it (as inbound: it holds at most half of a bucket and never pushes out a contact
 * we found ourselves).
 */
export const PING_BACK_WINDOW = 60 * second
/** Pings back in flight at once; queriers beyond that wait for their next query. */
export const PING_BACK_CONCURRENCY = 32
/** Addresses remembered as pinged back. */
export const PING_BACK_MAX = 4096
