/**
 * pc_search, answered by an in-process lists actor on the simulated network: every query goes
 * through the real bencoding, the real argument and reply guards and the 3× bound (../fake-net.ts).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { idToHex, parseReply, recordFromWire, recordToWire } from '@peerconnect/protocol'
import type { Address, Identity, ListsStatsReply, NodeId, PeerRecord, TransportResponse, WireRecord } from '@peerconnect/protocol'
import { createFakeNet, T0 } from '../fake-net.js'
import type { FakeNet, FakeNode } from '../fake-net.js'
import { codeOf, heldState, identitiesIn, identityIn, recordOf } from '../fixtures.js'

const LIST = 7
let port = 40_000

interface Peer {
  identity: Identity
  id: NodeId
  address: Address
  record: PeerRecord
}

function peer (name: string, list = LIST): Peer {
  const identity = identityIn(list)
  const address = { host: '127.0.0.1', port: port++ }
  return { identity, id: identity.id, address, record: recordOf(identity, { name, host: address.host, port: address.port }) }
}

/**
 * A holder (alone: it announces to nobody but makes its record) holding `names` in LIST, handed over by a neighbour;
 * and a searcher identity.
 */
async function holding (names: readonly string[],
  init: Record<string, unknown> = {}): Promise<{ net: FakeNet, holder: FakeNode, held: Peer[], asker: Peer }> {
  const net = createFakeNet()
  const ids = identitiesIn(LIST, names.length)
  const held = names.map((name, i) => {
    const address = { host: '127.0.0.1', port: port++ }
    return { identity: ids[i]!, id: ids[i]!.id, address, record: recordOf(ids[i]!, { name, host: address.host, port: address.port }) }
  })
  // as if it had held them before a restart
  const holder = net.add({ init: { name: 'the holder', ...init }, snapshot: heldState(LIST, held.map(p => p.record), T0) })
  assert.is(((await holder.request({ type: 'lists.stats' })) as ListsStatsReply).records, held.length)
  await net.advance(1500) // the holder's record exists once it learned its address
  return { net, holder, held, asker: peer('asker') }
}

type SearchReply = { records: WireRecord[], next?: Uint8Array, token?: Uint8Array }

async function pcSearch (net: FakeNet, from: Peer, to: FakeNode,
  a: Record<string, unknown>): Promise<{ r: SearchReply, q: FakeNet['queries'][number] }> {
  const res = await net.send(from, to.address, 'pc_search', a) as TransportResponse
  const parsed = parseReply('pc_search', res.r)
  assert.ok(parsed.ok, 'the reply passes the pc_search reply guard')
  return { r: (parsed as { reply: SearchReply }).reply, q: net.queries[net.queries.length - 1]! }
}

/** Pages through every match of `q` at `to`, with the token from the first reply. */
async function all (net: FakeNet, from: Peer, to: FakeNode, q: string): Promise<{ names: string[], pages: number }> {
  const first = await pcSearch(net, from, to, { q })
  const names = first.r.records.map(w => recordFromWire(w)!.n)
  let next = first.r.next
  let pages = 1
  while (next !== undefined && pages < 50) {
    const p = await pcSearch(net, from, to, { q, cursor: next, token: first.r.token })
    names.push(...p.r.records.map(w => recordFromWire(w)!.n))
    next = p.r.next
    pages++
  }
  return { names, pages }
}

async function refusal (promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    assert.is(codeOf(err), 'ERR_RPC_REMOTE', String((err as Error).message))
    return (err as Error).message
  }
  assert.unreachable('expected a KRPC error')
  return ''
}

const bound = suite('pc_search - amplification and tokens')

bound('pc_search - without a token the reply is at most 3× the query and carries a token and the next cursor', async () => {
  const { net, holder, asker } = await holding(Array.from({ length: 10 }, (_, i) => `Shared ${i}`))
  const { r, q } = await pcSearch(net, asker, holder, { q: 'shared' })
  assert.ok(q.replyBytes! <= 3 * q.bytes, `${q.replyBytes} bytes for a ${q.bytes}-byte query`)
  assert.is(q.proven, false)
  assert.ok(r.records.length <= 1, `${r.records.length} records`)
  assert.ok(r.token instanceof Uint8Array && r.token.length === 8)
  assert.ok(r.next !== undefined, 'more to read')
  net.stopAll()
})

bound('pc_search - with the token the querier is proven and a page fills a datagram', async () => {
  const { net, holder, asker } = await holding(Array.from({ length: 10 }, (_, i) => `Shared ${i}`))
  const first = await pcSearch(net, asker, holder, { q: 'shared' })
  const { r, q } = await pcSearch(net, asker, holder, { q: 'shared', token: first.r.token })
  assert.is(q.proven, true)
  assert.ok(r.records.length >= 5, `${r.records.length} records in a proven page`)
  assert.ok(q.replyBytes! <= 1200 + 16, `${q.replyBytes} bytes`)
  net.stopAll()
})

bound('pc_search - a token issued to another address is no proof', async () => {
  const { net, holder, asker } = await holding(Array.from({ length: 10 }, (_, i) => `Shared ${i}`))
  const other = peer('other')
  const theirs = (await pcSearch(net, other, holder, { q: 'shared' })).r.token
  const { q } = await pcSearch(net, asker, holder, { q: 'shared', token: theirs })
  assert.is(q.proven, false)
  assert.ok(q.replyBytes! <= 3 * q.bytes)
  assert.equal(net.queries.filter(x => x.error === 'amplification'), [])
  net.stopAll()
})

bound.run()

const pages = suite('pc_search - pages and matching')

pages('pc_search - paging with the token returns every match once, in id order', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `Shared Name ${i}`)
  const { net, holder, held, asker } = await holding([...names, 'Other One', 'Another'])
  const { names: got, pages: n } = await all(net, asker, holder, 'shared name')
  assert.equal([...got].sort(), [...names].sort())
  assert.ok(n >= 5, `${n} pages`)
  const order = got.map(name => idToHex(held.find(p => p.record.n === name)!.id))
  assert.equal(order, [...order].sort(), 'id order')
  net.stopAll()
})

pages('pc_search - case, accents and prefixes of name tokens; our own record too; others not', async () => {
  const { net, holder, asker } = await holding(['Zoë Éloïse', 'Ada Lovelace', 'Lovelace Ada', 'Adam', 'Bob'])
  assert.equal((await all(net, asker, holder, 'ELO')).names, ['Zoë Éloïse'])
  assert.equal((await all(net, asker, holder, 'ada lov')).names.sort(), ['Ada Lovelace', 'Lovelace Ada'])
  assert.equal((await all(net, asker, holder, 'dam')).names, [])
  assert.equal((await all(net, asker, holder, 'holder')).names, ['the holder'], 'the answering node\'s own record')
  net.stopAll()
})

pages('pc_search - records of every list held are searched, one per peer', async () => {
  const { net, holder, asker } = await holding(['Kim in seven'])
  const elsewhere = identityIn(12)
  const address = { host: '127.0.0.1', port: port++ }
  const rec = recordOf(elsewhere, { name: 'Kim in twelve', ...address })
  const tok = await net.send({ id: elsewhere.id, address }, holder.address, 'pc_list', { list: 12 }) as TransportResponse
  await net.send({ id: elsewhere.id, address }, holder.address, 'pc_announce', { list: 12, record: recordToWire(rec), token: tok.r.token })
  assert.equal((await all(net, asker, holder, 'kim')).names.sort(), ['Kim in seven', 'Kim in twelve'])
  net.stopAll()
})

pages('pc_search - a node that holds nothing answers with its own record or nothing', async () => {
  const net = createFakeNet()
  const lone = net.add({ init: { name: 'Lone Wolf' } })
  await net.advance(1500)
  const asker = peer('asker')
  assert.equal((await all(net, asker, lone, 'wolf')).names, ['Lone Wolf'])
  const none = await pcSearch(net, asker, lone, { q: 'sheep' })
  assert.equal(none.r.records, [])
  assert.is(none.r.next, undefined)
  net.stopAll()
})

pages('pc_search - many held records are matched through the name index in place: nothing is queued on the compute pool', async () => {
  const names = Array.from({ length: 1100 }, (_, i) => i % 100 === 0 ? `Needle ${i}` : `Hay ${i}`)
  const { net, holder, asker } = await holding(names, { maxPerList: 2000 })
  const before = holder.pool.runs
  const got = await all(net, asker, holder, 'needle')
  assert.is(got.names.length, 11)
  assert.is(holder.pool.runs, before, 'no pool task per query')
  net.stopAll()
})

pages.run()

const refused = suite('pc_search - refusals')

refused('pc_search - a cursor that is not an id is a 203 ERR_BAD_SEARCH_CURSOR, counted', async () => {
  const { net, holder, asker } = await holding(['Ada'])
  const msg = await refusal(net.send(asker, holder.address, 'pc_search', { q: 'ada', cursor: new Uint8Array(7) }))
  assert.match(msg, /^203 ERR_BAD_SEARCH_CURSOR/)
  const stats = await holder.request({ type: 'lists.stats' }) as ListsStatsReply
  assert.is(stats.rejected.ERR_BAD_SEARCH_CURSOR, 1)
  net.stopAll()
})

refused('pc_search - a query with no letter or digit is a 203 ERR_BAD_QUERY; an over-long one a 203 from the guard', async () => {
  const { net, holder, asker } = await holding(['Ada'])
  assert.match(await refusal(net.send(asker, holder.address, 'pc_search', { q: '!!! ---' })), /^203 ERR_BAD_QUERY/)
  assert.match(await refusal(net.send(asker, holder.address, 'pc_search', { q: 'x'.repeat(65) })), /^203 q length not 1\.\.64 bytes/)
  assert.match(await refusal(net.send(asker, holder.address, 'pc_search', {})), /^203 q missing/)
  const stats = await holder.request({ type: 'lists.stats' }) as ListsStatsReply
  assert.is(stats.rejected.ERR_BAD_QUERY, 1)
  net.stopAll()
})

refused('pc_search - an empty cursor reads from the start', async () => {
  const { net, holder, asker } = await holding(['Ada', 'Adele'])
  const first = await pcSearch(net, asker, holder, { q: 'ad' })
  const again = await pcSearch(net, asker, holder, { q: 'ad', cursor: new Uint8Array(0), token: first.r.token })
  assert.is(again.r.records.length, 2)
  net.stopAll()
})

refused.run()
