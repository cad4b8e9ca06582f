/**
 * The three find_node responders `bench:throughput` loads, each on 127.0.0.1 with a table of
 * `contacts` contacts spread over the buckets (20 per shared-prefix length, as a real table):
 * - ours: a node from `createNode` in worker mode (transport on the main thread, routing,
 *   crawler and liveness in workers), its table filled through `transport.seen`;
 * - bittorrent-dht: a node whose table is filled with `addNode`;
 * - bare: a dgram socket that decodes each query with the `bencode` package and answers with 8
 *   compact nodes — the most a single-threaded JavaScript responder can do.
 */
import dgram from 'node:dgram'
import { firstValueFrom } from 'rxjs'
import bencode from 'bencode'
import DHT from 'bittorrent-dht'
import { encodeNodes, generateIdentity, isRoutingContactsReply, randomId, randomIdWithPrefix } from '@peerconnect/protocol'
import type { NodeId, NodeInfo, TransportSeen } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { createNode } from '@peerconnect/node'

export interface Responder {
  readonly name: string
  readonly host: string
  readonly port: number
  /** Contacts in its table. */
  readonly contacts: number
  close(): Promise<void>
}

/** Contacts per bucket, as in a full Kademlia table. */
const PER_BUCKET = 20

export async function ourResponder (contacts: number): Promise<Responder> {
  const node = await createNode({ name: 'bench', identity: generateIdentity(), host: '127.0.0.1', port: 0, inline: false,
    log: silentLogger })
  try {
    for (const c of tableFor(node.id, contacts)) {
      const seen: TransportSeen = { type: 'transport.seen', id: c.id, host: c.host, port: c.port }
      node.supervisor.publish(seen)
    }
    const res = await firstValueFrom(node.supervisor.ask({ type: 'routing.contacts' }))
    const held = isRoutingContactsReply(res) ? res.contacts.length : 0
    return { name: 'ours', host: node.udp.host, port: node.udp.port, contacts: held, close: async () => await node.stop() }
  } catch (err) {
    await node.stop()
    throw err
  }
}

export async function dhtResponder (contacts: number): Promise<Responder> {
  const dht = new DHT({ bootstrap: false, host: '127.0.0.1' })
  dht.on('error', () => {})
  dht.on('warning', () => {})
  await new Promise<void>(resolve => dht.listen(0, '127.0.0.1', () => resolve()))
  for (const c of tableFor(new Uint8Array(dht.nodeId), contacts)) dht.addNode({ id: Buffer.from(c.id), host: c.host, port: c.port })
  return {
    name: 'bittorrent-dht',
    host: '127.0.0.1',
    port: dht.address().port,
    contacts: dht.nodes.count(),
    close: async () => await new Promise<void>(resolve => dht.destroy(() => resolve()))
  }
}

export async function bareResponder (contacts: number): Promise<Responder> {
  const id = randomId()
  const table = tableFor(id, contacts)
  const nodes = encodeNodes(table.slice(0, 8))
  const sock = dgram.createSocket('udp4')
  sock.on('message', (buf, rinfo) => {
    let q: { t?: unknown, y?: unknown } | undefined
    try {
      q = bencode.decode(buf) as typeof q
    } catch {
      return
    }
    if (q === undefined || !(q.t instanceof Uint8Array)) return
    sock.send(bencode.encode({ t: q.t, y: 'r', r: { id, nodes } }), rinfo.port, rinfo.address)
  })
  await new Promise<void>(resolve => sock.bind(0, '127.0.0.1', () => resolve()))
  try {
    sock.setRecvBufferSize(4 * 1024 * 1024)
  } catch { /* the kernel may refuse */ }
  return {
    name: 'bare',
    host: '127.0.0.1',
    port: sock.address().port,
    contacts: table.length,
    close: async () => await new Promise<void>(resolve => sock.close(() => resolve()))
  }
}

/** `n` contacts for a node with id `self`: 20 per shared-prefix length 0, 1, 2, … (unreachable ports; never contacted). */
export function tableFor (self: NodeId, n: number): NodeInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomIdWithPrefix(self, Math.floor(i / PER_BUCKET)),
    host: '127.0.0.1',
    port: 20_000 + i
  }))
}
