/**
 * What the server needs from the node. The ui-bridge actor implements it with asks to the other
 * actors; tests implement it with a hand-rolled object literal.
 */

/** A peer as the API shows it. `id` is 40 lowercase hex characters, `address` is `ip:port`. */
export interface Peer {
  id: string
  name: string
  address: string
  status: 'online' | 'offline'
  /** ms since the epoch. */
  lastSeen: number
  /** 'bep5': a node that speaks BEP 5 only (no record, so no name; the page labels it "BEP 5 node"). Absent: a PeerConnect node, or not known. */
  kind?: 'bep5'
}

export type SearchVia = 'hybrid' | 'lists' | 'gossip'
export type HitSource = 'local' | 'lists' | 'gossip'

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
}

export type PeerEventType = 'peer.added' | 'peer.removed' | 'peer.status'
export interface PeerEvent { type: PeerEventType, peer: Peer }

export interface SearchOptions {
  via: SearchVia
  timeoutMs: number
  /** Aborts when the client goes away, the server closes, or the time bound has passed. */
  signal: AbortSignal
}

/** A metric value: a number, or numbers by label value (exposed with the label `key`). */
export type MetricValue = number | Record<string, number>

export interface UiBackend {
  status (): Promise<NodeStatus>
  /** The routing table's peers now. */
  livePeers (): Promise<Peer[]>
  /** One directory page. Throws an error with code `ERR_BAD_CURSOR` for a cursor it cannot read. */
  peers (page: { cursor?: string, limit: number }): Promise<{ peers: Peer[], next: string | null }>
  /** Lookup by id (40 lowercase hex). */
  peer (id: string): Promise<Peer | null>
  /** Hits as they arrive, de-duplicated, each tagged with its source; ends at the time bound. */
  search (q: string, opts: SearchOptions): AsyncIterable<{ peer: Peer, via: HitSource }>
  /** Calls `listener` for every change of the live peer list; returns the unsubscribe function. */
  events (listener: (e: PeerEvent) => void): () => void
  /** Counters and gauges for /metrics; names ending in `_total` are counters. */
  metrics (): Promise<Record<string, MetricValue>>
}
