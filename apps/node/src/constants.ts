export const second = 1000

/** How long `start` waits for the bootstrap before it reports ready anyway. */
export const BOOTSTRAP_TIMEOUT = 15 * second
/** Default UDP host. */
export const DEFAULT_HOST = '127.0.0.1'
/** Default HTTP API address (the API itself arrives with the ui-bridge actor). */
export const DEFAULT_API = '127.0.0.1:7070'

/** A swarm node that met fewer contacts than this while joining bootstraps again (a lone seed may time out under load). */
export const JOIN_MIN_CONTACTS = 2
/** Bootstrap rounds a swarm node gets to meet JOIN_MIN_CONTACTS. */
export const JOIN_ATTEMPTS = 3
