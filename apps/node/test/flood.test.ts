/**
 * A live node in a small swarm takes tens of thousands of malformed and mutated datagrams from a
 * raw socket, in bounded bursts (a ping barrier after each burst, so the sender never outruns
 * the node). Afterwards its routing table is what it was, it still answers ping and find_node
 * from its peers, and no actor crashed or restarted.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { generateIdentity, idsEqual } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { createNode, createSwarm } from '../src/index.js'
import type { PeerNode, Swarm } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { hexes, idFrom, prng, trueClosest } from './fixtures/ids.js'
import { contactKeys, contactsOf, findNodeAgainstTable, findNodeVia, lookupExpecting, query, transportStats } from './fixtures/node.js'
import { PACKET_KINDS, hostilePackets } from './fixtures/packets.js'
import type { PacketKind } from './fixtures/packets.js'
import { rawSocket } from './fixtures/udp.js'
import type { RawSocket } from './fixtures/udp.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 90_000
const BURST = 200

const state = { swarm: undefined as Swarm | undefined, raw: undefined as RawSocket | undefined }
const swarm = (): Swarm => state.swarm!
const raw = (): RawSocket => state.raw!

const flood = suite('flood - a live node under hostile traffic')

flood.before(hook(T, async () => {
  state.swarm = await createSwarm(8, { host: LOOPBACK })
  state.raw = await rawSocket()
}))
flood.after(hook(T, async () => {
  await release()
}))

flood('flood - 30 000 hostile packets leave the routing table as it was and every actor running', withTimeout(T, async () => {
  const target = swarm().nodes[2]!
  const before = await contactsOf(target)
  assert.ok(before.contacts.length >= 7, 'the target knows the swarm')
  const stats0 = await transportStats(target)
  const counts = await send(target, 30_000, 0xf100d)
  assert.ok(PACKET_KINDS.every(k => counts[k] > 1000), `every kind of abuse was sent: ${JSON.stringify(counts)}`)

  const after = await contactsOf(target)
  assert.equal(contactKeys(after.contacts), contactKeys(before.contacts), 'same contacts at the same addresses')
  assert.equal(after.buckets, before.buckets)
  for (const s of target.supervisor.stats()) {
    assert.is(s.state, 'running', `${s.name} is running`)
    assert.is(s.restarts, 0, `${s.name} never restarted`)
  }
  const stats = await transportStats(target)
  const received = stats.received! - stats0.received!
  assert.ok(received >= 15_000, `the packets reached the node (${received} received)`)
  assert.ok(stats.droppedMalformed! - stats0.droppedMalformed! > 1000, 'garbage is dropped and counted')
  assert.ok(stats.errorsSent! - stats0.errorsSent! > 1000, 'malformed queries with a readable tid get KRPC errors')
  assert.is(stats.replyEncodeErrors, 0)
}))

flood('flood - afterwards the node answers ping and find_node from another node', withTimeout(T, async () => {
  const target = swarm().nodes[2]!
  const other = swarm().nodes[5]!
  const pong = await query(other, target.udp, 'ping')
  assert.ok(idsEqual(pong.id, target.id))
  const contacts = new Set(hexes((await contactsOf(target)).contacts))
  for (let i = 0; i < 3; i++) {
    const t = idFrom(prng(i))
    const { nodes, table } = await findNodeAgainstTable(other, target, t)
    assert.ok(nodes.length >= 1 && nodes.length <= Math.min(8, contacts.size - 1), 'some of what it knows, less the querier, up to 8')
    assert.equal(hexes(nodes), hexes(table), 'what its table answers')
    assert.ok(hexes(nodes).every(h => contacts.has(h) && h !== hexes([other])[0]), 'its contacts, less the querier')
  }
}))

flood('flood - afterwards lookups across the swarm still find the true closest nodes', withTimeout(T, async () => {
  const ids = swarm().nodes.map(n => n.id)
  const from = swarm().nodes[6]!
  for (let i = 0; i < 5; i++) {
    const t = idFrom(prng(100 + i))
    const truth = trueClosest(ids, t, 7, from.id)
    const res = await lookupExpecting(from, t, truth)
    assert.equal(hexes(res.closest.slice(0, 7)), hexes(truth))
  }
}))

flood.run()

// ── the same on a node whose routing, crawler and liveness run in worker threads ─────────────

const workers = { node: undefined as PeerNode | undefined }

const threaded = suite('flood - a node with actors in workers')

threaded.before(hook(T, async () => {
  state.swarm = await createSwarm(4, { host: LOOPBACK })
  state.raw = await rawSocket()
  workers.node = await createNode({ name: 'threaded', host: LOOPBACK, identity: generateIdentity(), log: silentLogger })
  await workers.node.bootstrap([swarm().nodes[0]!.udp])
}))
threaded.after(hook(T, async () => {
  await workers.node?.stop()
  await release()
}))

threaded('flood - 10 000 hostile packets do not disturb a node whose actors run in workers', withTimeout(T, async () => {
  const target = workers.node!
  assert.ok(target.supervisor.stats().some(s => s.host === 'worker'), 'actors in workers')
  const before = await contactsOf(target)
  await send(target, 10_000, 0xbeef)
  const after = await contactsOf(target)
  assert.equal(contactKeys(after.contacts), contactKeys(before.contacts))
  assert.ok(target.supervisor.stats().every(s => s.restarts === 0 && s.state === 'running'))
  const pong = await query(swarm().nodes[1]!, target.udp, 'ping')
  assert.ok(idsEqual(pong.id, target.id))
  const nodes = await findNodeVia(swarm().nodes[1]!, target.udp, target.id)
  assert.ok(nodes.length >= 1, 'find_node still answered from the routing worker')
}))

threaded.run()

async function release (): Promise<void> {
  await state.raw?.close()
  await state.swarm?.stop()
  state.raw = undefined
  state.swarm = undefined
}

/** Sends `n` hostile packets to `target` in bursts of BURST, each followed by a ping barrier. */
async function send (target: PeerNode, n: number, seed: number): Promise<Record<PacketKind, number>> {
  const source = hostilePackets(target.id, prng(seed))
  const counts = Object.fromEntries(PACKET_KINDS.map(k => [k, 0])) as Record<PacketKind, number>
  for (let sent = 0; sent < n; sent += BURST) {
    const burst = Array.from({ length: Math.min(BURST, n - sent) }, () => source.next())
    await Promise.all(burst.map(async p => {
      counts[p.kind]++
      await raw().send(p.bytes, target.udp)
    }))
    await raw().barrier(target.udp, target.id)
  }
  return counts
}
