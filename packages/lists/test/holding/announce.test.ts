import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { closest, closestListId, compareDistance, generateIdentity, idsEqual, idToHex, LIST_IDS, recordAddress,
  recordFromWire } from '@peerconnect/protocol'
import type { ListsStatsReply, Message, PeerRecord, TransportResponse } from '@peerconnect/protocol'
import { createFakeNet, T0 } from '../fake-net.js'
import type { FakeNet, FakeNode } from '../fake-net.js'
import { codeOf } from '../fixtures.js'

const INTERVAL = 1000

function swarm (passive: number, init: Record<string, unknown> = {}): { net: FakeNet, node: FakeNode, holders: () => FakeNode[] } {
  const net = createFakeNet()
  for (let i = 0; i < passive; i++) net.add({ init: { announce: false } })
  const node = net.add({ init: { name: 'ada', announceInterval: INTERVAL, ...init } })
  const holders = (): FakeNode[] =>
    closest(net.nodes.filter(n => n.alive && n !== node), LIST_IDS[closestListId(node.id).index]!, 8, n => n.id)
  return { net, node, holders }
}

const key = (n: FakeNode): string => `${n.address.host}:${n.address.port}`
const from = (net: FakeNet, n: FakeNode, q: string): number => net.queries.filter(x => x.from === key(n) && x.q === q).length

/** The record of `node` that `holder` gives out, if any. */
async function heldBy (net: FakeNet, holder: FakeNode, node: FakeNode): Promise<PeerRecord | undefined> {
  const asker = { id: node.id.map(b => b ^ 0xff), address: { host: '127.0.0.1', port: 65_000 } }
  const list = closestListId(node.id).index
  const first = await net.send(asker, holder.address, 'pc_list', { list }) as TransportResponse
  const res = await net.send(asker, holder.address, 'pc_list', { list, token: first.r.token }) as TransportResponse
  return ((res.r.records ?? []) as unknown[]).map(recordFromWire).find(r => r !== undefined && idsEqual(r.id, node.id))
}

async function stats (node: FakeNode): Promise<ListsStatsReply> {
  return await node.request({ type: 'lists.stats' }) as ListsStatsReply
}

const loop = suite('announce - the loop')

loop('announce - at start a node announces its record to the R nodes closest to its list id', async () => {
  const { net, node, holders } = swarm(20)
  await net.advance(10)
  const targets = net.queries.filter(q => q.from === key(node) && q.q === 'pc_announce').map(q => q.to).sort()
  assert.equal(targets, holders().map(key).sort())
  for (const h of holders()) {
    const rec = await heldBy(net, h, node)
    assert.ok(rec, `held by ${key(h)}`)
    assert.is(rec.n, 'ada')
  }
  net.stopAll()
})

loop('announce - steady state: R announces per interval, one token fetch per holder, lookups early and then every few rounds', async () => {
  const { net, node } = swarm(20)
  const rounds = 21
  await net.advance((rounds - 1) * INTERVAL + 10)
  assert.is(from(net, node, 'pc_announce'), 8 * rounds)
  assert.is(from(net, node, 'pc_list'), 8, 'tokens are reused')
  assert.is((await stats(node)).rounds, rounds)
  const lookups = (await stats(node)).sent.lookup!
  assert.ok(lookups >= 3 && lookups <= 3 + Math.ceil(rounds / 6), `${lookups} lookups in ${rounds} rounds`)
  assert.equal(net.queries.filter(q => q.error !== undefined), [])
  net.stopAll()
})

loop('announce - tokens are fetched again once they may have expired', async () => {
  const { net, node } = swarm(12, { tokenRotate: 5 * INTERVAL })
  await net.advance(20 * INTERVAL + 10)
  const lists = from(net, node, 'pc_list')
  assert.ok(lists >= 8 * 4 && lists <= 8 * 5, `${lists} token fetches over 20 intervals with 5-interval tokens`)
  assert.equal(net.queries.filter(q => q.error !== undefined), [], 'no announce was refused')
  net.stopAll()
})

loop('announce - a node that does not announce sends nothing', async () => {
  const { net, node } = swarm(10, { announce: false })
  await net.advance(5 * INTERVAL)
  assert.is(net.queries.length, 0)
  assert.equal(node.out, [])
  net.stopAll()
})

loop('announce - with fewer than R other nodes it also holds its own record', async () => {
  const { net, node } = swarm(3)
  await net.advance(10)
  assert.is((await stats(node)).records, 1)
  net.stopAll()
})

loop.run()

const recovery = suite('announce - holders that restart or vanish')

recovery('announce - a restarted holder refuses the old token; a fresh one is fetched and the announce lands in the same round',
  async () => {
    const { net, node, holders } = swarm(12)
    await net.advance(10)
    const victim = holders()[0]!
    net.kill(victim)
    const reborn = net.add({ identity: victim.identity, port: victim.address.port, init: { announce: false } })
    const before = net.queries.length
    await net.advance(INTERVAL)
    const round = net.queries.slice(before).filter(q => q.from === key(node) && q.to === key(reborn)).map(q =>
      `${q.q}${q.error === undefined ? '' : ' ' + q.error.slice(0, 17)}`
    )
    assert.equal(round, ['pc_announce 203 ERR_BAD_TOKEN', 'pc_list', 'pc_announce'])
    assert.ok(await heldBy(net, reborn, node))
    net.stopAll()
  })

recovery('announce - a holder that stops answering is replaced after the next lookup', async () => {
  const { net, node, holders } = swarm(14)
  await net.advance(3 * INTERVAL + 10)
  const gone = holders()[0]!
  const ninth = closest(net.nodes.filter(n => n !== node), LIST_IDS[closestListId(node.id).index]!, 9, n => n.id)[8]!
  assert.is(await heldBy(net, ninth, node), undefined, 'the ninth closest holds nothing yet')
  net.kill(gone)
  const before = net.queries.length
  await net.advance(6 * INTERVAL)
  assert.ok(await heldBy(net, ninth, node), 'the ninth closest became a holder')
  const tries = net.queries.slice(before).filter(q => q.from === key(node) && q.to === key(gone))
  assert.equal(tries.map(q => `${q.q} ${q.error}`), ['pc_announce ERR_RPC_TIMEOUT'], 'one unanswered announce, then it is dropped')
  net.stopAll()
})

recovery('announce - a holder that stops answering delays the others\' announces by less than RECORD_TTL', async () => {
  // 1 s interval, records kept 3 s, a query unanswered for 2 s (and a little: the real transport
  // starts its timer after the ask reached it): a round that waited for a silent holder must not
  // leave the live holders without a fresh announce for 3 s (the record would lapse at every
  // holder at once and vanish from the directory).
  const { net, node, holders } = swarm(14, { queryTimeout: 2 * INTERVAL + 50 })
  await net.advance(3 * INTERVAL + 10)
  const [gone, ...others] = holders()
  if (gone === undefined) throw new Error('no holders')
  const last = new Map(others.map(h => [key(h), net.now()]))
  const gaps: number[] = []
  let seen = net.queries.length
  net.kill(gone)
  for (let t = 0; t < 8 * INTERVAL; t += 10) {
    await net.advance(10)
    for (const q of net.queries.slice(seen)) {
      const at = last.get(q.to)
      if (q.from !== key(node) || q.q !== 'pc_announce' || at === undefined) continue
      gaps.push(net.now() - at)
      last.set(q.to, net.now())
    }
    seen = net.queries.length
  }
  const worst = Math.max(...gaps)
  assert.ok(worst <= 2 * INTERVAL + 100, `a live holder waited ${worst} ms for an announce`)
  net.stopAll()
})

recovery('announce - a round whose announces nobody took counts in rounds, not in announced', async () => {
  const { net, node } = swarm(10)
  await net.advance(2 * INTERVAL + 10)
  const before = await stats(node)
  assert.is(before.announced, before.rounds, 'every round so far reached a holder')
  assert.ok(before.rounds >= 3)
  for (const n of net.nodes) if (n !== node) net.kill(n)
  await net.advance(6 * INTERVAL)
  const after = await stats(node)
  assert.ok(after.rounds > before.rounds, 'rounds go on')
  assert.is(after.announced, before.announced, 'but nothing was announced')
  net.stopAll()
})

recovery('announce - a killed peer\'s record is gone from every holder within RECORD_TTL + one interval', async () => {
  const { net, node, holders } = swarm(12)
  await net.advance(2 * INTERVAL)
  const hs = holders()
  for (const h of hs) assert.is((await stats(h)).records, 1)
  net.kill(node)
  await net.advance(3 * INTERVAL + INTERVAL)
  for (const h of hs) assert.is((await stats(h)).records, 0, key(h))
  net.stopAll()
})

recovery('announce - a lossy lookup (close holders missed under load) does not drop holders that took the record', async () => {
  const { net, node, holders } = swarm(16, { lookupEvery: 1 })
  await net.advance(3 * INTERVAL + 10)
  const right = holders()
  const missed = new Set(right.slice(0, 3))
  net.setLookupView(node, other => !missed.has(other))
  await net.advance(3 * INTERVAL)
  const before = net.queries.length
  await net.advance(INTERVAL)
  const targets = net.queries.slice(before).filter(q => q.from === key(node) && q.q === 'pc_announce').map(q => q.to).sort()
  assert.equal(targets, right.map(key).sort(), 'still the true 8 closest')
  net.kill(right[0]!)
  await net.advance(3 * INTERVAL)
  const after = net.queries.length
  await net.advance(INTERVAL)
  const now = net.queries.slice(after).filter(q => q.from === key(node) && q.q === 'pc_announce').map(q => q.to)
  assert.not.ok(now.includes(key(right[0]!)), 'a dead holder is dropped')
  assert.is(now.length, 8)
  net.stopAll()
})

recovery('announce - routing meeting a node closer than a holder makes the next round look up again, and the newcomer gets the record',
  async () => {
    const { net, node, holders } = swarm(14)
    await net.advance(4 * INTERVAL + 10)
    const target = LIST_IDS[closestListId(node.id).index]!
    const farthest = holders()[7]!
    let closer = generateIdentity()
    while (compareDistance(closer.id, farthest.id, target) >= 0) closer = generateIdentity()
    const lookups = async (): Promise<number> => (await stats(node)).sent.lookup!
    const before = await lookups()
    await net.advance(INTERVAL)
    assert.is(await lookups(), before, 'no lookup in a quiet round')
    const newcomer = net.add({ identity: closer, init: { announce: false } })
    const far = net.nodes.filter(n => n !== node && n !== newcomer).sort((a, b) => compareDistance(b.id, a.id, target))[0]!
    node.publish(
      { type: 'routing.peer.added', contact: { id: far.id, host: far.address.host, port: far.address.port, lastSeen: 0 } } as Message
    )
    await net.advance(INTERVAL)
    assert.is(await lookups(), before, 'a farther contact changes nothing')
    node.publish(
      { type: 'routing.peer.added',
        contact: { id: newcomer.id, host: newcomer.address.host, port: newcomer.address.port, lastSeen: 0 } } as Message
    )
    await net.advance(INTERVAL)
    assert.is(await lookups(), before + 1)
    assert.ok(await heldBy(net, newcomer, node))
    net.stopAll()
  })

recovery.run()

const changes = suite('announce - record changes')

function snapshots (node: FakeNode): Array<{ seq: number, name: string }> {
  return node.out.filter(m => m.type === 'actor.snapshot').map(m => (m as Message & { state: { seq: number, name: string } }).state)
    // record changes (the held records are snapshotted too)
    .filter((s, i, all) => i === 0 || s.seq !== all[i - 1]!.seq || s.name !== all[i - 1]!.name)
    .map(({ seq, name }) => ({ seq, name }))
}

changes('announce - a new name makes a new record with a higher sequence, announced at once and kept in the snapshot', async () => {
  const { net, node, holders } = swarm(12)
  await net.advance(10)
  const first = snapshots(node)[0]!
  assert.is(first.name, 'ada')
  assert.is(first.seq, Math.floor(T0 / 1000))
  const reply = await node.request({ type: 'actor.configure', patch: { name: 'ada lovelace' } } as Message)
  assert.is(reply.type, 'actor.configure.reply')
  await net.advance(10)
  const second = snapshots(node)[1]!
  assert.equal(second, { seq: first.seq + 1, name: 'ada lovelace' })
  for (const h of holders()) assert.is((await heldBy(net, h, node))?.n, 'ada lovelace')
  const self = await node.request({ type: 'lists.self' }) as Message & { record: PeerRecord }
  assert.is(self.record.s, first.seq + 1)
  net.stopAll()
})

changes('announce - a name over 64 bytes is refused and nothing changes', async () => {
  const { net, node } = swarm(4)
  await net.advance(10)
  const err = await node.request({ type: 'actor.configure', patch: { name: 'x'.repeat(65) } } as Message).catch((e: unknown) => e)
  assert.is(codeOf(err), 'ERR_BAD_REQUEST')
  await net.advance(INTERVAL)
  assert.is(snapshots(node).length, 1)
  net.stopAll()
})

changes('announce - a node bound to a wildcard puts the address its transport advertises in its record, and holders take it', async () => {
  const net = createFakeNet()
  for (let i = 0; i < 10; i++) net.add({ init: { announce: false } })
  const node = net.add({ init: { name: 'everywhere', announceInterval: INTERVAL }, wildcard: true })
  await net.advance(INTERVAL + 10)
  const self = await node.request({ type: 'lists.self' }) as Message & { record: PeerRecord }
  assert.is(recordAddress(self.record)?.host, '127.0.0.1', 'not 0.0.0.0')
  const holder = closest(net.nodes.filter(n => n !== node), LIST_IDS[closestListId(node.id).index]!, 1, n => n.id)[0]!
  assert.ok(await heldBy(net, holder, node), 'a holder took it (it matches the address the holder saw)')
  assert.equal((await stats(node)).rejected, {})
  net.stopAll()
})

changes('announce - a node whose address changed re-signs its record for the new address', async () => {
  const { net, node, holders } = swarm(12)
  await net.advance(10)
  node.address = { host: '127.0.0.1', port: 61_000 }
  await net.advance(INTERVAL)
  const rec = await heldBy(net, holders()[0]!, node)
  assert.ok(rec)
  assert.equal([rec.s, snapshots(node).length], [Math.floor(T0 / 1000) + 1, 2])
  assert.equal(rec.a, new Uint8Array([127, 0, 0, 1, 61_000 >> 8, 61_000 & 0xff]))
  net.stopAll()
})

changes('announce - restarted with its snapshot, the sequence keeps growing and holders take the new record', async () => {
  const { net, node, holders } = swarm(12)
  await net.advance(10)
  const seq = snapshots(node)[0]!.seq
  net.kill(node)
  const again = net.add({ identity: node.identity, port: node.address.port, snapshot: { seq: seq + 50, name: 'ada' },
    init: { name: 'ignored: the snapshot has the name' } })
  await net.advance(10)
  assert.equal(snapshots(again)[0], { seq: seq + 51, name: 'ada' })
  assert.is((await heldBy(net, holders().find(h => h !== again)!, again))?.s, seq + 51)
  net.stopAll()
})

changes('announce - without a snapshot a restart still never goes back: sequences follow the clock', async () => {
  const { net, node } = swarm(6)
  await net.advance(10)
  const seq = snapshots(node)[0]!.seq
  net.kill(node)
  await net.advance(5000)
  const again = net.add({ identity: node.identity, port: node.address.port })
  await net.advance(10)
  assert.is(snapshots(again)[0]!.seq, seq + 5)
  assert.is(idToHex(again.id), idToHex(node.id))
  net.stopAll()
})

changes.run()
