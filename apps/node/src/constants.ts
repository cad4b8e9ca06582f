import { second } from '@peerconnect/protocol'

/** How long `start` waits for the bootstrap before it reports ready anyway. */
export const BOOTSTRAP_TIMEOUT = 15 * second
/** Default UDP host. */
export const DEFAULT_HOST = '127.0.0.1'
/** Default HTTP API address of `start` and `demo`. */
export const DEFAULT_API = '127.0.0.1:7070'
/** Where the client commands (search, peers, lookup, status) find a node's API by default. */
export const DEFAULT_API_URL = 'http://127.0.0.1:7070'
/** The environment variables of the API token and (for the client commands) the API URL. */
export const TOKEN_ENV = 'PEERCONNECT_API_TOKEN'
export const API_ENV = 'PEERCONNECT_API'
/** A second SIGINT/SIGTERM this soon after the first is ignored (the stop goes on); a later one forces exit. */
export const SIGNAL_GRACE = 1 * second
/** How long createNode waits for the transport to bind its socket. */
export const TRANSPORT_START_TIMEOUT = 10 * second
/** How long createNode waits for the API server to listen. */
export const API_START_TIMEOUT = 10 * second

/** A swarm node that met fewer contacts than this while joining bootstraps again (a lone seed may time out under load). */
export const JOIN_MIN_CONTACTS = 2
/**
 * How long a swarm node's join waits for its bootstrap: as long as the crawler lets the bootstrap's
 * own-id lookup run (its LOOKUP_TIMEOUT), not the 15 s after which `start` reports ready anyway. A
 * hundred inline nodes share one thread; on a loaded machine a wide own-id lookup (20 closest) there
 * takes longer than 15 s, and the join failed though the lookup was still going.
 */
export const JOIN_TIMEOUT = 60 * second
/** Bootstrap rounds a swarm node gets to meet JOIN_MIN_CONTACTS. */
export const JOIN_ATTEMPTS = 3
