import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compareDistance, generateIdentity, LIST_IDS, randomId, recordToWire } from '@peerconnect/protocol'
import type { Address, Identity, ListsStatsReply, Message, NodeId, PeerRecord, TransportResponse } from '@peerconnect/protocol'
import { createStore } from '../src/store.js'
import { handoffBatches } from '../src/page.js'
import { shouldHand } from '../src/handoff.js'
import { createFakeNet } from './fake-net.js'
import type { FakeNet, FakeNode } from './fake-net.js'
import { codeOf, identitiesIn, identityIn, recordOf, signedBy } from './fixtures.js'

const LIST = 5
const TARGET = LIST_IDS[LIST]!
const TTL = 3000

/** Identities sorted by distance to list 5's id: [0] is the closest. */
const RANKED: Identity[] = Array.from({ length: 300 }, () => generateIdentity()).sort((a, b) => compareDistance(a.id, b.id, TARGET))
/** Peers of list 5 (their records belong there). */
const PEERS: Identity[] = identitiesIn(LIST, 30)

let port = 40_000
function sender (identity: Identity): { id: NodeId, address: Address, record: PeerRecord } {
  const address = { host: '127.0.0.1', port: port++ }
  return { id: identity.id, address, record: recordOf(identity, { host: address.host, port: address.port, name: `p${port}` }) }
}

async function stats (node: FakeNode): Promise<ListsStatsReply> {
  return await node.request({ type: 'lists.stats' }) as ListsStatsReply
}

/** Has each identity announce its own record to `to`. */
async function feed (net: FakeNet, to: FakeNode, identities: readonly Identity[]): Promise<Array<{ id: NodeId, address: Address, record: PeerRecord }>> {
  const out = []
  for (const identity of identities) {
    const s = sender(identity)
    const tok = await net.send(s, to.address, 'pc_list', { list: LIST }) as TransportResponse
    await net.send(s, to.address, 'pc_announce', { list: LIST, record: recordToWire(s.record), token: tok.r.token })
    out.push(s)
  }
  return out
}

/** A handoff query from a fake holder, as the real one would batch it. */
async function handoff (net: FakeNet, to: FakeNode, records: PeerRecord[], ages?: number[]): Promise<number> {
  const from = sender(generateIdentity())
  const a: Record<string, unknown> = { list: LIST, records: records.map(recordToWire) }
  if (ages !== undefined) a.ages = ages
  const res = await net.send(from, to.address, 'pc_handoff', a) as TransportResponse
  return res.r.stored as number
}

function holderNet (): { net: FakeNet, node: FakeNode } {
  const net = createFakeNet()
  const node = net.add({ init: { announce: false, recordTtl: TTL } })
  return { net, node }
}

// ── receiving ────────────────────────────────────────────────────────────────────────────────

const receive = suite('handoff - pc_handoff received')

receive('handoff - a batch of more than a handful is verified on the compute pool in one run and stored', async () => {
  const { net, node } = holderNet()
  const records = PEERS.slice(0, 6).map(p => recordOf(p))
  assert.is(await handoff(net, node, records), 6)
  assert.is(node.pool.runs, 1)
  assert.is((await stats(node)).records, 6)
  net.stopAll()
})

receive('handoff - a few records are verified in place', async () => {
  const { net, node } = holderNet()
  assert.is(await handoff(net, node, PEERS.slice(0, 3).map(p => recordOf(p))), 3)
  assert.is(node.pool.runs, 0)
  net.stopAll()
})

receive('handoff - every record is checked: forged, foreign-list and stale ones are refused and counted, the rest stored', async () => {
  const { net, node } = holderNet()
  await handoff(net, node, [recordOf(PEERS[0]!, { seq: 5 })])
  const good = PEERS.slice(1, 6).map(p => recordOf(p))
  const { sig: _sig, ...unsigned } = recordOf(PEERS[6]!)
  const forged = signedBy(generateIdentity(), unsigned)
  const foreign = recordOf(identityIn(LIST + 1))
  const stale = recordOf(PEERS[0]!, { seq: 4 })
  assert.is(await handoff(net, node, [...good, forged, foreign, stale]), 5)
  const s = await stats(node)
  assert.is(s.records, 6)
  assert.equal(s.rejected, { ERR_BAD_SIGNATURE: 1, ERR_WRONG_LIST: 1, ERR_STALE_SEQUENCE: 1 })
  net.stopAll()
})

receive('handoff - records keep the age their sender saw; an expired one is refused', async () => {
  const { net, node } = holderNet()
  const stored = await handoff(net, node, [recordOf(PEERS[0]!), recordOf(PEERS[1]!), recordOf(PEERS[2]!)], [0, TTL - 100, TTL])
  assert.is(stored, 2)
  assert.is((await stats(node)).rejected.ERR_RECORD_EXPIRED, 1)
  await net.advance(100)
  assert.is((await stats(node)).records, 1, 'the old one expired 100 ms later')
  net.stopAll()
})

receive('handoff - when the pool fails, records are verified in place and still stored', async () => {
  const { net, node } = holderNet()
  node.pool.failing = true
  assert.is(await handoff(net, node, PEERS.slice(0, 6).map(p => recordOf(p))), 6)
  assert.is(node.pool.runs, 1)
  net.stopAll()
})

receive('handoff - records already held are refreshed without another signature check', async () => {
  const { net, node } = holderNet()
  const records = PEERS.slice(0, 6).map(p => recordOf(p))
  await handoff(net, node, records)
  assert.is(node.pool.runs, 1)
  assert.is(await handoff(net, node, records), 6)
  assert.is(node.pool.runs, 1, 'no second pool run')
  net.stopAll()
})

receive('handoff - ages that do not match the records are a 203 from the guard', async () => {
  const { net, node } = holderNet()
  const err = await handoff(net, node, [recordOf(PEERS[0]!)], [1, 2]).catch((e: unknown) => e)
  assert.is(codeOf(err), 'ERR_RPC_REMOTE')
  assert.match(String((err as Error).message), /^203 ages and records differ/)
  net.stopAll()
})

receive.run()

// ── sending ──────────────────────────────────────────────────────────────────────────────────

const send = suite('handoff - to a new closer contact')

function peerAdded (node: FakeNode): Message {
  return { type: 'routing.peer.added', contact: { id: node.id, host: node.address.host, port: node.address.port, lastSeen: 0 } } as Message
}

function handoffsFrom (net: FakeNet, from: FakeNode, to?: FakeNode): number {
  return net.queries.filter(q => q.q === 'pc_handoff' && q.from === `${from.address.host}:${from.address.port}` && (to === undefined || q.to === `${to.address.host}:${to.address.port}`)).length
}

function sendNet (): { net: FakeNet, holder: FakeNode, second: FakeNode } {
  const net = createFakeNet()
  const holder = net.add({ identity: RANKED[1]!, init: { announce: false } })
  const second = net.add({ identity: RANKED[2]!, init: { announce: false } })
  for (let i = 0; i < 5; i++) net.add({ identity: RANKED[100 + i * 30]!, init: { announce: false } })
  return { net, holder, second }
}

send('handoff - the closest holder moves a list of 30 records to a closer newcomer in a few messages', async () => {
  const { net, holder } = sendNet()
  await feed(net, holder, PEERS)
  assert.is((await stats(holder)).records, 30)
  const newcomer = net.add({ identity: RANKED[0]!, init: { announce: false } })
  holder.publish(peerAdded(newcomer))
  await net.advance(100)
  const messages = handoffsFrom(net, holder, newcomer)
  assert.ok(messages >= 1 && messages <= 7, `${messages} pc_handoff messages for 30 records`)
  assert.is((await stats(newcomer)).records, 30)
  assert.is((await stats(holder)).sent.pc_handoff, messages)
  net.stopAll()
})

send('handoff - a holder that knows a closer holder leaves the handoff to it', async () => {
  const { net, second } = sendNet()
  await feed(net, second, PEERS.slice(0, 5))
  const newcomer = net.add({ identity: RANKED[0]!, init: { announce: false } })
  second.publish(peerAdded(newcomer))
  await net.advance(100)
  assert.is(handoffsFrom(net, second), 0)
  net.stopAll()
})

send('handoff - records in their last third of life stay behind', async () => {
  const { net, holder } = sendNet()
  await feed(net, holder, PEERS.slice(0, 4))
  await net.advance(2100)                                    // TTL 3 s in the fake net: 0.9 s left for these four
  await feed(net, holder, PEERS.slice(4, 6))
  const newcomer = net.add({ identity: RANKED[0]!, init: { announce: false } })
  holder.publish(peerAdded(newcomer))
  await net.advance(10)
  assert.is((await stats(newcomer)).records, 2)
  assert.equal((await stats(newcomer)).rejected, {}, 'nothing arrived expired')
  net.stopAll()
})

send('handoff - the same newcomer reported twice is handed the list once', async () => {
  const { net, holder } = sendNet()
  await feed(net, holder, PEERS.slice(0, 3))
  const newcomer = net.add({ identity: RANKED[0]!, init: { announce: false } })
  holder.publish(peerAdded(newcomer))
  await net.advance(10)
  holder.publish(peerAdded(newcomer))
  await net.advance(10)
  assert.is(handoffsFrom(net, holder, newcomer), 1)
  net.stopAll()
})

send('handoff - nothing held, a far newcomer, our own id or a malformed message: no handoff', async () => {
  const { net, holder } = sendNet()
  const newcomer = net.add({ identity: RANKED[0]!, init: { announce: false } })
  holder.publish(peerAdded(newcomer))
  await net.advance(10)
  assert.is(handoffsFrom(net, holder), 0, 'nothing held')
  await feed(net, holder, PEERS.slice(0, 3))
  const far = net.add({ identity: RANKED[299]!, init: { announce: false } })
  holder.publish(peerAdded(far))
  holder.publish(peerAdded(holder))
  holder.publish({ type: 'routing.peer.added', contact: { id: 'nope' } } as Message)
  await net.advance(10)
  assert.is(handoffsFrom(net, holder), 0)
  assert.is((await stats(holder)).records, 3, 'the actor is still fine')
  net.stopAll()
})

send('handoff - a newcomer known to speak BEP 5 only (pc false) is handed nothing', async () => {
  const { net, holder } = sendNet()
  await feed(net, holder, PEERS)
  const newcomer = net.add({ identity: RANKED[0]!, init: { announce: false } })
  holder.publish({ type: 'routing.peer.added', contact: { id: newcomer.id, host: newcomer.address.host, port: newcomer.address.port, lastSeen: 0, pc: false } } as Message)
  await net.advance(100)
  assert.is(handoffsFrom(net, holder, newcomer), 0)
  holder.publish(peerAdded(newcomer))
  await net.advance(100)
  assert.ok(handoffsFrom(net, holder, newcomer) >= 1, 'the same newcomer, not known to be BEP 5 only, is handed the list')
  net.stopAll()
})

send.run()

const rule = suite('handoff - shouldHand')

rule('handoff - hand when the newcomer is among the r closest and we are closest of those we know', () => {
  const [c, self, a, b, far] = RANKED as [Identity, Identity, Identity, Identity, Identity]
  assert.ok(shouldHand(self.id, c.id, [a.id, b.id], { target: TARGET, r: 8 }))
  assert.ok(shouldHand(self.id, a.id, [b.id], { target: TARGET, r: 8 }), 'the newcomer may be farther than us')
  assert.not.ok(shouldHand(a.id, c.id, [self.id, b.id], { target: TARGET, r: 8 }), 'someone we know is closer than us')
  assert.not.ok(shouldHand(self.id, far.id, [a.id, b.id], { target: TARGET, r: 3 }), 'three are closer than the newcomer')
  assert.ok(shouldHand(self.id, far.id, [a.id, b.id], { target: TARGET, r: 4 }))
  assert.ok(shouldHand(self.id, c.id, [], { target: TARGET, r: 8 }), 'we know nobody else')
})

rule('handoff - batches are what the holder sends: a datagram each', () => {
  const s = createStore({ ttl: 60_000, maxPerList: 100, maxPerIp: 100 })
  for (const p of PEERS) s.put(LIST, recordOf(p), { now: 0 })
  const batches = handoffBatches(s.entries(LIST, 0), { self: randomId(), list: LIST, budget: 1200, now: 0 })
  assert.is(batches.reduce((n, b) => n + b.records.length, 0), 30)
  assert.ok(batches.length <= 7, `${batches.length}`)
})

rule.run()
