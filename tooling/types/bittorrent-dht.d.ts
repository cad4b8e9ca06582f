/**
 * The part of bittorrent-dht (untyped) that the interop tests (transport, apps/node) and the network benchmarks use.
 * One copy, included by their tsconfigs.
 */
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events'

  interface DhtNode {
    id: Uint8Array
    host: string
    port: number
  }
  interface KrpcMessage {
    t?: Uint8Array
    y?: Uint8Array
    r?: Record<string, unknown>
    e?: unknown
  }
  interface Peer {
    host?: string
    address?: string
    port: number
    id?: Uint8Array
  }

  export default class DHT extends EventEmitter {
    constructor (
      opts?: { bootstrap?: boolean | string[], host?: string | false, nodeId?: Uint8Array, concurrency?: number, timeout?: number }
    )
    readonly nodeId: Uint8Array
    readonly ready: boolean
    readonly nodes: { toArray(): DhtNode[], get(id: Uint8Array): DhtNode | null, count(): number }
    listen (port: number, host: string, cb?: () => void): void
    address (): { address: string, family: string, port: number }
    addNode (node: { host: string, port: number, id?: Uint8Array }): void
    destroy (cb?: () => void): void
    /** BEP 5: get_peers towards `infoHash` for tokens, then announce_peer to the closest (`port` 0: implied_port). */
    announce (infoHash: Uint8Array, port: number, cb?: (err?: Error | null) => void): void
    /**
     * get_peers towards `infoHash`; each peer found is emitted as `peer` (peer, infoHash, from: the node that sent it,
     * or null for its own store).
     */
    lookup (infoHash: Uint8Array, cb?: (err?: Error | null, replies?: number) => void): void
    readonly _rpc: {
      readonly id: Uint8Array
      query(peer: { host: string, port: number }, msg: { q: string, a?: Record<string, unknown> },
        cb: (err: Error | null, res: KrpcMessage) => void): void
      /** An iterative walk towards `target`: `visit` sees every reply; `cb` gets the number of replies. */
      closest(target: Uint8Array, msg: { q: string, a: Record<string, unknown> },
        visit: ((res: KrpcMessage, peer: Peer) => boolean | undefined) | null, cb: (err: Error | null, replies: number) => void): void
    }
  }
}
