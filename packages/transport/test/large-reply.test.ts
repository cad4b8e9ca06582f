/**
 * Replies over MAX_PACKET (1,500 bytes): BEP 5 sets no size for a reply, and bittorrent-dht answers
 * find_node with its whole routing table (26 bytes per contact), so a node holding 56 or more
 * contacts sends more than 1,500 bytes. Such a reply to a pending query is read (up to
 * MAX_REPLY_PACKET), and so is a late one to a query we cancelled; any other packet over
 * MAX_PACKET is still dropped unread. On runtime's simulated network and rxjs's virtual time:
 * nothing waits on real time.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { VirtualTimeScheduler } from 'rxjs'
import { bencode, decodeKrpc, encodeNodes, encodeQuery, MAX_PACKET, parseReply, randomId } from '@peerconnect/protocol'
import type { KrpcMessage, NodeInfo } from '@peerconnect/protocol'
import { createSimNetwork, seededRandom } from '@peerconnect/runtime'
import type { SimNetwork, SimSocket } from '@peerconnect/runtime'
import { createKrpcSocket } from '../src/socket.js'
import type { InboundQuery, KrpcSocket, KrpcSocketOptions, QueryResult } from '../src/socket.js'

interface World {
  scheduler: VirtualTimeScheduler
  net: SimNetwork
  /** Our KRPC socket at 10.0.0.1:6881. */
  ours: KrpcSocket
  /** Queries our socket's handler got. */
  handled: InboundQuery[]
  /** A plain datagram socket at 10.0.0.2:6881 standing for a BEP 5 node: what it received, decoded. */
  peer: SimSocket
  got: Array<KrpcMessage | undefined>
}

async function world (opts: Pick<KrpcSocketOptions, 'onSeen'> = {}): Promise<World> {
  const scheduler = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler, latency: () => 5 })
  const handled: InboundQuery[] = []
  const ours = createKrpcSocket({ id: randomId(), host: '10.0.0.1', port: 6881, scheduler, random: seededRandom(7),
    createSocket: type => net.createSocket(type), onQuery: q => handled.push(q), ...opts })
  const bound = ours.bind()
  scheduler.flush()
  await bound
  const peer = net.createSocket('udp4')
  const got: World['got'] = []
  peer.on('message', buf => {
    const res = decodeKrpc(buf, { reply: true })
    got.push(res.ok ? res.msg : undefined)
  })
  await new Promise<void>(resolve => {
    peer.bind({ address: '10.0.0.2', port: 6881 }, () => resolve())
    scheduler.flush()
  })
  return { scheduler, net, ours, handled, peer, got }
}

/** Runs the virtual clock `ms` on (a ms at a time), letting promise jobs run between steps. */
async function advance (w: World, ms = 50): Promise<void> {
  const end = w.scheduler.frame + ms
  while (w.scheduler.frame < end) {
    w.scheduler.maxFrames = w.scheduler.frame + 1
    w.scheduler.flush()
    w.scheduler.frame = w.scheduler.maxFrames
    await new Promise(resolve => setImmediate(resolve))
  }
}

const send = (w: World, buf: Uint8Array): void => w.peer.send(buf, 6881, '10.0.0.1')

/** `n` contacts on distinct addresses, as a BEP 5 node's table would hold them. */
function contacts (n: number): NodeInfo[] {
  return Array.from({ length: n }, (_, i) => ({ id: randomId(), host: `10.1.${i >> 7}.${(i & 127) + 1}`, port: 6881 }))
}

const large = suite('socket - replies over MAX_PACKET')

large('socket - a BEP 5 node\'s find_node reply naming its whole table of 60 (over 1,500 bytes) answers the query', async () => {
  const w = await world()
  try {
    let outcome: { err: Error | null, res?: QueryResult } | undefined
    w.ours.request({ host: '10.0.0.2', port: 6881 }, { q: 'find_node', a: { target: randomId() }, timeout: 2000 }, (err, res) => {
      outcome = { err, res }
    })
    await advance(w)
    const q = w.got[0]
    assert.ok(q?.y === 'q' && q.q === 'find_node', 'the query reached the BEP 5 node')
    const table = contacts(60)
    // bittorrent-dht's shape: {t, y: 'r', r: {id, nodes}} and no v, every contact it holds.
    const reply = bencode({ t: q.t, y: 'r', r: { id: randomId(), nodes: encodeNodes(table) } })
    assert.ok(reply.length > MAX_PACKET, `the reply is ${reply.length} bytes`)
    send(w, reply)
    await advance(w)
    assert.ok(outcome !== undefined, 'the query ended')
    assert.is(outcome.err, null, `no error: ${String(outcome.err)}`)
    const parsed = parseReply('find_node', outcome.res!.r)
    assert.ok(parsed.ok)
    assert.is(parsed.ok && parsed.reply.nodes.length, 60, 'all 60 contacts are read')
    assert.is(w.ours.stats().droppedMalformed, 0)
    assert.is(w.ours.stats().timeouts, 0)
  } finally {
    await w.ours.close()
  }
})

large('socket - a late reply over 1,500 bytes to a query we cancelled is still a sighting', async () => {
  const seen: string[] = []
  const w = await world({ onSeen: (_id, host, port, rtt) => seen.push(`${host}:${port} ${String(rtt !== undefined)}`) })
  try {
    let called = 0
    const cancel = w.ours.request({ host: '10.0.0.2', port: 6881 }, { q: 'find_node', a: { target: randomId() }, timeout: 2000 },
      () => called++)
    await advance(w)
    const q = w.got[0]
    assert.ok(q?.y === 'q')
    cancel()
    send(w, bencode({ t: q.t, y: 'r', r: { id: randomId(), nodes: encodeNodes(contacts(60)) } }))
    await advance(w)
    assert.is(called, 0, 'nobody is called back')
    assert.is(w.ours.stats().lateReplies, 1)
    assert.is(w.ours.stats().droppedMalformed, 0)
    assert.equal(seen, ['10.0.0.2:6881 true'], 'the node is seen, as having answered')
  } finally {
    await w.ours.close()
  }
})

large('socket - a packet over 1,500 bytes from an address we await nothing from is dropped unread', async () => {
  const w = await world()
  try {
    const big = bencode({ t: new Uint8Array([1, 2]), y: 'r', r: { id: randomId(), nodes: encodeNodes(contacts(60)) } })
    send(w, big)
    await advance(w)
    assert.is(w.ours.stats().droppedMalformed, 1)
    assert.is(w.ours.stats().droppedUnknownTid, 0, 'not even its tid was read')
    assert.is(w.got.length, 0, 'nothing was sent back')
  } finally {
    await w.ours.close()
  }
})

large('socket - a query over 1,500 bytes is dropped unread, even from an address we await a reply from', async () => {
  const w = await world()
  try {
    let ended = false
    w.ours.request({ host: '10.0.0.2', port: 6881 }, { q: 'ping', a: {}, timeout: 2000 }, () => {
      ended = true
    })
    await advance(w)
    assert.is(w.got.length, 1, 'our ping went out')
    const q = encodeQuery(new Uint8Array([9, 9]), 'find_node', { id: randomId(), target: randomId(), pad: new Uint8Array(MAX_PACKET) })
    assert.ok(q.length > MAX_PACKET)
    send(w, q)
    await advance(w)
    assert.is(w.handled.length, 0, 'the handler never saw it')
    assert.is(w.ours.stats().queriesIn, 0)
    assert.is(w.ours.stats().droppedMalformed, 1)
    assert.is(w.got.length, 1, 'nothing was sent back')
    assert.not.ok(ended, 'the ping is still pending')
  } finally {
    await w.ours.close()
  }
})

large.run()
