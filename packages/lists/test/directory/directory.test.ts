import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mergeMap, of } from 'rxjs'
import { closestListId, compareDistance, createRecord, generateIdentity, idsEqual, idToHex, isCrawlerLookup, isListsPageReply, LIST_IDS,
  recordToWire, reply } from '@peerconnect/protocol'
import type { Address, DirectoryPeer, Identity, ListsPageReply, Message, NodeId, PeerRecord, RpcReply, RpcRequest,
  TransportResponse } from '@peerconnect/protocol'
import type { ActorFn } from '@peerconnect/runtime'
import { decodeCursor, encodeCursor } from '../../src/directory/cursor.js'
import { createFakeNet, T0 } from '../fake-net.js'
import type { FakeNet, FakeNode } from '../fake-net.js'
import { codeOf, heldState, identitiesIn, identityIn, recordOf } from '../fixtures.js'

const INTERVAL = 1000

function swarm (n: number, init: Record<string, unknown> = {}): { net: FakeNet, reader: FakeNode } {
  const net = createFakeNet()
  net.add({ list: 19, init }) // someone is always in the last list
  net.add({ list: 0, init })
  for (let i = 2; i < n; i++) net.add({ init })
  const reader = net.nodes[n - 1]!
  return { net, reader }
}

async function page (node: FakeNode, limit: number, cursor?: string): Promise<ListsPageReply> {
  const msg = cursor === undefined ? { type: 'lists.page', limit } : { type: 'lists.page', limit, cursor }
  const r = await node.request(msg)
  assert.ok(isListsPageReply(r), JSON.stringify(r.type))
  return r
}

/** Pages through the whole directory; returns every peer and the page sizes. */
async function walk (node: FakeNode, limit: number): Promise<{ peers: DirectoryPeer[], sizes: number[], cursors: string[] }> {
  const peers: DirectoryPeer[] = []
  const sizes: number[] = []
  const cursors: string[] = []
  let cursor: string | undefined
  for (let i = 0; i < 200; i++) {
    const p = await page(node, limit, cursor)
    peers.push(...p.peers)
    sizes.push(p.peers.length)
    if (p.next === null) return { peers, sizes, cursors }
    cursors.push(p.next)
    cursor = p.next
  }
  throw new Error('the walk did not end')
}

let senderPort = 50_000

function sender (identity: Identity): { id: NodeId, address: Address, record: PeerRecord } {
  const address = { host: '127.0.0.1', port: senderPort++ }
  return { id: identity.id, address, record: recordOf(identity, { host: address.host, port: address.port }) }
}

/** `who` announces its record to `holder` as a real announcer would (pc_list for the token, then pc_announce). */
async function announceAs (net: FakeNet, who: ReturnType<typeof sender>, holder: FakeNode, list: number): Promise<void> {
  const res = await net.send(who, holder.address, 'pc_list', { list }) as TransportResponse
  await net.send(who, holder.address, 'pc_announce', { list, record: recordToWire(who.record), token: res.r.token })
}

const ids = (peers: readonly DirectoryPeer[]): string[] => peers.map(p => idToHex(p.record.id))
const alive = (net: FakeNet): string[] => net.nodes.filter(n => n.alive).map(n => idToHex(n.id)).sort()

const paging = suite('directory - paging')

paging('directory - paging a 40-node swarm lists every peer exactly once, walking all 20 lists in order', async () => {
  const { net, reader } = swarm(40)
  await net.advance(2 * INTERVAL)
  const before = net.asks.length
  const { peers, sizes } = await walk(reader, 7)
  assert.equal([...ids(peers)].sort(), alive(net))
  assert.is(new Set(ids(peers)).size, peers.length, 'no duplicates')
  assert.ok(sizes.slice(0, -1).every(s => s === 7), `pages ${sizes.join(',')}`)
  const lists = peers.map(p => p.list)
  assert.equal(lists, [...lists].sort((a, b) => a - b), 'list by list')
  for (const p of peers) assert.is(closestListId(p.record.id).index, p.list)
  assert.ok(peers.some(p => p.list === 19), 'the last list is there')
  const looked = net.asks.slice(before).filter(a => a.node === reader && isCrawlerLookup(a.msg)).map(a =>
    LIST_IDS.findIndex(id => idsEqual(id, (a.msg as Message & { target: Uint8Array }).target))
  )
  assert.equal([...new Set(looked)].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), 'every list id was looked up')
  net.stopAll()
})

paging('directory - one big page holds the whole directory, in id order inside each list; next is null', async () => {
  const { net, reader } = swarm(25)
  await net.advance(2 * INTERVAL)
  const p = await page(reader, 500)
  assert.is(p.next, null)
  assert.equal([...ids(p.peers)].sort(), alive(net))
  for (let i = 1; i < p.peers.length; i++) {
    const [a, b] = [p.peers[i - 1]!, p.peers[i]!]
    if (a.list === b.list) assert.ok(idToHex(a.record.id) < idToHex(b.record.id))
  }
  net.stopAll()
})

paging('directory - seenAt is when the peer last announced, by the reader\'s clock', async () => {
  const { net, reader } = swarm(12)
  await net.advance(3 * INTERVAL + 200)
  const { peers } = await walk(reader, 50)
  const now = net.now()
  for (const p of peers) assert.ok(p.seenAt <= now && p.seenAt >= now - INTERVAL - 300, `${now - p.seenAt} ms ago`)
  net.stopAll()
})

paging('directory - holders beyond the closest three are read while they still add peers', async () => {
  const net = createFakeNet()
  const LIST = 7
  const passive = Array.from({ length: 12 }, () => net.add({ init: { announce: false } }))
  const ranked = [...passive].sort((a, b) => compareDistance(a.id, b.id, LIST_IDS[LIST]!))
  const everywhere = sender(identityIn(LIST))
  const lately = sender(identityIn(LIST))
  for (const h of ranked.slice(0, 8)) await announceAs(net, everywhere, h, LIST)
  const reader = net.add({ init: { announce: false } })
  const readFrom = async (): Promise<string[]> => {
    const before = net.queries.length
    await reader.request({ type: 'lists.invalidate' })
    const listed = ids((await page(reader, 500)).peers)
    const asked = new Set(
      net.queries.slice(before).filter(q => q.q === 'pc_list' && q.a.list === LIST && q.from === `127.0.0.1:${reader.address.port}`).map(
        q => q.to
      )
    )
    return [String(asked.size), ...listed]
  }
  const healthy = await readFrom()
  assert.equal(healthy, ['4', idToHex(everywhere.id)], 'three holders, then a fourth that adds nothing')
  for (const h of ranked.slice(3, 8)) await announceAs(net, lately, h, LIST)
  const extended = await readFrom()
  assert.is(extended[0], '5', 'the fourth added a peer, so a fifth was read')
  assert.equal(extended.slice(1).sort(), [idToHex(everywhere.id), idToHex(lately.id)].sort())
  net.stopAll()
})

paging('directory - a long list of the longest records is read to its end, past 64 pages a holder', async () => {
  const net = createFakeNet()
  const LIST = 9
  const N = 300
  const full = identitiesIn(LIST, N).map((p, i) =>
    createRecord(p, { name: `${i}`.padEnd(64, 'n'), host: '2001:db8::1', port: 1000 + i, seq: 1, readOnly: true,
      also: { host: '203.0.113.9', port: 1000 + i } })
  )
  const state = heldState(LIST, full, T0)
  for (let i = 0; i < 4; i++) net.add({ snapshot: state, init: { announce: false } })
  const reader = net.add({ init: { announce: false } })
  const before = net.queries.length
  const { peers } = await walk(reader, 500)
  assert.is(peers.filter(p => p.list === LIST).length, N, 'every record of the list')
  const read = net.queries.slice(before).filter(q =>
    q.q === 'pc_list' && q.a.list === LIST && q.from === `127.0.0.1:${reader.address.port}`
  )
  assert.ok(read.length > 4 * 64, `${read.length} pc_list pages read from 4 holders: three or four of these records to a page`)
  net.stopAll()
})

paging('directory - a cursor is plain data: another reader (or a restarted one) continues from it', async () => {
  const { net, reader } = swarm(30)
  await net.advance(2 * INTERVAL)
  const first = await page(reader, 9)
  const other = net.nodes[3]!
  const rest = await walk2(other, first.next!)
  assert.equal([...ids(first.peers), ...ids(rest)].sort(), alive(net))
  const c = decodeCursor(first.next!)
  assert.ok(c.ok)
  net.stopAll()
})

async function walk2 (node: FakeNode, cursor: string): Promise<DirectoryPeer[]> {
  const out: DirectoryPeer[] = []
  let next: string | null = cursor
  while (next !== null) {
    const p = await page(node, 9, next)
    out.push(...p.peers)
    next = p.next
  }
  return out
}

paging('directory - a page that ends exactly at a list\'s end points at the next list', async () => {
  const { net, reader } = swarm(30)
  await net.advance(2 * INTERVAL)
  const all = (await page(reader, 500)).peers
  const firstList = all[0]!.list
  const inFirst = all.filter(p => p.list === firstList).length
  const p = await page(reader, inFirst)
  const c = decodeCursor(p.next!)
  assert.ok(c.ok)
  if (c.ok) assert.equal(c.cursor, { list: firstList + 1, after: null })
  net.stopAll()
})

paging('directory - bad requests: a garbage cursor is ERR_BAD_CURSOR, a bad limit ERR_BAD_REQUEST, and nothing is sent', async () => {
  const { net, reader } = swarm(5, { announce: false })
  const before = net.queries.length
  for (const cursor of ['garbage!', '', 'AQc=', encodeCursor({ list: 3, after: null }) + 'x']) {
    const err = await reader.request({ type: 'lists.page', limit: 5, cursor } as Message).catch((e: unknown) => e)
    assert.is(codeOf(err), 'ERR_BAD_CURSOR', cursor)
  }
  for (const limit of [0, -1, 2.5, '10']) {
    const err = await reader.request({ type: 'lists.page', limit } as Message).catch((e: unknown) => e)
    assert.is(codeOf(err), 'ERR_BAD_REQUEST', String(limit))
  }
  assert.is(net.queries.length, before)
  net.stopAll()
})

paging.run()

const freshness = suite('directory - freshness and the cache')

freshness('directory - a killed peer is gone within RECORD_TTL + one interval', async () => {
  const { net, reader } = swarm(30)
  await net.advance(2 * INTERVAL)
  const victim = net.nodes[5]!
  assert.ok(ids((await page(reader, 500)).peers).includes(idToHex(victim.id)))
  net.kill(victim)
  await net.advance(3 * INTERVAL + INTERVAL)
  const after = ids((await page(reader, 500)).peers)
  assert.not.ok(after.includes(idToHex(victim.id)))
  assert.equal([...after].sort(), alive(net))
  net.stopAll()
})

freshness('directory - within cacheTtl a second walk sends nothing; lists.invalidate makes it read again', async () => {
  const { net, reader } = swarm(20, { cacheTtl: 60_000 })
  await net.advance(2 * INTERVAL)
  await page(reader, 500)
  const readerQueries = (): number => net.queries.filter(q => q.from === `127.0.0.1:${reader.address.port}` && q.q === 'pc_list').length
  const n = readerQueries()
  assert.ok(n > 0)
  await page(reader, 500)
  assert.is(readerQueries(), n, 'served from the cache')
  const r = await reader.request({ type: 'lists.invalidate' })
  assert.is(r.type, 'lists.invalidate.reply')
  await page(reader, 500)
  assert.ok(readerQueries() > n, 'read again')
  net.stopAll()
})

freshness('directory - a second read reuses each holder\'s token: one full page per query, no token round trip', async () => {
  const { net, reader } = swarm(20, { cacheTtl: 0 })
  await net.advance(2 * INTERVAL)
  const mine = (from: number): typeof net.queries =>
    net.queries.slice(from).filter(q => q.q === 'pc_list' && q.from === `127.0.0.1:${reader.address.port}`)
  await page(reader, 500)
  const second = net.queries.length
  await page(reader, 500)
  const warm = mine(second)
  assert.ok(warm.length > 0)
  assert.equal(warm.filter(q => q.a.token === undefined).map(q => q.to), [], 'every holder read before is shown its token')
  assert.ok(warm.every(q => q.proven === true && q.a.pad === undefined))
  net.stopAll()
})

freshness('directory - a first read pads the query to a holder it has no token from: a full first page, no token round trip', async () => {
  const net = createFakeNet()
  const LIST = 0 // read first (every node here holds every list: a later list's holders have given their tokens already)
  const records = identitiesIn(LIST, 12).map((p, i) => createRecord(p, { name: `peer-${i}`, host: '203.0.113.9', port: 2000 + i, seq: 1 }))
  const state = heldState(LIST, records, T0)
  for (let i = 0; i < 4; i++) net.add({ snapshot: state, init: { announce: false } })
  const reader = net.add({ init: { announce: false, cacheTtl: 0 } })
  const mine = (from: number): typeof net.queries =>
    net.queries.slice(from).filter(q => q.q === 'pc_list' && q.a.list === LIST && q.from === `127.0.0.1:${reader.address.port}`)
  const first = net.queries.length
  const cold = await page(reader, 500)
  const coldQueries = mine(first)
  assert.is(cold.peers.filter(p => p.list === LIST).length, 12)
  const tokenless = coldQueries.filter(q => q.a.token === undefined)
  assert.is(tokenless.length, new Set(coldQueries.map(q => q.to)).size, 'one query without a token per holder')
  for (const q of tokenless) {
    assert.ok(q.a.pad instanceof Uint8Array && 3 * q.bytes >= 1200, `${q.bytes} bytes`)
    assert.ok(q.error === undefined && q.proven === false && q.replyBytes! <= 3 * q.bytes && q.replyBytes! > 3 * q.bytes - 300,
      `${q.replyBytes} of ${3 * q.bytes} bytes`)
  }
  const second = net.queries.length
  await page(reader, 500)
  const warm = mine(second)
  assert.ok(warm.every(q => q.proven === true))
  assert.is(coldQueries.length, warm.length, 'as many pages without a token as with one')
  net.stopAll()
})

freshness('directory - the cache expires on its own after cacheTtl', async () => {
  const { net, reader } = swarm(12)
  await net.advance(2 * INTERVAL)
  await page(reader, 500)
  const count = (): number => net.asks.filter(a => a.node === reader && isCrawlerLookup(a.msg)).length
  const n = count()
  await net.advance(INTERVAL / 2)
  await page(reader, 500)
  assert.ok(count() > n)
  net.stopAll()
})

freshness.run()

const trust = suite('directory - trust nothing read from holders')

/** An actor that answers every pc_list with `records` (proven), like a lying holder. */
function liar (records: ReturnType<typeof recordToWire>[]): ActorFn {
  return (in$) => in$.pipe(mergeMap(m => {
    if (m.type !== 'rpc.pc_list') return of()
    const req = m as RpcRequest
    return of(
      reply<RpcReply>(req, { type: 'rpc.reply', r: { token: new Uint8Array(8), records, ages: records.map(() => 0) }, proven: true })
    )
  }))
}

trust('directory - forged, foreign-list and older records from a lying holder are not listed', async () => {
  const net = createFakeNet()
  const victimId = identityIn(11)
  const victim = net.add({ identity: victimId })
  for (let i = 0; i < 15; i++) net.add({})
  await net.advance(2 * INTERVAL)
  const real = (await victim.request({ type: 'lists.self' }) as Message & { record: ReturnType<typeof recordOf> }).record
  const forged = { ...recordToWire(real), s: real.s + 1 } // newer sequence, signature does not match
  const foreign = recordToWire(recordOf(identityIn(12))) // valid, but list 12
  const older = recordToWire(recordOf(victimId, { seq: real.s - 1, name: 'old' })) // valid, but older
  let best = generateIdentity()
  for (let i = 0; i < 400; i++) {
    const c = generateIdentity()
    if (compareDistance(c.id, best.id, LIST_IDS[11]!) < 0) best = c
  }
  net.add({ identity: best, actor: liar([forged, foreign, older]) })
  const reader = net.add({ init: { announce: false, poolThreshold: 1 } })
  const listed = (await page(reader, 500)).peers
  const mine = listed.filter(p => idsEqual(p.record.id, victimId.id))
  assert.is(mine.length, 1)
  assert.is(mine[0]!.record.s, real.s, 'the real record, not the forged newer one')
  assert.is(mine[0]!.record.n, real.n)
  assert.not.ok(listed.some(p => p.list === 11 && closestListId(p.record.id).index !== 11))
  assert.ok(reader.pool.runs > 0, 'records read were verified on the pool')
  net.stopAll()
})

trust(
  'directory - a holder that answers pc_list with nothing hides no record: each list is read from at least 3 holders, and the page ' +
    'says how many answered',
  async () => {
    const net = createFakeNet()
    const members = [11, 11, 11].map(l => net.add({ identity: identityIn(l) }))
    for (let i = 0; i < 15; i++) net.add({})
    let best = generateIdentity()
    for (let i = 0; i < 400; i++) {
      const c = generateIdentity()
      if (compareDistance(c.id, best.id, LIST_IDS[11]!) < 0) best = c
    }
    net.add({ identity: best, actor: liar([]) }) // the closest node to list 11 answers with nothing
    await net.advance(2 * INTERVAL)
    const reader = net.add({ init: { announce: false } })
    const p = await page(reader, 500)
    for (const m of members) assert.ok(p.peers.some(x => idsEqual(x.record.id, m.id)), `${idToHex(m.id).slice(0, 8)} is listed`)
    const h11 = p.holders?.find(h => h.list === 11)
    assert.ok(h11 !== undefined && h11.answered >= 3, `list 11: ${JSON.stringify(h11)}`)
    assert.is(p.holders?.length, 20, 'every list the page read')
    net.stopAll()
  }
)

trust.run()
