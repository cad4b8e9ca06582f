/** The records held survive a restart of the actor through its snapshot. */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { recordToWire } from '@peerconnect/protocol'
import type { Address, Identity, ListsStatsReply, Message, NodeId, PeerRecord, TransportResponse } from '@peerconnect/protocol'
import { createFakeNet, T0 } from '../fake-net.js'
import type { FakeNet, FakeNode } from '../fake-net.js'
import { heldState, identitiesIn, recordOf } from '../fixtures.js'

const LIST = 4
const TTL = 3000
let port = 45_000

async function stats (node: FakeNode): Promise<ListsStatsReply> {
  return await node.request({ type: 'lists.stats' }) as ListsStatsReply
}

/** Each identity announces its own record to `to`. */
async function feed (net: FakeNet, to: FakeNode, identities: readonly Identity[]): Promise<void> {
  for (const identity of identities) {
    const address = { host: '127.0.0.1', port: port++ }
    const s: { id: NodeId, address: Address } = { id: identity.id, address }
    const record: PeerRecord = recordOf(identity, { host: address.host, port: address.port })
    const tok = await net.send(s, to.address, 'pc_list', { list: LIST }) as TransportResponse
    await net.send(s, to.address, 'pc_announce', { list: LIST, record: recordToWire(record), token: tok.r.token })
  }
}

function lastSnapshot (node: FakeNode): unknown {
  const snaps = node.out.filter(m => m.type === 'actor.snapshot')
  return (snaps[snaps.length - 1] as (Message & { state: unknown }) | undefined)?.state
}

const restart = suite('snapshot - restart')

restart('snapshot - a restarted actor holds what it held, at once, and serves it', async () => {
  const net = createFakeNet()
  const node = net.add({ init: { announce: false, recordTtl: TTL } })
  await feed(net, node, identitiesIn(LIST, 10))
  assert.is((await stats(node)).records, 10)
  await net.advance(1000)
  const snap = lastSnapshot(node)
  assert.ok(snap !== undefined, 'a change of the records held is snapshotted within a second')
  net.kill(node)
  const again = net.add({ identity: node.identity, port: node.address.port, snapshot: snap, init: { announce: false, recordTtl: TTL } })
  assert.is((await stats(again)).records, 10, 'held before any peer announced again')
  const asker = { id: identitiesIn(LIST, 1)[0]!.id, address: { host: '127.0.0.1', port: port++ } }
  const first = await net.send(asker, again.address, 'pc_list', { list: LIST }) as TransportResponse
  const page = await net.send(asker, again.address, 'pc_list', { list: LIST, token: first.r.token }) as TransportResponse
  assert.ok((page.r.records as unknown[]).length > 0, 'pc_list answers from the restored records')
  net.stopAll()
})

restart('snapshot - restored records keep their age: they expire when they would have', async () => {
  const net = createFakeNet()
  const node = net.add({ init: { announce: false, recordTtl: TTL } })
  await feed(net, node, identitiesIn(LIST, 3))
  await net.advance(2000)
  const snap = lastSnapshot(node)
  net.kill(node)
  const again = net.add({ identity: node.identity, port: node.address.port, snapshot: snap, init: { announce: false, recordTtl: TTL } })
  assert.is((await stats(again)).records, 3)
  await net.advance(1100)
  assert.is((await stats(again)).records, 0, 'gone 3 s after their last announce, restart or not')
  net.stopAll()
})

restart('snapshot - expired, malformed, foreign-list and future entries are not restored; a bad snapshot is ignored', async () => {
  const net = createFakeNet()
  const ids = identitiesIn(LIST, 4)
  const good = recordOf(ids[0]!)
  const state = heldState(LIST, [good], T0 - 100) as { held: Array<{ list: number, records: unknown[], seen: number[] }> }
  state.held.push({ list: LIST, records: [recordToWire(recordOf(ids[1]!))], seen: [T0 - TTL - 1] })
  state.held.push({ list: LIST, records: [{ nope: 1 }, recordToWire(recordOf(ids[2]!))], seen: [T0, T0 + 10_000] })
  state.held.push({ list: LIST + 1, records: [recordToWire(recordOf(ids[3]!))], seen: [T0] })
  const node = net.add({ snapshot: state, init: { announce: false, recordTtl: TTL } })
  assert.is((await stats(node)).records, 1)
  for (const bad of [null, 7, { held: 'x' }, { held: [null, { list: 'a' }] }]) {
    const n = net.add({ snapshot: bad, init: { announce: false } })
    assert.is((await stats(n)).records, 0)
  }
  net.stopAll()
})

restart('snapshot - a record that only came by handoff stays evictable after a restart', async () => {
  const net = createFakeNet()
  const ids = identitiesIn(LIST, 3)
  const state = heldState(LIST, ids.map(p => recordOf(p)), T0) as { held: Array<{ handed?: number[] }> }
  state.held[0]!.handed = [1]
  const node = net.add({ snapshot: state, init: { announce: false, recordTtl: TTL, maxPerList: 3 } })
  await feed(net, node, identitiesIn(LIST, 1))
  const s = await stats(node)
  assert.is(s.records, 3)
  assert.is(s.rejected.ERR_LIST_FULL, undefined, 'the handed-over one made room for the announce')
  net.stopAll()
})

restart('snapshot - our sequence and name are in it with the records held', async () => {
  const net = createFakeNet()
  const node = net.add({ init: { name: 'ada', recordTtl: TTL } })
  await feed(net, node, identitiesIn(LIST, 2))
  await net.advance(1000)
  const snap = lastSnapshot(node) as { seq: number, name: string, held: Array<{ records: unknown[] }> }
  assert.is(snap.name, 'ada')
  assert.ok(snap.seq >= Math.floor(T0 / 1000))
  assert.ok(snap.held.reduce((n, h) => n + h.records.length, 0) >= 2, 'the two fed (and our own, if we hold it)')
  net.stopAll()
})

restart.run()
