/**
 * BEP 5's get_peers / announce_peer against real `bittorrent-dht` nodes (v11): two of them
 * bootstrap only through our swarm and keep our nodes in their tables; one announces an info-hash
 * (get_peers for the tokens, then announce_peer to the closest nodes it found) and the other finds
 * the peer with `lookup`, the values coming from our nodes.
 */
import dgram from 'node:dgram'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compareDistance, decodeKrpc, encodeQuery, idToHex, parseReply } from '@peerconnect/protocol'
import type { Address, NodeId, TransportResponse } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createSwarm } from '../src/index.js'
import type { PeerNode, Swarm } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { destroyDhts, dhtReady, startDht } from './fixtures/dht.js'
import type { DhtNode } from './fixtures/dht.js'
import { idFrom, prng } from './fixtures/ids.js'
import { contactOf, query } from './fixtures/node.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 60_000
const random = prng(0x9e)

const net = { swarm: undefined as Swarm | undefined, a: undefined as DhtNode | undefined, b: undefined as DhtNode | undefined }
const ours = (): PeerNode[] => net.swarm!.nodes
const ourHexes = (): Set<string> => new Set(ours().map(n => idToHex(n.id)))

const gp = suite('interop - bittorrent-dht announces and finds peers through our nodes')

gp.before(hook(T, async () => {
  net.swarm = await createSwarm(12, { host: LOOPBACK })
  // Each bootstraps from a different node of ours, and from nothing else.
  net.a = await startDht([`${ours()[0]!.udp.host}:${ours()[0]!.udp.port}`])
  net.b = await startDht([`${ours()[6]!.udp.host}:${ours()[6]!.udp.port}`])
  await Promise.all([dhtReady(net.a), dhtReady(net.b)])
}))
gp.after(hook(T, async () => {
  await destroyDhts([net.a, net.b].filter(d => d !== undefined))
  await net.swarm?.stop()
}))

gp('get_peers - bittorrent-dht nodes bootstrap through our nodes only; their tables hold ours, ours hold them', withTimeout(T, async () => {
  for (const dht of [net.a!, net.b!]) {
    const table = tableOf(dht)
    const mine = table.filter(h => ourHexes().has(h))
    assert.ok(mine.length >= 8, `its table holds ${mine.length} of our nodes`)
    const seed = dht === net.a ? ours()[0]! : ours()[6]!
    await waitFor(async () => await contactOf(seed, dht.id), { timeout: 10_000, what: 'our seed to hold the bittorrent-dht node' })
  }
}))

gp(
  'get_peers - an announce by one bittorrent-dht node is stored by our nodes closest to the info-hash, and the other one\'s lookup ' +
    'finds it from our nodes',
  withTimeout(T, async () => {
    const infoHash = idFrom(random)
    await announce(net.a!, infoHash, 40001)
    // The announce went to the closest nodes A found: our nodes closest to the info-hash hold the peer.
    const closest = [...ours()].sort((x, y) => compareDistance(x.id, y.id, infoHash)).slice(0, 4)
    const held = await Promise.all(closest.map(async n => await valuesAt(ours()[11]!, n.udp, infoHash)))
    assert.ok(held.filter(v => v.some(p => p.port === 40001 && p.host === LOOPBACK)).length >= 3,
      `the closest of ours hold it: ${JSON.stringify(held)}`)
    const found = await lookupPeers(net.b!, infoHash)
    assert.ok(found.some(f => fromUs(f) && f.peer.port === 40001 && f.peer.host === LOOPBACK),
      `B found A's peer from our nodes: ${JSON.stringify(found)}`)
  })
)

gp('get_peers - implied_port: an announce without a port stores the announcer\'s own port', withTimeout(T, async () => {
  const infoHash = idFrom(random)
  await announce(net.b!, infoHash, 0)
  const found = await lookupPeers(net.a!, infoHash)
  assert.ok(found.some(f => fromUs(f) && f.peer.host === LOOPBACK && f.peer.port === net.b!.address.port),
    `A found B at its DHT port, from our nodes: ${JSON.stringify(found)}`)
}))

gp('get_peers - after the announces and lookups, both still hold our nodes', withTimeout(T, async () => {
  for (const dht of [net.a!, net.b!]) {
    const mine = tableOf(dht).filter(h => ourHexes().has(h))
    assert.ok(mine.length >= 8, `its table holds ${mine.length} of our nodes`)
  }
}))

gp(
  'get_peers - on the wire: 40 peers announced from 10 IPs (4 each, the per-IP bound), a plain get_peers reply carries as many as ' +
    'fit in 3x its query, newest first',
  withTimeout(T, async () => {
    const us = ours()[3]!
    const infoHash = idFrom(random)
    const hosts = Array.from({ length: 10 }, (_, i) => LOOPBACK.replace(/\.\d+$/, `.${(Number(LOOPBACK.split('.')[3]) + 1 + i) % 254 + 1}`))
    let port = 20000
    for (const host of hosts) {
      const sock = await udpAt(host)
      try {
        for (let i = 0; i < 5; i++) {
          const token = (await sock.ask(us.udp, 'get_peers', { info_hash: infoHash })).r.token as Uint8Array
          const r = await sock.ask(us.udp, 'announce_peer', { info_hash: infoHash, port: ++port, token })
          assert.ok(r.y === 'r', `announce ${host} ${port}: ${JSON.stringify(r)}`)
        }
      } finally {
        await sock.close()
      }
    }
    const sock = await udpAt(LOOPBACK)
    try {
      const reply = await sock.ask(us.udp, 'get_peers', { info_hash: infoHash })
      assert.ok(reply.bytes <= 3 * reply.queryBytes, `${reply.bytes} bytes > 3 x ${reply.queryBytes}`)
      const parsed = parseReply('get_peers', reply.r)
      assert.ok(parsed.ok)
      const values = parsed.ok ? parsed.reply.values ?? [] : []
      assert.ok(values.length >= 15, `${values.length} peers in the reply`)
      assert.is(values[0]!.port, port, 'the newest first')
      assert.ok(values.every(v => hosts.includes(v.host)), 'at the announcers\' IPs')
      const perHost = new Map<string, number>()
      for (const v of values) perHost.set(v.host, (perHost.get(v.host) ?? 0) + 1)
      assert.ok([...perHost.values()].every(n => n <= 4), 'at most 4 per IP: a fifth announce displaced that IP\'s oldest')
    } finally {
      await sock.close()
    }
  })
)

gp.run()

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Answer {
  y: string
  r: Record<string, unknown>
  bytes: number
  queryBytes: number
}

/** A bare KRPC client on `host` (any 127/8 address): one query at a time, its answer with the sizes on the wire. */
async function udpAt (
  host: string
): Promise<{ ask: (to: Address, q: string, a: Record<string, unknown>) => Promise<Answer>, close: () => Promise<void> }> {
  const sock = dgram.createSocket('udp4')
  sock.on('error', () => {})
  await new Promise<void>(resolve => sock.bind(0, host, () => resolve()))
  const id = idFrom(random)
  let seq = 0
  return {
    async ask (to, q, a) {
      const t = new Uint8Array([0x70, seq++ & 0xff])
      const query = encodeQuery(t, q, { ...a, id })
      for (let attempt = 0;; attempt++) {
        const got = await new Promise<Answer | undefined>(resolve => {
          const timer = setTimeout(() => {
            sock.off('message', on)
            resolve(undefined)
          }, 2000)
          const on = (buf: Buffer): void => {
            const res = decodeKrpc(buf)
            if (!res.ok || Buffer.compare(Buffer.from(res.msg.t), Buffer.from(t)) !== 0) return
            clearTimeout(timer)
            sock.off('message', on)
            resolve({ y: res.msg.y, r: res.msg.y === 'r' ? res.msg.r : {}, bytes: buf.length, queryBytes: query.length })
          }
          sock.on('message', on)
          sock.send(query, to.port, to.host)
        })
        if (got !== undefined) return got
        if (attempt >= 2) throw new Error(`no answer to ${q} from ${to.host}:${to.port}`)
      }
    },
    close: async () => await new Promise<void>(resolve => sock.close(() => resolve()))
  }
}

/** The peer came in a reply from one of our nodes (not from a bittorrent-dht node, nor from the finder's own store). */
function fromUs (f: { from: Address | null }): boolean {
  return f.from !== null && ours().some(n => n.udp.port === f.from!.port && n.udp.host === f.from!.host)
}

function tableOf (dht: DhtNode): string[] {
  return dht.dht.nodes.toArray().map(n => idToHex(new Uint8Array(n.id)))
}

async function announce (dht: DhtNode, infoHash: NodeId, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    dht.dht.announce(Buffer.from(infoHash), port, (err?: Error | null) => {
      if (err !== null && err !== undefined) reject(err)
      else resolve()
    })
  )
}

/** A bittorrent-dht lookup of `infoHash`: every peer it reported, with the node that reported it (null: its own store). */
async function lookupPeers (dht: DhtNode, infoHash: NodeId): Promise<Array<{ peer: Address, from: Address | null }>> {
  const found: Array<{ peer: Address, from: Address | null }> = []
  const onPeer = (peer: { host: string, port: number }, ih: Buffer,
    from: { host?: string, address?: string, port: number } | null): void => {
    if (Buffer.from(infoHash).equals(ih)) {
      found.push({ peer: { host: peer.host, port: peer.port },
        from: from === null ? null : { host: from.host ?? from.address ?? '', port: from.port } })
    }
  }
  dht.dht.on('peer', onPeer)
  try {
    await new Promise<void>((resolve, reject) =>
      dht.dht.lookup(Buffer.from(infoHash), (err?: Error | null) => {
        if (err !== null && err !== undefined) reject(err)
        else resolve()
      })
    )
  } finally {
    dht.dht.off('peer', onPeer)
  }
  return found
}

/** The peers `to` holds for `infoHash`, asked with a get_peers from `from` (tried again after a timeout: a loaded machine). */
async function valuesAt (from: PeerNode, to: Address, infoHash: NodeId): Promise<Address[]> {
  const ask = async (): Promise<TransportResponse> => await query(from, to, 'get_peers', { info_hash: infoHash })
  const res = await ask().catch(ask).catch(ask)
  const parsed = parseReply('get_peers', res.r)
  if (!parsed.ok) throw new Error(`bad get_peers reply: ${parsed.reason}`)
  return parsed.reply.values ?? []
}
