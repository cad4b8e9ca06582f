import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import DHT from 'bittorrent-dht'
import { of } from 'rxjs'
import { closest, decodeNodes, encodeNodes, idsEqual, isTransportResponse, isTransportSeen, parseReply, randomId,
  randomIdWithPrefix } from '@peerconnect/protocol'
import type { Message, NodeId, NodeInfo, RpcRequest } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { transport } from '../src/index.js'
import { fakeDeps, runInProcess } from './fixtures/deps.js'
import type { AskHandler } from './fixtures/deps.js'

const T = 10_000

/** A bittorrent-dht node on 127.0.0.1 that bootstraps from nobody. */
async function dhtNode (): Promise<{ dht: DHT, address: { host: string, port: number } }> {
  const dht = new DHT({ bootstrap: false, host: '127.0.0.1' })
  dht.on('error', () => {})
  dht.on('warning', () => {})
  await new Promise<void>(resolve => dht.listen(0, '127.0.0.1', () => resolve()))
  return { dht, address: { host: '127.0.0.1', port: dht.address().port } }
}

/** Our transport, its rpc.find_node answered by a fake routing table of `table` nodes. */
async function ourNode (table: NodeInfo[]) {
  const handlers: Record<string, AskHandler> = {
    'rpc.ping': m => of({ type: 'rpc.reply', re: m.cid ?? -1, end: true, r: {} } as Message),
    'rpc.find_node': m =>
      of(
        { type: 'rpc.reply', re: m.cid ?? -1, end: true,
          r: { nodes: encodeNodes(closest(table, (m as RpcRequest).args.target as NodeId, 8, n => n.id)) } } as Message
      )
  }
  const id = randomId()
  const node = runInProcess(transport({ id, host: '127.0.0.1', port: 0 }), fakeDeps(handlers))
  const info = await node.request({ type: 'transport.info' }) as Message & { udp: { host: string, port: number } }
  return { ...node, id, udp: info.udp }
}

function query (dht: DHT, to: { host: string, port: number }, q: string,
  a: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => dht._rpc.query(to, { q, a }, (err, res) => err ? reject(err) : resolve(res.r ?? {})))
}

const destroy = (dht: DHT): Promise<void> => new Promise(resolve => dht.destroy(() => resolve()))

const interop = suite('transport - bittorrent-dht interop')

interop('bittorrent-dht - a BEP 5 node pings us and adds us to its table', withTimeout(T, async () => {
  const us = await ourNode([])
  const { dht } = await dhtNode()
  try {
    const r = await query(dht, us.udp, 'ping')
    assert.ok(idsEqual(r.id as Uint8Array, us.id))
    dht.addNode(us.udp)
    await waitFor(() => dht.nodes.get(Buffer.from(us.id)) !== null, { what: 'bittorrent-dht to add us' })
    await waitFor(() => us.out.filter(isTransportSeen).some(s => idsEqual(s.id, dht.nodeId)), { what: 'transport.seen for the dht node' })
  } finally {
    us.stop()
    await destroy(dht)
  }
}))

interop('bittorrent-dht - a BEP 5 node finds nodes through us', withTimeout(T, async () => {
  const other = await dhtNode()
  const table: NodeInfo[] = [{ id: other.dht.nodeId, ...other.address },
    ...Array.from({ length: 20 }, (_, i) => ({ id: randomId(), host: `10.0.0.${i + 1}`, port: 6881 }))]
  const us = await ourNode(table)
  const { dht } = await dhtNode()
  try {
    const target = randomId()
    const r = await query(dht, us.udp, 'find_node', { target })
    const nodes = decodeNodes(r.nodes)
    assert.ok(nodes !== undefined)
    assert.is(nodes.length, 8)
    assert.equal(nodes.map(n => Buffer.from(n.id).toString('hex')),
      closest(table, target, 8, n => n.id).map(n => Buffer.from(n.id).toString('hex')))
    const near = await query(dht, us.udp, 'find_node', { target: other.dht.nodeId })
    const first = decodeNodes(near.nodes)![0]!
    assert.ok(idsEqual(first.id, other.dht.nodeId), 'the closest node to its own id is itself')
    const pong = await query(dht, { host: first.host, port: first.port }, 'ping')
    assert.ok(idsEqual(pong.id as Uint8Array, other.dht.nodeId), 'a node learned through us answers')
  } finally {
    us.stop()
    await destroy(dht)
    await destroy(other.dht)
  }
}))

interop('bittorrent-dht - an unknown method from a BEP 5 node gets 204', withTimeout(T, async () => {
  const us = await ourNode([])
  const { dht } = await dhtNode()
  try {
    const err = await query(dht, us.udp, 'get_peers', { info_hash: randomId() }).then(() => undefined, (e: unknown) => e as Error)
    assert.ok(err !== undefined)
    assert.match(String(err.message), /204/)
  } finally {
    us.stop()
    await destroy(dht)
  }
}))

interop('bittorrent-dht - it serves as a routing contact for us: ping and find_node', withTimeout(T, async () => {
  const us = await ourNode([])
  const { dht, address } = await dhtNode()
  const peer = await dhtNode()
  try {
    dht.addNode({ id: peer.dht.nodeId, ...peer.address })
    const pong = await us.request({ type: 'transport.query', to: address, q: 'ping', a: {} } as Message)
    assert.ok(isTransportResponse(pong), JSON.stringify(pong))
    assert.ok(idsEqual(pong.id, dht.nodeId))
    const found = await us.request({ type: 'transport.query', to: address, q: 'find_node', a: { target: peer.dht.nodeId } } as Message)
    assert.ok(isTransportResponse(found))
    const parsed = parseReply('find_node', found.r)
    assert.ok(parsed.ok)
    assert.ok(parsed.ok && parsed.reply.nodes.some(n => idsEqual(n.id, peer.dht.nodeId) && n.port === peer.address.port))
  } finally {
    us.stop()
    await destroy(dht)
    await destroy(peer.dht)
  }
}))

interop('bittorrent-dht - its find_node answer naming all 60 contacts it holds (over 1,500 bytes) reaches us', withTimeout(T, async () => {
  const us = await ourNode([])
  const { dht, address } = await dhtNode()
  try {
    // bittorrent-dht answers find_node with its whole table: 20 contacts in each of its three farthest buckets.
    const own = new Uint8Array(dht.nodeId)
    const held: NodeId[] = []
    for (let bits = 0; bits < 3; bits++) {
      for (let i = 0; i < 20; i++) {
        const id = randomIdWithPrefix(own, bits)
        held.push(id)
        dht.addNode({ id, host: `10.0.${bits}.${i + 1}`, port: 6881 })
      }
    }
    assert.is(dht.nodes.count(), 60)
    const ask = { type: 'transport.query', to: address, q: 'find_node', a: { target: randomId() }, timeout: 3000 } as Message
    const found = await us.request(ask)
    assert.ok(isTransportResponse(found), JSON.stringify(found))
    assert.ok(found.bytes > 60 * 26, `60 contacts are 1,560 bytes of nodes alone (query and reply: ${found.bytes} bytes)`)
    const parsed = parseReply('find_node', found.r)
    assert.ok(parsed.ok, 'the reply parses')
    // It may name us too: our query puts us in its table when our id falls in a bucket of its with room (3 runs in 12).
    const named = parsed.reply.nodes.filter(n => !idsEqual(n.id, us.id))
    assert.is(named.length, 60, 'the 60 contacts it holds, and no others but us')
    assert.ok(held.every(id => named.some(n => idsEqual(n.id, id))), 'all 60 contacts it holds are read')
  } finally {
    us.stop()
    await destroy(dht)
  }
}))

interop.run()
