/**
 * What uvu lacks: a per-test time bound for anything that touches a socket or a worker,
 * and an async assertion that a promise rejects with a given error code (or name).
 */
export { withTimeout, TimeoutError } from './with-timeout.js'
export { rejects } from './rejects.js'
export { waitFor } from './wait-for.js'
export { pickLoopback } from './loopback.js'
