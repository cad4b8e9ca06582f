/** The part of bittorrent-dht (untyped) that the interop test uses. */
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events'

  interface DhtNode { id: Uint8Array, host: string, port: number }
  interface KrpcReply { r?: Record<string, unknown>, e?: unknown }

  export default class DHT extends EventEmitter {
    constructor (opts?: { bootstrap?: boolean | string[], host?: string | false, nodeId?: Uint8Array })
    readonly nodeId: Uint8Array
    readonly nodes: { toArray (): DhtNode[], get (id: Uint8Array): DhtNode | null, count (): number }
    listen (port: number, host: string, cb?: () => void): void
    address (): { address: string, family: string, port: number }
    addNode (node: { host: string, port: number, id?: Uint8Array }): void
    destroy (cb?: () => void): void
    readonly _rpc: {
      query (peer: { host: string, port: number }, msg: { q: string, a?: Record<string, unknown> }, cb: (err: Error | null, res: KrpcReply) => void): void
    }
  }
}
