/**
 * The shapes of one iterative lookup (lookup.ts): its options, the replies fed to it, its
 * counters, and the state machine's interface.
 */
import type { Contact, IpLimitsMode, NodeId } from '@peerconnect/protocol'

export interface LookupOptions {
  /** Closest responsive nodes that must have answered before the lookup ends. Default K (8). */
  readonly k?: number
  /** Queries in flight at once (slow ones excluded). Default ALPHA (3). */
  readonly alpha?: number
  /** Closest responsive contacts kept for the result. Default KEEP (20). */
  readonly keep?: number
  /** Our own id: never queried, never a candidate. */
  readonly self?: NodeId
  /** ms a query may be in flight before giving up its slot, until RTTs are measured. Default SLOW_INITIAL. */
  readonly slowAfter?: number
  /** ms a query may be in flight before it is presumed lost, until RTTs are measured. Default EXPIRE_INITIAL. */
  readonly expireAfter?: number
  /**
   * Times a candidate whose query timed out or was presumed lost is asked again (while it ranks
   * among the k closest; an answer to any of its queries counts). Default RETRIES (1).
   */
  readonly retries?: number
  /** Candidates remembered. Default MAX_CANDIDATES. */
  readonly maxCandidates?: number
  /** End as soon as the node whose id is the target has answered (crawler.find). */
  readonly stopWhenFound?: boolean
  /**
   * For wide lookups (replies naming about k nodes): once the closest candidate worth asking has
   * answered (the walk has converged), every unqueried one of the `k` closest is asked at once
   * instead of `alpha` at a time, and the end no longer waits for slow queries (past the slow
   * threshold) to expire: their late replies still count while the lookup runs. Default false.
   */
  readonly finalRound?: boolean
  /**
   * At most `perSubnet` candidates of one IPv4 /24 (IPv6 /64) hold a rank among the k asked and
   * counted, and in the result (others are never asked): one machine's ids cannot fill a lookup.
   * Default 2 per subnet, loopback and private ranges exempt (`mode` 'default').
   */
  readonly subnets?: { readonly perSubnet: number, readonly mode: IpLimitsMode }
}

/**
 * What a reply brought: the replying node's real id, the nodes it returned, wire bytes, its RTT if measured elsewhere,
 * and what it speaks (Contact.pc) if known.
 */
export interface LookupReply {
  readonly id: NodeId
  readonly pc?: boolean
  readonly nodes: ReadonlyArray<{ id: NodeId, host: string, port: number }>
  readonly bytes?: number
  readonly rtt?: number
}

export interface LookupStats {
  /** Queries sent. */
  readonly queries: number
  /** Queries answered. */
  readonly responded: number
  /** Queries failed (timeout, error, wrong id). */
  readonly failed: number
  /** Queries in flight holding a slot, and slow ones that gave their slot up. */
  readonly active: number
  readonly slow: number
  /** Queries still unanswered past the expiry: presumed lost (a late answer still counts). */
  readonly expired: number
  /** Candidates whose query timed out or expired, waiting to be asked again (their first query may still answer). */
  readonly retrying: number
  /** Queries that asked a candidate again after its earlier query timed out or was presumed lost (counted in `queries`). */
  readonly retries: number
  /** Wire bytes of all queries and replies reported. */
  readonly bytes: number
  /** Candidates known. */
  readonly candidates: number
}

/**
 * A pure iterative find_node lookup (no I/O, no timers; time is passed in). The caller sends the
 * queries `take(now)` hands out, reports each outcome with `reply` or `fail`, calls `take` again
 * after every event and at `nextDeadline()`, and stops when `done`.
 *
 * Candidates are kept sorted by XOR distance to the target. At most `alpha` queries hold a slot;
 * one in flight longer than the slow threshold (2× the median measured RTT, clamped) gives its
 * slot up AND its rank: the next candidate beyond it becomes worth asking. One in flight longer
 * than the expiry (3× the median, clamped) is presumed lost; its late reply is still used while
 * the lookup runs. A candidate whose query timed out or expired is asked once more (`retries`);
 * after that it is dropped, as failed nodes are. The lookup is done when the `k` closest candidates
 * that are neither failed nor presumed lost (with `finalRound`: nor slow) have all answered.
 */
export interface Lookup {
  readonly target: NodeId
  readonly done: boolean
  /** The contact whose id equals the target, once it has answered. */
  readonly found: Contact | null
  /** Marks slow and expired queries, then fills free slots: the contacts to query now. */
  take(now: number): Contact[]
  /** The contact with `queriedId` answered. True when the k closest responsive set changed. */
  reply(queriedId: NodeId, now: number, r: LookupReply): boolean
  /**
   * The query to `queriedId` failed. `reason: 'timeout'` (no answer at all): the node is asked
   * again while it has a retry left; any other failure drops it.
   */
  fail(queriedId: NodeId, now: number, bytes?: number, reason?: 'timeout'): void
  /**
   * Pushes the deadlines of every query in flight back by `ms`: the event loop was stalled that
   * long, so their replies may be waiting to be read rather than lost.
   */
  postpone(ms: number): void
  /** When (ms) the next in-flight query turns slow or expires, if any. */
  nextDeadline(): number | undefined
  /** The slot-release threshold (ms) in use. */
  slowThreshold(): number
  /** The presumed-lost threshold (ms) in use. */
  expireThreshold(): number
  /** Up to `n` (default `keep`) closest responsive contacts, nearest first. */
  closest(n?: number): Contact[]
  stats(): LookupStats
}
