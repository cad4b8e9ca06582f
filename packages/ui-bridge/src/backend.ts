/**
 * What the server needs from the node. The ui-bridge actor implements it with asks to the other
 * actors; tests implement it with a hand-rolled object literal.
 */
import type { HitSource, SearchVia } from '@peerconnect/protocol'

/** A peer as the API shows it. `id` is 40 lowercase hex characters, `address` is `ip:port`. */
export interface Peer {
  id: string
  name: string
  address: string
  status: 'online' | 'offline'
  /** ms since the epoch. */
  lastSeen: number
  /**
   * 'bep5': a node that speaks BEP 5 only (no record, so no name; the page labels it "BEP 5 node"). Absent: a
   * PeerConnect node, or not known.
   */
  kind?: 'bep5'
  /**
   * The fingerprint of the peer's signing key, from its verified record (`keyFingerprint`):
   * names are chosen by their owners and can repeat, the key cannot. Absent until a record is known.
   */
  key?: string
  /**
   * Why `name` is empty: `pending` while its record is being asked for, `none` when the peer has
   * no record to give (a plain BEP 5 node, or one whose record failed verification). Absent when
   * the name is known.
   */
  nameState?: 'pending' | 'none'
  /** A dual-stack peer's signed address of the other family (`[v6]:port` when `address` is IPv4, and the other way round). */
  alsoAt?: string
  /**
   * Its signed record says it runs in read-only mode (BEP 43): it found it cannot be reached from
   * outside (behind a NAT), so it is in no routing table; it is found through the directory. The
   * page labels it "behind NAT".
   */
  behindNat?: true
}

/** What the page shows when a peer is opened: its signed record and how this node sees it. */
export interface PeerDetails {
  peer: Peer
  /** Its verified signed record; null when none is known (a BEP 5 node, or it did not answer). */
  record: { key: string, fingerprint: string, seq: number, address: string, alsoAt?: string, behindNat?: true } | null
  /** The list that holds its record: the list id XOR-closest to its id. */
  list: { index: number, id: string }
  /** Whether it is in this node's routing table now. */
  inTable: boolean
  /** ms: the last measured round trip; null when not measured. */
  rtt: number | null
  /** ms since the epoch of the last liveness check; null when never checked. */
  lastChecked: number | null
}

/** One line of a lookup by id as it runs, then the last one (`closest`: the ids of the closest nodes that answered, nearest first). */
export type LookupStep =
  | { queried: number, responded: number, closest: number }
  | { done: true, peer: Peer | null, closest: string[], queries: number, ms: number }

/** The search routes and hit sources are the protocol's (re-exported as part of this API). */
export type { SearchVia, HitSource } from '@peerconnect/protocol'

export interface ActorStatus {
  name: string
  host: 'worker' | 'inline'
  threadId: number
  restarts: number
}

export interface NodeStatus {
  id: string
  name: string
  /** The UDP address, `ip:port`. */
  udp: string
  /** The API URL. */
  api: string
  /** ms since the node started. */
  uptime: number
  /** Contacts in the routing table. */
  peers: number
  actors: ActorStatus[]
  lists: { held: number, records: number }
  /** Contacts per routing-table bucket, bucket i holding ids that share i leading bits with ours. */
  buckets: number[]
  /** This node found it cannot be reached from outside (behind a NAT) and runs in read-only mode (BEP 43). Absent otherwise. */
  behindNat?: true
}

export type PeerEventType = 'peer.added' | 'peer.removed' | 'peer.status'
export interface PeerEvent {
  type: PeerEventType
  peer: Peer
}

export interface SearchOptions {
  via: SearchVia
  timeoutMs: number
  /** Aborts when the client goes away, the server closes, or the time bound has passed. */
  signal: AbortSignal
}

/** A metric value: a number, or numbers by label value (exposed with the label `key`). */
export type MetricValue = number | Record<string, number>

export interface UiBackend {
  status(): Promise<NodeStatus>
  /** The routing table's peers now. */
  livePeers(): Promise<Peer[]>
  /** One directory page. Throws an error with code `ERR_BAD_CURSOR` for a cursor it cannot read. */
  peers(
    page: { cursor?: string, limit: number }
  ): Promise<{ peers: Peer[], next: string | null, holders?: Array<{ list: number, answered: number }> }>
  /** Lookup by id (40 lowercase hex). */
  peer(id: string): Promise<Peer | null>
  /** The details of a peer this node knows (table, directory, names), or null. Asks for its record if needed. */
  details(id: string): Promise<PeerDetails | null>
  /** An iterative lookup of `id`, its progress as it runs and the peer (or null) last. */
  lookup(id: string, signal: AbortSignal): AsyncIterable<LookupStep>
  /**
   * Hits as they arrive, de-duplicated, each tagged with its source; ends at the time bound. It may
   * also yield `{holders}` (how many list holders answered), which the done line carries.
   */
  search(q: string, opts: SearchOptions): AsyncIterable<{ peer: Peer, via: HitSource } | { holders: number }>
  /** Calls `listener` for every change of the live peer list; returns the unsubscribe function. */
  events(listener: (e: PeerEvent) => void): () => void
  /** Counters and gauges for /metrics; names ending in `_total` are counters. */
  metrics(): Promise<Record<string, MetricValue>>
}
