/**
 * Interop with libtorrent-rasterbar's DHT (the one inside qBittorrent, Deluge and most BitTorrent
 * clients), through Debian's python3-libtorrent (fixtures/libtorrent.ts). libtorrent bootstraps
 * with get_peers, not find_node: its sessions bootstrap from one of our nodes and end with our
 * nodes in their routing tables; an info-hash one session announces is stored by our nodes and
 * found by a fresh session's get_peers whose only way in is our swarm.
 *
 * Without python3-libtorrent this test fails with a message saying so (`.ci/run` installs it).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compareDistance, idToHex, parseReply } from '@peerconnect/protocol'
import type { Address, NodeId, TransportResponse } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createSwarm } from '../src/index.js'
import type { PeerNode, Swarm } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { idFrom, prng } from './fixtures/ids.js'
import { contactsOf, query } from './fixtures/node.js'
import { startLibtorrent } from './fixtures/libtorrent.js'
import type { Libtorrent, LtNode } from './fixtures/libtorrent.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 90_000
const random = prng(0x17)

const net = { swarm: undefined as Swarm | undefined, lt: undefined as Libtorrent | undefined, sessions: [] as LtNode[] }
const ours = (): PeerNode[] => net.swarm!.nodes
const lt = (): Libtorrent => net.lt!

const interop = suite('interop - libtorrent-rasterbar sessions use our swarm')

interop.before(hook(T, async () => {
  net.lt = await startLibtorrent()
  net.swarm = await createSwarm(10, { host: LOOPBACK })
}))
interop.after(hook(T, async () => {
  await net.lt?.close()
  await net.swarm?.stop()
}))

interop('libtorrent - an info-hash a session announces is stored by our nodes and found by a get_peers that only knows our swarm',
  withTimeout(T, async () => {
    // The first sessions of the run: the announcer's announce can only go to our nodes, and the
    // finder, started after it, meets no other session that could hold the peer.
    const ourIds = new Set(ours().map(n => idToHex(n.id)))
    const joined = async (s: LtNode, what: string): Promise<void> => {
      await waitFor(async () => (await lt().table(s)).nodes.filter(n => ourIds.has(n.id)).length >= 5 ? true : undefined, { timeout: 30_000,
        interval: 250, what: `the ${what} to hold 5 of our nodes` })
    }
    const announcer = await lt().start(LOOPBACK, [ours()[0]!.udp])
    await joined(announcer, 'announcer')
    const infoHash = idFrom(random)
    const hex = idToHex(infoHash)
    const port = await lt().announce(announcer, hex)
    const closest = [...ours()].sort((x, y) => compareDistance(x.id, y.id, infoHash)).slice(0, 4)
    const holders = await waitFor(async () => {
      const held = await Promise.all(closest.map(async n => await valuesAt(ours()[9]!, n.udp, infoHash)))
      const count = held.filter(v => v.some(p => p.host === LOOPBACK && p.port === port)).length
      return count >= 3 ? count : undefined
    }, { timeout: 30_000, interval: 500, what: 'the closest of our nodes to hold the libtorrent peer' })
    assert.ok(holders >= 3)
    const finder = await lt().start(LOOPBACK, [ours()[5]!.udp])
    await joined(finder, 'finder')
    const peers = await waitFor(async () => {
      const found = await lt().getPeers(finder, hex, 3)
      return found.some(p => p.host === LOOPBACK && p.port === port) ? found : undefined
    }, { timeout: 30_000, interval: 200, what: 'a fresh libtorrent session to find the announced peer' })
    assert.ok(peers.some(p => p.port === port))
  }))

interop('libtorrent - four more sessions bootstrapped from one of our nodes end with our nodes in their routing tables',
  withTimeout(T, async () => {
    const seed = ours()[0]!
    for (let i = 0; i < 4; i++) net.sessions.push(await lt().start(LOOPBACK, [seed.udp]))
    const ourPorts = new Set(ours().map(n => n.udp.port))
    const ourIds = new Set(ours().map(n => idToHex(n.id)))
    for (const s of net.sessions) {
      const table = await waitFor(async () => {
        const t = await lt().table(s)
        return t.nodes.filter(n => ourIds.has(n.id)).length >= 5 && t.nodes.some(n => n.id === idToHex(seed.id)) ? t : undefined
      }, { timeout: 30_000, interval: 500, what: `libtorrent session ${s.i} to hold our seed and 5 of our nodes` })
      for (const n of table.nodes.filter(n => ourIds.has(n.id))) {
        assert.ok(n.host === LOOPBACK && ourPorts.has(n.port), `our node ${n.id} at its real address`)
      }
    }
    // Their get_peers made them our contacts, as any query does.
    const ltIds = await Promise.all(net.sessions.map(async s => (await lt().table(s)).id))
    await waitFor(async () => {
      const held = new Set((await contactsOf(seed)).contacts.map(c => idToHex(c.id)))
      return ltIds.every(id => held.has(id)) ? true : undefined
    }, { timeout: 15_000, interval: 250, what: 'our seed to hold every libtorrent session' })
  }))

interop.run()

/** The peers `to` holds for `infoHash`, asked with a get_peers from `from` (tried again after a timeout: a loaded machine). */
async function valuesAt (from: PeerNode, to: Address, infoHash: NodeId): Promise<Address[]> {
  const ask = async (): Promise<TransportResponse> => await query(from, to, 'get_peers', { info_hash: infoHash })
  const res = await ask().catch(ask).catch(ask)
  const parsed = parseReply('get_peers', res.r)
  if (!parsed.ok) throw new Error(`bad get_peers reply: ${parsed.reason}`)
  return parsed.reply.values ?? []
}
