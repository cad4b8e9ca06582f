import type { IpLimitsMode } from '@peerconnect/protocol'

/** Configuration of the crawler actor (plain data: it is sent to a worker as is). */
export interface CrawlerInit {
  /** Our node id (20 bytes): never queried; bootstrap looks it up and refreshes around it. */
  readonly id: Uint8Array
  /** Closest responsive nodes that must answer before a lookup ends. Default K (8). */
  readonly k?: number
  /** Queries in flight per lookup. Default ALPHA (3). */
  readonly alpha?: number
  /** Closest responsive contacts in a result. Default KEEP (20). */
  readonly keep?: number
  /** Seeds asked from routing.closest. Default SEED_COUNT (16). */
  readonly seedCount?: number
  /** `timeout` put on each transport.query (ms); default none: the transport's adaptive timeout. */
  readonly queryTimeout?: number
  /**
   * Times a lookup asks a candidate again after its query timed out or was presumed lost, while it ranks among the k
   * closest. Default RETRIES (1).
   */
  readonly retries?: number
  /** Upper bound on one lookup (ms); it then ends with what it has. Default LOOKUP_TIMEOUT (60 s). */
  readonly lookupTimeout?: number
  /** ms a lookup's timer may fire late before it counts as an event-loop stall (deadlines then move back). Default STALL_SLACK (25 ms). */
  readonly stallSlack?: number
  /** Own-id lookups run again during a bootstrap while none of their find_node queries is answered. Default BOOTSTRAP_RETRIES (2). */
  readonly bootstrapRetries?: number
  /** Lookups at once during a bootstrap's bucket refresh. Default REFRESH_CONCURRENCY (2). */
  readonly refreshConcurrency?: number
  /**
   * A lookup ranks and returns at most `bucket` (2) nodes of one IPv4 /24 (IPv6 /64); `mode` 'default' exempts loopback
   * and private ranges, 'strict' does not, 'off' has no limit. The routing table's `ipLimits`.
   */
  readonly ipLimits?: { readonly mode?: IpLimitsMode, readonly bucket?: number, readonly table?: number }
}
