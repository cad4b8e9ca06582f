import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bdecode, bencode, createRecord, decodeAddress, generateIdentity, idsEqual, isGossipNote, isGossipPublishReply, isGossipStatsReply,
  recordToWire, verifyRecord } from '@peerconnect/protocol'
import type { Message, PeerRecord } from '@peerconnect/protocol'
import { asyncScheduler } from 'rxjs'
import type { SchedulerLike } from 'rxjs'
import { encodeRumor, extendPath, prefixOf } from '../src/rumor.js'
import type { CheckRumor, HitRumor, NoteRumor, SearchRumor } from '../src/rumor.js'
import { HITS_PER_ORIGIN, MAX_HOPS } from '../src/constants.js'
import { compact, contactOf, gossipDeps, idWith, rpcGossip, runGossip, tick } from './fixtures/gossip-deps.js'
import type { Fake, Running } from './fixtures/gossip-deps.js'

type Any = Message & Record<string, any>

const SELF = idWith(0x00, 1)
const PEERS = [0x80, 0x81, 0x40, 0x41, 0x20, 0x21, 0x10, 0x08].map(b => contactOf(idWith(b, 7)))
const UDP = { host: '10.0.0.1', port: 6881 }
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A rumor dict as it comes off the wire (bencoded and decoded). */
const wire = (r: NoteRumor | SearchRumor | HitRumor | CheckRumor): unknown => (bdecode(bencode(encodeRumor(r))) as { value: unknown }).value

let serial = 0
const noteFrom = (origin: Uint8Array, patch: Partial<NoteRumor> = {}): NoteRumor => {
  serial++
  const id = new Uint8Array(8)
  new DataView(id.buffer).setUint32(4, serial)
  return { kind: 'note', id, hops: 1, origin, depth: 0, path: extendPath(new Uint8Array(0), origin), topic: 'chat', data: enc('hello'),
    ...patch }
}

async function started (opts: Parameters<typeof gossipDeps>[1] = {},
  init: Record<string, unknown> = {}): Promise<{ fake: Fake, actor: Running }> {
  const fake = gossipDeps(SELF, { contacts: PEERS, udp: UDP, ...opts })
  const actor = runGossip({ id: SELF, ...init }, fake)
  await tick()
  return { fake, actor }
}

const byType = (out: Message[], type: string): Any[] => out.filter(m => m.type === type) as Any[]

async function stats (actor: Running): Promise<Any> {
  actor.send({ type: 'gossip.stats', cid: 999 })
  await tick()
  const r = byType(actor.out, 'gossip.stats.reply').at(-1)!
  assert.ok(isGossipStatsReply(r), 'stats reply passes its guard')
  return r
}

// ── the view ─────────────────────────────────────────────────────────────────────────────────

const view = suite('actor - peer view')

view('actor - one routing.contacts at start fills the view', async () => {
  const { fake, actor } = await started()
  assert.is(fake.asks.filter(a => a.type === 'routing.contacts').length, 1)
  assert.is((await stats(actor)).viewSize, PEERS.length)
  actor.stop()
})

view('actor - routing.peer.added and routing.peer.removed keep it current', async () => {
  const { actor } = await started({ contacts: [] })
  actor.send({ type: 'routing.peer.added', contact: PEERS[0]! } as Message)
  actor.send({ type: 'routing.peer.added', contact: PEERS[1]! } as Message)
  actor.send({ type: 'routing.peer.added', contact: { id: SELF, host: '10.0.0.1', port: 1, lastSeen: 0 } } as Message)
  actor.send({ type: 'routing.peer.removed', contact: PEERS[0]!, reason: 'failed' } as Message)
  actor.send({ type: 'routing.peer.added', contact: { id: 'bad' } } as unknown as Message)
  assert.is((await stats(actor)).viewSize, 1)
  actor.stop()
})

view('actor - without routing the view still fills from routing.peer.added', async () => {
  const { actor } = await started({ contacts: undefined })
  actor.send({ type: 'routing.peer.added', contact: PEERS[3]! } as Message)
  assert.is((await stats(actor)).viewSize, 1)
  assert.equal(actor.errors, [])
  actor.stop()
})

view.run()

// ── publishing notes ─────────────────────────────────────────────────────────────────────────

const publish = suite('actor - gossip.publish')

publish('actor - a note goes to 3 distinct peers, one hop, from us, our prefix on its path', async () => {
  const { fake, actor } = await started()
  actor.send({ type: 'gossip.publish', cid: 5, topic: 'chat', data: enc('hi') } as Message)
  await tick()
  const r = byType(actor.out, 'gossip.publish.reply')[0]!
  assert.ok(isGossipPublishReply(r))
  assert.is(r.re, 5)
  assert.is(r.sent, 3)
  assert.is(r.id.length, 8)
  assert.is(fake.sent.length, 3)
  assert.is(new Set(fake.sent.map(q => `${q.to.host}:${q.to.port}`)).size, 3)
  for (const q of fake.sent) {
    const n = q.rumor as NoteRumor
    assert.is(n.kind, 'note')
    assert.is(n.hops, 1)
    assert.ok(idsEqual(n.origin, SELF))
    assert.equal([...n.path], [...SELF.subarray(0, 4)])
    assert.equal(n.id, r.id)
    assert.is(n.topic, 'chat')
    assert.is(q.timeout, 2000, 'the forward timeout goes on the query')
  }
  const s = await stats(actor)
  assert.is(s.notesPublished, 1)
  assert.is(s.forwarded, 3)
  actor.stop()
})

publish('actor - the first split: the far half, the quarter beside us, and our own quarter', async () => {
  const { fake, actor } = await started()
  actor.send({ type: 'gossip.publish', cid: 1, topic: 't', data: new Uint8Array(0) } as Message)
  await tick()
  const depths = fake.sent.map(q => [q.to.host, (q.rumor as NoteRumor).depth] as const)
  const firstByte = (host: string): number => PEERS.find(p => p.host === host)!.id[0]!
  for (const [host, depth] of depths) {
    const b = firstByte(host)
    if (b >= 0x80) assert.is(depth, 1)
    else if (b >= 0x40) assert.is(depth, 2)
    else assert.is(depth, 2)
  }
  assert.is(new Set(depths.map(([h]) => firstByte(h) >= 0x80 ? 'half' : firstByte(h) >= 0x40 ? 'quarter' : 'own')).size, 3)
  actor.stop()
})

publish('actor - bad notes are refused with ERR_BAD_NOTE, bad requests with ERR_BAD_REQUEST', async () => {
  const { fake, actor } = await started()
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ topic: '', data: new Uint8Array(1) }, 'ERR_BAD_NOTE'],
    [{ topic: 'x'.repeat(65), data: new Uint8Array(1) }, 'ERR_BAD_NOTE'],
    [{ topic: 'é'.repeat(33), data: new Uint8Array(1) }, 'ERR_BAD_NOTE'],
    [{ topic: 'ok', data: new Uint8Array(513) }, 'ERR_BAD_NOTE'],
    [{ topic: 'ok\ud800', data: new Uint8Array(1) }, 'ERR_BAD_NOTE'],
    [{ topic: 'ok', data: 'text' }, 'ERR_BAD_REQUEST'],
    [{ data: new Uint8Array(1) }, 'ERR_BAD_REQUEST']
  ]
  cases.forEach(([body], i) => actor.send({ type: 'gossip.publish', cid: 100 + i, ...body }))
  await tick()
  cases.forEach(([, code], i) => {
    const r = actor.out.find(m => m.re === 100 + i) as Any
    assert.is(r?.type, 'error', `case ${i}`)
    assert.is(r.error.code, code, `case ${i}`)
  })
  assert.is(fake.sent.length, 0)
  const ok = actor.out.length
  actor.send({ type: 'gossip.publish', cid: 7, topic: 't'.repeat(64), data: new Uint8Array(512) } as Message)
  await tick()
  assert.is((actor.out[ok] as Any).type, 'gossip.publish.reply', 'exactly at the limits is fine')
  actor.stop()
})

publish('actor - with an empty view a note goes nowhere, and says so', async () => {
  const { fake, actor } = await started({ contacts: [] })
  actor.send({ type: 'gossip.publish', cid: 1, topic: 't', data: new Uint8Array(0) } as Message)
  await tick()
  assert.is(byType(actor.out, 'gossip.publish.reply')[0]!.sent, 0)
  assert.is(fake.sent.length, 0)
  actor.stop()
})

publish.run()

// ── rumors from other nodes ──────────────────────────────────────────────────────────────────

const inbound = suite('actor - rpc.pc_gossip')

inbound('actor - a new note is acknowledged, published as gossip.note, and forwarded onward', async () => {
  const { fake, actor } = await started()
  const origin = idWith(0x99, 9)
  const sender = PEERS[0]!
  const note = noteFrom(origin, { hops: 2, path: extendPath(new Uint8Array(0), origin) })
  actor.send(rpcGossip(wire(note), { id: sender.id }, 42))
  await tick()
  const ack = actor.out.find(m => m.re === 42) as Any
  assert.is(ack.type, 'rpc.reply')
  assert.equal(ack.r, {})
  const delivered = byType(actor.out, 'gossip.note')
  assert.is(delivered.length, 1)
  assert.ok(isGossipNote(delivered[0]))
  assert.is(delivered[0].topic, 'chat')
  assert.equal(delivered[0].data, enc('hello'))
  assert.ok(idsEqual(delivered[0].from, origin))
  assert.is(delivered[0].hops, 2)
  assert.is((delivered[0] as Any).re, undefined, 'published, not a reply')
  assert.is(fake.sent.length, 3)
  for (const q of fake.sent) {
    assert.is.not(q.to.host, sender.host, 'never back to the sender')
    assert.is(q.rumor.hops, 3)
    assert.equal((q.rumor as NoteRumor).path.length, 8, 'origin and us on the path')
    assert.is(prefixOf((q.rumor as NoteRumor).path.subarray(4)), prefixOf(SELF))
  }
  actor.stop()
})

inbound('actor - a duplicate is acknowledged and counted, and goes no further', async () => {
  const { fake, actor } = await started()
  const note = noteFrom(idWith(0x99))
  actor.send(rpcGossip(wire(note), { id: PEERS[0]!.id }, 1))
  await tick()
  const sentBefore = fake.sent.length
  actor.send(rpcGossip(wire({ ...note, hops: 5 }), { id: PEERS[2]!.id }, 2))
  await tick()
  assert.is((actor.out.find(m => m.re === 2) as Any).type, 'rpc.reply')
  assert.is(byType(actor.out, 'gossip.note').length, 1)
  assert.is(fake.sent.length, sentBefore)
  const s = await stats(actor)
  assert.is(s.received, 2)
  assert.is(s.duplicates, 1)
  actor.stop()
})

inbound('actor - our own rumor coming back is a duplicate', async () => {
  const { fake, actor } = await started()
  actor.send({ type: 'gossip.publish', cid: 1, topic: 't', data: new Uint8Array(0) } as Message)
  await tick()
  const mine = fake.sent[0]!.rumor as NoteRumor
  actor.send(rpcGossip(wire({ ...mine, hops: 4 }), { id: PEERS[5]!.id }, 2))
  await tick()
  assert.is(byType(actor.out, 'gossip.note').length, 0)
  assert.is((await stats(actor)).duplicates, 1)
  actor.stop()
})

inbound('actor - the sender, the origin and the path are never sent to', async () => {
  const { fake, actor } = await started()
  const origin = PEERS[0]!
  const onPath = PEERS[2]!
  const sender = PEERS[4]!
  const path = extendPath(extendPath(new Uint8Array(0), origin.id), onPath.id)
  actor.send(rpcGossip(wire(noteFrom(origin.id, { path })), { id: sender.id }))
  await tick()
  const hosts = fake.sent.map(q => q.to.host)
  for (const banned of [origin, onPath, sender]) assert.not.ok(hosts.includes(banned.host), banned.host)
  assert.is(fake.sent.length, 3)
  actor.stop()
})

inbound('actor - a rumor covers only its region: depth 4 leaves out every peer sharing fewer bits with us', async () => {
  const { fake, actor } = await started()
  actor.send(rpcGossip(wire(noteFrom(idWith(0x99), { depth: 4 })), { id: idWith(0x03) }))
  await tick()
  const firstBytes = fake.sent.map(q => PEERS.find(p => p.host === q.to.host)!.id[0]!)
  assert.equal(firstBytes, [0x08], 'only the peer sharing ≥ 4 bits with us')
  actor.stop()
})

inbound('actor - a malformed rumor gets ERR_KRPC_PROTOCOL (KRPC 203) and nothing else happens', async () => {
  const { fake, actor } = await started()
  actor.send(rpcGossip({ i: new Uint8Array(3) }, { id: PEERS[0]!.id }, 9))
  actor.send(rpcGossip(new Uint8Array(10), { id: PEERS[0]!.id }, 10))
  await tick()
  for (const cid of [9, 10]) {
    const r = actor.out.find(m => m.re === cid) as Any
    assert.is(r.type, 'error')
    assert.is(r.error.code, 'ERR_KRPC_PROTOCOL')
  }
  assert.is(fake.sent.length, 0)
  assert.is((await stats(actor)).malformed, 2)
  actor.stop()
})

inbound('actor - at MAX_HOPS a note is still delivered but not forwarded', async () => {
  const { fake, actor } = await started()
  actor.send(rpcGossip(wire(noteFrom(idWith(0x99), { hops: MAX_HOPS })), { id: PEERS[0]!.id }))
  await tick()
  assert.is(byType(actor.out, 'gossip.note').length, 1)
  assert.is(fake.sent.length, 0)
  assert.is((await stats(actor)).dropped, 1)
  actor.stop()
})

inbound('actor - a failed forward is retried with another peer of the same part, never the same one twice', async () => {
  const near = [0x10, 0x11, 0x12, 0x13, 0x14].map(b => contactOf(idWith(b, 3)))
  const { fake, actor } = await started({ contacts: [PEERS[0]!, ...near],
    fate: (q, r) => r.kind === 'note' && near.some(n => n.host === q.to.host) ? 'fail' : 'ok' }, { retries: 2, fanout: 2 })
  actor.send({ type: 'gossip.publish', cid: 1, topic: 't', data: new Uint8Array(0) } as Message)
  for (let i = 0; i < 10; i++) await tick()
  const toNear = fake.sent.filter(q => near.some(n => n.host === q.to.host))
  assert.is(toNear.length, 3, 'the first try and two replacements')
  assert.is(new Set(toNear.map(q => q.to.host)).size, 3, 'three different peers of the part')
  assert.is(fake.sent.filter(q => q.to.host === PEERS[0]!.host).length, 1, 'the other part went through at once')
  assert.is((await stats(actor)).failed, 3)
  actor.stop()
})

inbound('actor - alone in its part, a failed peer is sent the rumor once more (a datagram may have been lost)', async () => {
  const { fake, actor } = await started({ contacts: [PEERS[0]!, PEERS[2]!], fate: 'fail' }, { retries: 2 })
  actor.send({ type: 'gossip.publish', cid: 1, topic: 't', data: new Uint8Array(0) } as Message)
  for (let i = 0; i < 10; i++) await tick()
  for (const p of [PEERS[0]!, PEERS[2]!]) assert.is(fake.sent.filter(q => q.to.host === p.host).length, 2, p.host)
  assert.is(fake.sent.length, 4)
  actor.stop()
})

inbound('actor - at most maxInFlight queries at once; the rest wait their turn', async () => {
  const { fake, actor } = await started({ fate: 'hold' }, { maxInFlight: 2 })
  actor.send({ type: 'gossip.publish', cid: 1, topic: 'a', data: new Uint8Array(0) } as Message)
  actor.send({ type: 'gossip.publish', cid: 2, topic: 'b', data: new Uint8Array(0) } as Message)
  await tick()
  assert.is(fake.sent.length, 2)
  assert.is((await stats(actor)).inFlight, 2)
  fake.sent[0]!.settle('ok')
  await tick()
  assert.is(fake.sent.length, 3)
  for (const q of fake.sent) q.settle('ok')
  await tick()
  for (const q of fake.sent) q.settle('ok')
  await tick()
  assert.is(fake.sent.length, 6)
  assert.is((await stats(actor)).inFlight, 0)
  actor.stop()
})

inbound('actor - the seen-cache stays within its bound under a flood of distinct rumors', async () => {
  const { actor } = await started({ contacts: [] }, { seenMax: 50 })
  for (let i = 0; i < 2000; i++) actor.send(rpcGossip(wire(noteFrom(idWith(0x99))), { id: PEERS[0]!.id }, i + 1))
  await tick()
  const s = await stats(actor)
  assert.is(s.received, 2000)
  assert.is(s.duplicates, 0)
  assert.is(s.seenSize, 50)
  actor.stop()
})

inbound('actor - unsubscribing cancels every query in flight', async () => {
  const { fake, actor } = await started({ fate: 'hold' })
  actor.send({ type: 'gossip.publish', cid: 1, topic: 't', data: new Uint8Array(0) } as Message)
  await tick()
  assert.is(fake.sent.filter(q => q.state === 'pending').length, 3)
  actor.stop()
  assert.is(fake.sent.filter(q => q.state === 'cancelled').length, 3)
})

inbound.run()

// ── searching ────────────────────────────────────────────────────────────────────────────────

const search = suite('actor - gossip.search at the origin')

const ADA = generateIdentity()
const ADA_RECORD = createRecord(ADA, { name: 'Ada Lovelace', host: '10.0.5.5', port: 7000, seq: 1 })

async function searching (q = 'ada', init: Record<string, unknown> = {},
  opts: Parameters<typeof gossipDeps>[1] = {}): Promise<{ fake: Fake, actor: Running, rumor: SearchRumor }> {
  const { fake, actor } = await started({ fate: 'hold', ...opts }, init)
  actor.send({ type: 'gossip.search', cid: 77, q, timeout: 60_000 } as Message)
  await tick()
  const rumor = fake.sent[0]?.rumor as SearchRumor
  return { fake, actor, rumor }
}

const hitFor = (rumor: SearchRumor, record: PeerRecord): unknown =>
  wire({ kind: 'hit', id: new Uint8Array(8).fill(serial++ & 255), hops: 1, search: rumor.search, record: recordToWire(record) })

search('actor - bad queries are refused with ERR_BAD_QUERY and send nothing', async () => {
  const { fake, actor } = await started()
  const bad = ['', '   ', '!!', 'a'.repeat(65)]
  bad.forEach((q, i) => actor.send({ type: 'gossip.search', cid: 10 + i, q } as Message))
  actor.send({ type: 'gossip.search', cid: 20, q: 5 } as unknown as Message)
  await tick()
  bad.forEach((_, i) => assert.is((actor.out.find(m => m.re === 10 + i) as Any).error.code, 'ERR_BAD_QUERY'))
  assert.is((actor.out.find(m => m.re === 20) as Any).error.code, 'ERR_BAD_REQUEST')
  assert.is(fake.sent.length, 0)
  actor.stop()
})

search('actor - the search rumor carries the query, our address and a search id', async () => {
  const { fake, actor, rumor } = await searching('Ada Lov')
  assert.is(fake.sent.length, 3)
  assert.is(rumor.kind, 'search')
  assert.is(rumor.query, 'Ada Lov')
  assert.equal(decodeAddress(rumor.address), UDP)
  assert.is(rumor.search.length, 8)
  assert.ok(idsEqual(rumor.origin, SELF))
  assert.is((await stats(actor)).searches, 1)
  actor.stop()
})

search('actor - bound to a wildcard, the rumor carries the address the transport advertises, never 0.0.0.0', async () => {
  const advertised = { host: '192.0.2.7', port: UDP.port }
  const { actor, rumor } = await searching('ada', {}, { udp: { host: '0.0.0.0', port: UDP.port }, advertised })
  assert.equal(decodeAddress(rumor.address), advertised)
  actor.stop()
})

search('actor - our address is asked again after 30 s: a better one the transport learned goes in later rumors', async () => {
  let now = 0
  const scheduler: SchedulerLike = { now: () => now, schedule: asyncScheduler.schedule.bind(asyncScheduler) }
  const advertised = { host: '192.0.2.7', port: UDP.port }
  const { fake, actor } = await started({ fate: 'hold', scheduler, advertised })
  const rumorOf = async (cid: number): Promise<SearchRumor> => {
    const sent = fake.sent.length
    actor.send({ type: 'gossip.search', cid, q: `ada${cid}`, timeout: 60_000 } as Message)
    await tick()
    return fake.sent[sent]!.rumor as SearchRumor
  }
  assert.equal(decodeAddress((await rumorOf(1)).address), { host: '192.0.2.7', port: UDP.port })
  advertised.host = '203.0.113.5' // the transport learned where it is seen
  now = 29_000
  assert.equal(decodeAddress((await rumorOf(2)).address), { host: '192.0.2.7', port: UDP.port }, 'kept for 30 s')
  now = 30_000
  assert.equal(decodeAddress((await rumorOf(3)).address), { host: '203.0.113.5', port: UDP.port }, 'then asked again')
  actor.stop()
})

search('actor - hits stream as they come: verified, matching, one per peer', async () => {
  const { actor, rumor } = await searching('ada')
  actor.send(rpcGossip(hitFor(rumor, ADA_RECORD), { id: ADA.id }, 1))
  actor.send(rpcGossip(hitFor(rumor, ADA_RECORD), { id: ADA.id }, 2))
  await tick()
  const hits = byType(actor.out, 'gossip.hit')
  assert.is(hits.length, 1)
  assert.is(hits[0]!.re, 77)
  assert.is(hits[0]!.end, false)
  assert.is(hits[0]!.via, 'gossip')
  assert.is(hits[0]!.record.n, 'Ada Lovelace')
  assert.ok(verifyRecord(hits[0]!.record).ok)
  assert.is((actor.out.find(m => m.re === 2) as Any).type, 'rpc.reply', 'the repeated hit is still acknowledged')
  assert.is((await stats(actor)).hitsReceived, 1)
  actor.stop()
})

search('actor - a hit is refused when its record is forged, not its sender’s, or does not match', async () => {
  const { actor, rumor } = await searching('ada')
  const bob = generateIdentity()
  const bobRecord = createRecord(bob, { name: 'Bob', host: '10.0.6.6', port: 7000, seq: 1 })
  const forged = { ...ADA_RECORD, n: 'Ada Forged', sig: ADA_RECORD.sig }
  actor.send(rpcGossip(hitFor(rumor, forged), { id: ADA.id }, 1))
  actor.send(rpcGossip(hitFor(rumor, ADA_RECORD), { id: bob.id }, 2))
  actor.send(rpcGossip(hitFor(rumor, bobRecord), { id: bob.id }, 3))
  await tick()
  assert.is(byType(actor.out, 'gossip.hit').length, 0)
  assert.is((await stats(actor)).malformed, 3)
  actor.stop()
})

search('actor - a hit for an unknown search is acknowledged and dropped', async () => {
  const { actor, rumor } = await searching('ada')
  actor.send(rpcGossip(hitFor({ ...rumor, search: new Uint8Array(8).fill(0xee) }, ADA_RECORD), { id: ADA.id }, 5))
  await tick()
  assert.is((actor.out.find(m => m.re === 5) as Any).type, 'rpc.reply')
  assert.is(byType(actor.out, 'gossip.hit').length, 0)
  actor.stop()
})

search('actor - actor.cancel ends the search at once: its queries are cancelled, later hits dropped, no done', async () => {
  const { fake, actor, rumor } = await searching('ada')
  assert.is(fake.sent.filter(q => q.state === 'pending').length, 3)
  actor.send({ type: 'actor.cancel', ask: 77 } as Message)
  await tick()
  assert.is(fake.sent.filter(q => q.state === 'cancelled').length, 3)
  actor.send(rpcGossip(hitFor(rumor, ADA_RECORD), { id: ADA.id }, 3))
  await tick()
  assert.is(byType(actor.out, 'gossip.hit').length, 0)
  assert.is(byType(actor.out, 'gossip.search.done').length, 0)
  assert.is(fake.sent.length, 3, 'no traffic after the cancel')
  actor.stop()
})

search('actor - a cancel for another ask leaves the search alone', async () => {
  const { fake, actor, rumor } = await searching('ada')
  actor.send({ type: 'actor.cancel', ask: 78 } as Message)
  await tick()
  assert.is(fake.sent.filter(q => q.state === 'cancelled').length, 0)
  actor.send(rpcGossip(hitFor(rumor, ADA_RECORD), { id: ADA.id }, 3))
  await tick()
  assert.is(byType(actor.out, 'gossip.hit').length, 1)
  actor.stop()
})

search('actor - the search fails with ERR_NO_ADDRESS when the transport cannot tell our address', async () => {
  const { fake, actor } = await started({ udp: undefined })
  actor.send({ type: 'gossip.search', cid: 3, q: 'ada' } as Message)
  for (let i = 0; i < 3; i++) await tick()
  const r = actor.out.find(m => m.re === 3) as Any
  assert.is(r.type, 'error')
  assert.is(r.error.code, 'ERR_NO_ADDRESS')
  assert.is(fake.sent.length, 0)
  actor.stop()
})

search.run()

// ── answering other nodes' searches ──────────────────────────────────────────────────────────

const answer = suite('actor - answering a search')

/** A search rumor relayed to us (2 hops from its origin), unless `patch` says otherwise. */
const searchFrom = (q: string, origin = idWith(0x99), address = compact('10.7.7.7', 7777),
  patch: Partial<SearchRumor> = {}): SearchRumor => ({
    kind: 'search',
    id: new Uint8Array(8).fill(serial++ & 255),
    hops: 2,
    origin,
    depth: 0,
    path: extendPath(new Uint8Array(0), origin),
    query: q,
    address,
    search: new Uint8Array(8).fill(0x5e),
    ...patch
  })

answer('actor - a matching name sends our record (from lists.self) straight to the origin', async () => {
  const { fake, actor } = await started({ selfRecord: ADA_RECORD }, { name: 'Ada Lovelace' })
  actor.send(rpcGossip(wire(searchFrom('lov')), { id: PEERS[0]!.id }))
  for (let i = 0; i < 3; i++) await tick()
  const hits = fake.sent.filter(q => q.rumor.kind === 'hit')
  assert.is(hits.length, 1)
  assert.equal(hits[0]!.to, { host: '10.7.7.7', port: 7777 })
  const hit = hits[0]!.rumor as HitRumor
  assert.equal(hit.search, new Uint8Array(8).fill(0x5e))
  assert.equal(hit.record, recordToWire(ADA_RECORD))
  assert.is(fake.sent.filter(q => q.rumor.kind === 'search').length, 3, 'and the search goes on')
  assert.is((await stats(actor)).hitsSent, 1)
  actor.stop()
})

answer('actor - the origin is asked first (check: is the search yours?), then sent the hit', async () => {
  const { fake, actor } = await started({ selfRecord: ADA_RECORD }, { name: 'Ada Lovelace' })
  actor.send(rpcGossip(wire(searchFrom('lov')), { id: PEERS[0]!.id }))
  for (let i = 0; i < 5; i++) await tick()
  const toOrigin = fake.sent.filter(q => q.to.host === '10.7.7.7')
  assert.equal(toOrigin.map(q => q.rumor.kind), ['check', 'hit'])
  assert.equal((toOrigin[0]!.rumor as CheckRumor).search, new Uint8Array(8).fill(0x5e))
  actor.stop()
})

answer('actor - an origin that does not confirm the search (refusal or silence) gets no record', async () => {
  for (const fate of ['fail', 'hold'] as const) {
    const { fake, actor } = await started({ selfRecord: ADA_RECORD, fate: (_q, r) => r.kind === 'check' ? fate : 'ok' }, {
      name: 'Ada Lovelace'
    })
    actor.send(rpcGossip(wire(searchFrom('lov')), { id: PEERS[0]!.id }))
    for (let i = 0; i < 5; i++) await tick()
    assert.is(fake.sent.filter(q => q.rumor.kind === 'check').length, 1, fate)
    assert.is(fake.sent.filter(q => q.rumor.kind === 'hit').length, 0, fate)
    assert.is((await stats(actor)).hitsSent, 0)
    actor.stop()
  }
})

answer('actor - a search straight from its origin must come from the origin; another IP than the named one must confirm it first',
  async () => {
    const origin = PEERS[0]!
    type Case = [string, SearchRumor, { id: Uint8Array, host: string }, 'ok' | 'fail', boolean, number]
    const cases: Case[] = [
      ['from its origin at its address', searchFrom('ada', origin.id, compact(origin.host, 7777), { hops: 1 }), { id: origin.id,
        host: origin.host }, 'ok', true, 0],
      ['naming another address, which confirms', searchFrom('ada', origin.id, compact('10.7.7.7', 7777), { hops: 1 }), { id: origin.id,
        host: origin.host }, 'ok', true, 1],
      ['naming another address, which refuses', searchFrom('ada', origin.id, compact('10.7.7.7', 7777), { hops: 1 }), { id: origin.id,
        host: origin.host }, 'fail', false, 1],
      ['from another node', searchFrom('ada', origin.id, compact(origin.host, 7777), { hops: 1 }), { id: PEERS[1]!.id, host: origin.host },
        'ok', false, 0],
      ['claiming 0 hops', searchFrom('ada', idWith(0x99), compact('10.7.7.7', 7777), { hops: 0 }), { id: PEERS[1]!.id,
        host: PEERS[1]!.host }, 'ok', false, 0]
    ]
    for (const [what, rumor, from, fate, taken, firstChecks] of cases) {
      const { fake, actor } = await started({ selfRecord: ADA_RECORD, fate: (_q, r) => r.kind === 'check' ? fate : 'ok' }, {
        name: 'Ada Lovelace'
      })
      actor.send(rpcGossip(wire(rumor), from, 9))
      for (let i = 0; i < 6; i++) await tick()
      assert.is((actor.out.find(m => m.re === 9) as Any).type, 'rpc.reply', `${what}: acknowledged`)
      assert.is(fake.sent.filter(q => q.rumor.kind === 'search').length, taken ? 3 : 0, `${what}: spread`)
      const checks = fake.sent.filter(q => q.rumor.kind === 'check').length
      const hits = fake.sent.filter(q => q.rumor.kind === 'hit').length
      if (taken) assert.is(hits, 1, `${what}: answered`)
      else assert.is(hits, 0, `${what}: not answered`)
      assert.is(checks, taken && firstChecks === 0 ? 1 : firstChecks,
        `${what}: checks (a confirmed first hop does not ask again before its hit)`)
      if (!taken) assert.ok((await stats(actor)).dropped >= 1)
      actor.stop()
    }
  })

answer('actor - hits per origin IP are bounded, and a search is answered once whatever its rumor id', async () => {
  const { fake, actor } = await started({ selfRecord: ADA_RECORD }, { name: 'Ada Lovelace' })
  actor.send(rpcGossip(wire(searchFrom('ada')), { id: PEERS[0]!.id }, 1))
  actor.send(rpcGossip(wire(searchFrom('ada')), { id: PEERS[1]!.id }, 2))
  for (let i = 0; i < 5; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'check').length, 1, 'the same search under a second rumor id: not again')
  for (let n = 0; n < 10; n++) {
    actor.send(
      rpcGossip(wire(searchFrom('ada', idWith(0x99), compact('10.7.7.7', 7000 + n), { search: new Uint8Array(8).fill(n) })), {
        id: PEERS[0]!.id
      }, 10 + n)
    )
  }
  for (let i = 0; i < 5; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'check').length, HITS_PER_ORIGIN, 'at most HITS_PER_ORIGIN to one IP, whatever the port')
  actor.send(
    rpcGossip(wire(searchFrom('ada', idWith(0x99), compact('10.7.7.8', 7777), { search: new Uint8Array(8).fill(0xaa) })), {
      id: PEERS[0]!.id
    }, 30)
  )
  for (let i = 0; i < 5; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'check').length, HITS_PER_ORIGIN + 1, 'another IP has its own budget')
  actor.stop()
})

answer('actor - the origin answers a check {} for its running search, 203 otherwise', async () => {
  const { actor, rumor } = await searching('ada')
  actor.send(rpcGossip(wire({ kind: 'check', id: new Uint8Array(8).fill(1), hops: 1, search: rumor.search }), { id: ADA.id }, 1))
  actor.send(
    rpcGossip(wire({ kind: 'check', id: new Uint8Array(8).fill(2), hops: 1, search: new Uint8Array(8).fill(0xee) }), { id: ADA.id }, 2)
  )
  await tick()
  assert.is((actor.out.find(m => m.re === 1) as Any).type, 'rpc.reply')
  const refused = actor.out.find(m => m.re === 2) as Any
  assert.is(refused.type, 'error')
  assert.is(refused.error.code, 'ERR_KRPC_PROTOCOL')
  actor.send({ type: 'actor.cancel', ask: 77 } as Message)
  await tick()
  actor.send(rpcGossip(wire({ kind: 'check', id: new Uint8Array(8).fill(3), hops: 1, search: rumor.search }), { id: ADA.id }, 3))
  await tick()
  assert.is((actor.out.find(m => m.re === 3) as Any).type, 'error', 'a search that ended is no longer confirmed')
  actor.stop()
})

answer('actor - a name that does not match sends nothing to the origin', async () => {
  const { fake, actor } = await started({ selfRecord: ADA_RECORD }, { name: 'Ada Lovelace' })
  actor.send(rpcGossip(wire(searchFrom('grace')), { id: PEERS[0]!.id }))
  for (let i = 0; i < 3; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'hit').length, 0)
  actor.stop()
})

answer('actor - accents and case do not matter', async () => {
  const { fake, actor } = await started({ selfRecord: createRecord(ADA, { name: 'Zoë Éloïse', host: '10.0.5.5', port: 7000, seq: 1 }) }, {
    name: 'Zoë Éloïse'
  })
  actor.send(rpcGossip(wire(searchFrom('ZOE elo')), { id: PEERS[0]!.id }))
  for (let i = 0; i < 3; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'hit').length, 1)
  actor.stop()
})

answer('actor - without a lists actor it signs its own record from identity, name and the transport address', async () => {
  const { fake, actor } = await started({ selfRecord: undefined }, { identity: ADA, id: undefined, name: 'Ada Lovelace' })
  actor.send(rpcGossip(wire(searchFrom('ada')), { id: PEERS[0]!.id }))
  for (let i = 0; i < 5; i++) await tick()
  const hit = fake.sent.find(q => q.rumor.kind === 'hit')?.rumor as HitRumor
  assert.ok(hit !== undefined)
  const checked = verifyRecord({ ...hit.record, n: new TextDecoder().decode(hit.record.n) })
  assert.ok(checked.ok)
  if (checked.ok) {
    assert.is(checked.record.n, 'Ada Lovelace')
    assert.equal(decodeAddress(checked.record.a), UDP)
    assert.ok(idsEqual(checked.record.id, ADA.id))
  }
  actor.stop()
})

answer('actor - without a name in init, the name comes from lists.self', async () => {
  const { fake, actor } = await started({ selfRecord: ADA_RECORD })
  actor.send(rpcGossip(wire(searchFrom('ada')), { id: PEERS[0]!.id }, 1))
  actor.send(rpcGossip(wire(searchFrom('bob')), { id: PEERS[0]!.id }, 2))
  for (let i = 0; i < 5; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'hit').length, 1)
  actor.stop()
})

answer('actor - no record to be had: no hit and no crash', async () => {
  const { fake, actor } = await started({ selfRecord: undefined }, { name: 'Ada' })
  actor.send(rpcGossip(wire(searchFrom('ada')), { id: PEERS[0]!.id }))
  for (let i = 0; i < 5; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'hit').length, 0)
  assert.equal(actor.errors, [])
  actor.stop()
})

answer('actor - never answers its own search', async () => {
  const { fake, actor } = await started({ selfRecord: ADA_RECORD }, { name: 'Ada Lovelace' })
  actor.send(rpcGossip(wire(searchFrom('ada', SELF)), { id: PEERS[0]!.id }))
  for (let i = 0; i < 3; i++) await tick()
  assert.is(fake.sent.filter(q => q.rumor.kind === 'hit').length, 0)
  actor.stop()
})

answer.run()

// ── init ─────────────────────────────────────────────────────────────────────────────────────

const init = suite('actor - init')

init('actor - without an id or identity the actor fails with ERR_INVALID_INIT', async () => {
  const fake = gossipDeps(SELF, {})
  const actor = runGossip({}, fake)
  await tick()
  assert.is(actor.errors.length, 1)
  assert.is((actor.errors[0] as { code?: string }).code, 'ERR_INVALID_INIT')
})

init('actor - a bad fanout fails with ERR_INVALID_INIT', async () => {
  const actor = runGossip({ id: SELF, fanout: 0 }, gossipDeps(SELF, {}))
  await tick()
  assert.is((actor.errors[0] as { code?: string }).code, 'ERR_INVALID_INIT')
})

init.run()
