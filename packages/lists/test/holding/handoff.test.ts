import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { compareDistance, generateIdentity, LIST_IDS, randomId, recordToWire } from '@peerconnect/protocol'
import type { Address, Identity, ListsStatsReply, Message, NodeId, PeerRecord, TransportResponse } from '@peerconnect/protocol'
import { createStore } from '../../src/holding/store.js'
import { handoffBatches } from '../../src/page.js'
import { shouldHand } from '../../src/holding/handoff.js'
import { createFakeNet } from '../fake-net.js'
import type { FakeNet, FakeNode } from '../fake-net.js'
import { codeOf, identitiesIn, identityIn, recordOf, signedBy } from '../fixtures.js'

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
async function feed (net: FakeNet, to: FakeNode,
  identities: readonly Identity[]): Promise<Array<{ id: NodeId, address: Address, record: PeerRecord }>> {
  const out = []
  for (const identity of identities) {
    const s = sender(identity)
    const tok = await net.send(s, to.address, 'pc_list', { list: LIST }) as TransportResponse
    await net.send(s, to.address, 'pc_announce', { list: LIST, record: recordToWire(s.record), token: tok.r.token })
    out.push(s)
  }
  return out
}

/**
 * A handoff query from `from` (a holder, by default the net's closest node after the receiver), with a token from `to`
 * unless `token` is given (null: none).
 */
async function handoff (net: FakeNet, to: FakeNode, records: PeerRecord[], ages?: number[],
  opts: { from?: { id: NodeId, address: Address }, token?: Uint8Array | null } = {}): Promise<number> {
  const from = opts.from ?? holderOf(net, to)
  const a: Record<string, unknown> = { list: LIST, records: records.map(recordToWire) }
  if (ages !== undefined) a.ages = ages
  if (opts.token !== null) {
    a.token = opts.token ?? ((await net.send(from, to.address, 'pc_list', { list: LIST }) as TransportResponse).r.token)
  }
  const res = await net.send(from, to.address, 'pc_handoff', a) as TransportResponse
  return res.r.stored as number
}

/** The remote error text of a refused handoff. */
async function refused (p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  assert.is(codeOf(err), 'ERR_RPC_REMOTE', 'refused')
  return String((err as Error).message)
}

/** The live node nearest the list id other than `not`. */
function holderOf (net: FakeNet, not: FakeNode): FakeNode {
  return net.nodes.filter(n => n.alive && n !== not).sort((a, b) => compareDistance(a.id, b.id, TARGET))[0]!
}

/** A receiver (RANKED[1]) and a holder that hands it the list (RANKED[0]); both hold and read only. */
function holderNet (init: Record<string, unknown> = {}): { net: FakeNet, node: FakeNode, holder: FakeNode } {
  const net = createFakeNet()
  const node = net.add({ identity: RANKED[1]!, init: { announce: false, recordTtl: TTL, ...init } })
  const holder = net.add({ identity: RANKED[0]!, init: { announce: false } })
  return { net, node, holder }
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

receive('handoff - every record is checked: forged, foreign-list, stale and repeated ones are refused and counted, the rest stored',
  async () => {
    const { net, node } = holderNet()
    await handoff(net, node, [recordOf(PEERS[0]!, { seq: 5 })])
    const good = PEERS.slice(1, 5).map(p => recordOf(p))
    const { sig: _sig, ...unsigned } = recordOf(PEERS[6]!)
    const forged = signedBy(generateIdentity(), unsigned)
    const foreign = recordOf(identityIn(LIST + 1))
    const stale = recordOf(PEERS[0]!, { seq: 4 })
    assert.is(await handoff(net, node, [...good, forged, foreign, stale, good[0]!]), 4)
    const s = await stats(node)
    assert.is(s.records, 5)
    assert.equal(s.rejected, { ERR_BAD_SIGNATURE: 1, ERR_WRONG_LIST: 1, ERR_STALE_SEQUENCE: 1, ERR_DUPLICATE: 1 })
    net.stopAll()
  })

receive('handoff - records keep the age their sender saw; an expired one is refused before any check', async () => {
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

receive('handoff - when the pool is full the handoff is a 202 busy: nothing is verified in place', async () => {
  const { net, node } = holderNet()
  node.pool.busy = true
  assert.match(await refused(handoff(net, node, PEERS.slice(0, 6).map(p => recordOf(p)))), /^202 ERR_BUSY/)
  assert.is((await stats(node)).records, 0)
  assert.is((await stats(node)).rejected.ERR_BUSY, 1)
  net.stopAll()
})

receive('handoff - records already held are kept as they are: no signature check, and their life is not extended', async () => {
  const { net, node } = holderNet()
  const records = PEERS.slice(0, 6).map(p => recordOf(p))
  await handoff(net, node, records)
  assert.is(node.pool.runs, 1)
  await net.advance(TTL - 500)
  assert.is(await handoff(net, node, records, records.map(() => 0)), 0, 'nothing new stored')
  assert.is(node.pool.runs, 1, 'no second pool run')
  await net.advance(500)
  assert.is((await stats(node)).records, 0, 'ages [0] did not extend them: they expired a TTL after their first arrival')
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

// ── the holes a probe found, closed ──────────────────────────────────────────────────────────

const holes = suite('handoff - unauthenticated writes')

holes('handoff - 300 records from one socket that holds nothing: none stored, none verified', async () => {
  const { net, node } = holderNet()
  const stranger = sender(generateIdentity())
  const records = identitiesIn(LIST, 50).map(p => recordOf(p))
  for (let i = 0; i < 300; i += 6) {
    const batch = records.slice(i % 50, (i % 50) + 6)
    const text = await refused(handoff(net, node, batch, undefined, { from: stranger, token: i === 0 ? null : undefined }))
    assert.match(text, i === 0 ? /^203 ERR_TOKEN_MISSING/ : /^201 ERR_NOT_HOLDER/)
  }
  const s = await stats(node)
  assert.is(s.records, 0)
  assert.is(node.pool.runs, 0, 'not one signature checked')
  assert.is(s.rejected.ERR_NOT_HOLDER, 49)
  net.stopAll()
})

holes('handoff - a token issued to another address is refused (203 ERR_BAD_TOKEN)', async () => {
  const { net, node, holder } = holderNet()
  const other = sender(generateIdentity())
  const theirs = (await net.send(other, node.address, 'pc_list', { list: LIST }) as TransportResponse).r.token as Uint8Array
  assert.match(await refused(handoff(net, node, [recordOf(PEERS[0]!)], undefined, { from: holder, token: theirs })), /^203 ERR_BAD_TOKEN/)
  net.stopAll()
})

holes('handoff - a sender our routing table does not know near the list id is not a holder (201 ERR_NOT_HOLDER)', async () => {
  const { net, node, holder } = holderNet()
  for (let i = 0; i < 20; i++) net.add({ identity: RANKED[2 + i]!, init: { announce: false } })
  const far = net.add({ identity: RANKED[299]!, init: { announce: false } })
  assert.match(await refused(handoff(net, node, [recordOf(PEERS[0]!)], undefined, { from: far })), /^201 ERR_NOT_HOLDER/)
  net.setView(node, other => other !== holder)
  assert.match(await refused(handoff(net, node, [recordOf(PEERS[0]!)], undefined, { from: holder })), /^201 ERR_NOT_HOLDER/,
    'a holder we do not know')
  net.stopAll()
})

holes('handoff - a node with R or more known nodes closer to the list id refuses the list (201 ERR_NOT_CLOSEST)', async () => {
  const net = createFakeNet()
  for (let i = 0; i < 10; i++) net.add({ identity: RANKED[i]!, init: { announce: false } })
  const node = net.add({ identity: RANKED[20]!, init: { announce: false } })
  assert.match(await refused(handoff(net, node, [recordOf(PEERS[0]!)])), /^201 ERR_NOT_CLOSEST/)
  net.stopAll()
})

holes('handoff - a record that expired here is not brought back by a handoff (ages [0]); its peer\'s own announce is', async () => {
  const { net, node } = holderNet()
  const [peer] = await feed(net, node, PEERS.slice(0, 1))
  await net.advance(TTL + 10)
  assert.is((await stats(node)).records, 0, 'the peer stopped announcing')
  const wire = peer!.record
  assert.is(await handoff(net, node, [wire], [0]), 0)
  assert.is((await stats(node)).rejected.ERR_RECORD_EXPIRED, 1)
  assert.is((await stats(node)).records, 0, 'not revived')
  const tok = await net.send(peer!, node.address, 'pc_list', { list: LIST }) as TransportResponse
  await net.send(peer!, node.address, 'pc_announce', { list: LIST, record: recordToWire(wire), token: tok.r.token })
  assert.is((await stats(node)).records, 1, 'its own announce brings it back')
  net.stopAll()
})

holes('handoff - records handed over by one network count against maxPerHandoff for the sender\'s /24, not their own addresses',
  async () => {
    const net = createFakeNet()
    const node = net.add({ identity: RANKED[1]!, init: { announce: false, maxPerHandoff: 10, recordTtl: TTL } })
    const holder = net.add({ identity: RANKED[0]!, host: '198.51.100.7', init: { announce: false } })
    const records = identitiesIn(LIST, 24).map((p, i) => recordOf(p, { host: `172.16.${i}.1` }))
    let stored = 0
    for (let i = 0; i < 24; i += 6) stored += await handoff(net, node, records.slice(i, i + 6), undefined, { from: holder })
    assert.is(stored, 10)
    assert.is((await stats(node)).rejected.ERR_IP_CAP, 14)
    const neighbour = net.add({ identity: RANKED[2]!, host: '198.51.100.99', init: { announce: false } })
    assert.is(await handoff(net, node, records.slice(10, 12), undefined, { from: neighbour }), 0,
      'another address of the same /24 counts against the same cap')
    net.stopAll()
  })

holes('handoff - one network\'s verification budget: past a list\'s worth at once, a 202 busy until it refills', async () => {
  const { net, node, holder } = holderNet({ handoffVerifyRate: 10 })
  const peers = identitiesIn(LIST, 6)
  let sent = 0
  const wires = (k: number): PeerRecord[] => peers.map(p => recordOf(p, { seq: k }))
  // the burst is 512 records; a holder on loopback is exempt, so use a routable one
  net.kill(holder)
  const routable = net.add({ identity: RANKED[0]!, host: '198.51.1.1', init: { announce: false } })
  let busy = ''
  for (let k = 1; k <= 100 && busy === ''; k++) {
    try {
      await handoff(net, node, wires(k), undefined, { from: routable })
      sent += 6
    } catch (err) {
      busy = String((err as Error).message)
    }
  }
  assert.match(busy, /^202 ERR_BUSY/)
  assert.ok(sent >= 500 && sent <= 540, `${sent} records verified before the budget ran out (512, and what refilled meanwhile)`)
  const runs = node.pool.runs
  assert.match(await refused(handoff(net, node, wires(200), undefined, { from: routable })), /^202 ERR_BUSY/)
  assert.is(node.pool.runs, runs, 'refused before any verification')
  await net.advance(1000)
  assert.is(await handoff(net, node, wires(201), undefined, { from: routable }), 6, '10 a second: one batch a second later')
  net.stopAll()
})

holes('handoff - records only handed over never lock a peer\'s own announce out of a full list', async () => {
  const { net, node } = holderNet({ maxPerList: 6 })
  assert.is(await handoff(net, node, identitiesIn(LIST, 6).map(p => recordOf(p))), 6)
  const [honest] = await feed(net, node, PEERS.slice(0, 1))
  const s = await stats(node)
  assert.is(s.rejected.ERR_LIST_FULL, undefined, 'the announce was taken')
  assert.is(s.records, 6)
  const held = await net.send(honest!, node.address, 'pc_list', { list: LIST }) as TransportResponse
  assert.ok(held.r.token instanceof Uint8Array)
  net.stopAll()
})

holes('handoff - an ask that ends (actor.cancel) drops its verification from the pool\'s queue', async () => {
  const { net, node, holder } = holderNet()
  const signals: AbortSignal[] = []
  node.pool.run = async (_task, _arg, opts) => {
    signals.push(opts!.signal!)
    return await new Promise(() => {})
  } // a pool that never gets to it
  const token = (await net.send(holder, node.address, 'pc_list', { list: LIST }) as TransportResponse).r.token
  node.in$.next(
    { type: 'rpc.pc_handoff', cid: 9001, method: 'pc_handoff', from: holder.address, id: holder.id, queryBytes: 1200,
      args: { id: holder.id, list: LIST, records: PEERS.slice(0, 6).map(p => recordToWire(recordOf(p))), token } } as unknown as Message
  )
  await net.advance(10)
  assert.is(signals.length, 1, 'queued on the pool')
  assert.is(signals[0]!.aborted, false)
  node.in$.next({ type: 'actor.cancel', ask: 9001 } as unknown as Message)
  await net.advance(10)
  assert.is(signals[0]!.aborted, true, 'aborted: the pool drops it if it still waits')
  net.stopAll()
})

holes.run()

// ── sending ──────────────────────────────────────────────────────────────────────────────────

const send = suite('handoff - to a new closer contact')

function peerAdded (node: FakeNode): Message {
  return { type: 'routing.peer.added', contact: { id: node.id, host: node.address.host, port: node.address.port, lastSeen: 0 } } as Message
}

function handoffsFrom (net: FakeNet, from: FakeNode, to?: FakeNode): number {
  return net.queries.filter(q =>
    q.q === 'pc_handoff' && q.from === `${from.address.host}:${from.address.port}` &&
    (to === undefined || q.to === `${to.address.host}:${to.address.port}`)
  ).length
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

send('handoff - a newcomer that does not know us yet refuses (ERR_NOT_HOLDER); we try once more a second later', async () => {
  const { net, holder } = sendNet()
  await feed(net, holder, PEERS.slice(0, 6))
  const newcomer = net.add({ identity: RANKED[0]!, init: { announce: false } })
  net.setView(newcomer, other => other !== holder)
  holder.publish(peerAdded(newcomer))
  await net.advance(100)
  assert.is((await stats(newcomer)).rejected.ERR_NOT_HOLDER, 1)
  assert.is((await stats(newcomer)).records, 0)
  net.setView(newcomer, () => true) // it has met us meanwhile
  await net.advance(1000)
  assert.is((await stats(newcomer)).records, 6, 'the second try was taken')
  assert.is(handoffsFrom(net, holder, newcomer), 2)
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
  await net.advance(2100) // TTL 3 s in the fake net: 0.9 s left for these four
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
  holder.publish(
    { type: 'routing.peer.added',
      contact: { id: newcomer.id, host: newcomer.address.host, port: newcomer.address.port, lastSeen: 0, pc: false } } as Message
  )
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
