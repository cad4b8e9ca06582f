import type { RateLimitOptions } from './rate-limit.js'
import type { RttOptions } from './rtt.js'
import type { ReachabilityOptions } from './reachability.js'

/**
 * Configuration of the transport actor (plain data: it is sent to a worker as is). A simulated
 * network is not configuration: it comes in through the actor's deps —
 * `supervisor.start(transport(init), { host: 'inline', network })` gives it `deps.network` — and
 * with one the TCP liveness listener is off.
 */
export interface TransportInit {
  /** Our node id (20 bytes), sent in every query and reply. */
  readonly id: Uint8Array
  /** IP address to bind (IPv6 makes a udp6 socket). */
  readonly host: string
  /** UDP port to bind; 0 picks a free one. The TCP liveness listener takes the same number. */
  readonly port: number
  /** Per-source-IP limit on inbound queries (loopback exempt by default), or false for none. */
  readonly rateLimit?: RateLimitOptions | false
  /** Adaptive timeout settings (floor, ceiling, initial, …). */
  readonly rtt?: RttOptions
  /** ms to wait for the actor answering an inbound query before sending 202. Default ANSWER_TIMEOUT (2 s). */
  readonly answerTimeout?: number
  /**
   * Host to advertise (transport.info `advertised`) when bound to a wildcard (0.0.0.0 / ::). Default: the first
   * non-internal interface address.
   */
  readonly advertise?: string
  /** ms a routing.view is used to answer find_node after it arrived. Default VIEW_MAX_AGE (15 s). */
  readonly viewMaxAge?: number
  /** transport.seen at most once per this many ms per contact. Default SEEN_INTERVAL (1 s). */
  readonly seenInterval?: number
  /**
   * ms after which a contact not heard from is forgotten by the transport's books: what it speaks,
   * the seen throttles, its RTT, its rate-limit buckets, its credit (idle.ts). Default CONTACT_IDLE (10 min).
   */
  readonly contactIdle?: number
  /** Listen on TCP at the same port for liveness checks. Default true. */
  readonly tcp?: boolean
  /**
   * Reachability checks (reachability.ts): ask a few contacts to probe us, and run read-only
   * (BEP 43) while they find we cannot be reached. Default on with the REACH_* constants; false:
   * never checked, never read-only.
   */
  readonly reachability?: ReachabilityOptions | false
  /** Kernel socket buffer sizes to ask for (bytes). Default SOCKET_BUFFER_SIZE (4 MiB). */
  readonly bufferSize?: number
}
