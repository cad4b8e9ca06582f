/**
 * The acceptance scenario on the simulated net (virtual time, the real wire encoding and
 * amplification bound): 100 nodes announcing every second. The same checks run over real UDP
 * sockets in apps/node/test/lists.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { closestListId, idToHex } from '@peerconnect/protocol'
import type { DirectoryPeer, ListsPage, ListsPageReply } from '@peerconnect/protocol'
import { createFakeNet } from './fake-net.js'
import type { FakeNet, FakeNode } from './fake-net.js'

const SIZE = 100
const INTERVAL = 1000
const TTL = 3 * INTERVAL

async function walk (node: FakeNode, limit: number): Promise<{ peers: DirectoryPeer[], pages: number }> {
  const peers: DirectoryPeer[] = []
  let cursor: string | undefined
  for (let pages = 1; pages < 500; pages++) {
    const msg: ListsPage = cursor === undefined ? { type: 'lists.page', limit } : { type: 'lists.page', limit, cursor }
    const r = await node.request(msg) as ListsPageReply
    peers.push(...r.peers)
    if (r.next === null) return { peers, pages }
    cursor = r.next
  }
  throw new Error('the walk did not end')
}

const live = (net: FakeNet): string[] => net.nodes.filter(n => n.alive).map(n => idToHex(n.id)).sort()
const ctx = {} as { net: FakeNet }

const sim = suite('swarm-sim - 100 nodes, 1 s announces')

sim.before(() => {
  ctx.net = createFakeNet()
  for (let i = 0; i < SIZE; i++) ctx.net.add({ init: { announceInterval: INTERVAL } })
})

sim.after(() => {
  ctx.net.stopAll()
})

sim('swarm-sim - within two announce intervals every peer is listed by paging, once, over all 20 lists', async () => {
  const { net } = ctx
  await net.advance(2 * INTERVAL)
  const reader = net.nodes[17]!
  const { peers, pages } = await walk(reader, 10)
  const got = peers.map(p => idToHex(p.record.id))
  assert.equal([...got].sort(), live(net))
  assert.is(new Set(got).size, got.length, 'no duplicates')
  assert.ok(pages >= 10, `${pages} pages of 10`)
  const lists = new Set(net.nodes.map(n => closestListId(n.id).index))
  assert.equal([...new Set(peers.map(p => p.list))].sort((a, b) => a - b), [...lists].sort((a, b) => a - b))
  assert.equal(net.queries.filter(q => q.error === 'amplification'), [], 'no reply over the 3× bound')
})

sim('swarm-sim - ten killed peers are gone within RECORD_TTL + one interval; everyone else is still listed', async () => {
  const { net } = ctx
  const victims = net.nodes.slice(40, 50)
  for (const v of victims) net.kill(v)
  await net.advance(TTL + INTERVAL)
  const reader = net.nodes[3]!
  const got = (await walk(reader, 25)).peers.map(p => idToHex(p.record.id))
  for (const v of victims) assert.not.ok(got.includes(idToHex(v.id)), `${idToHex(v.id)} still listed`)
  assert.equal([...got].sort(), live(net))
})

sim('swarm-sim - steady cost: one announce per holder per interval per node, plus the occasional token', async () => {
  const { net } = ctx
  const before = net.queries.length
  await net.advance(10 * INTERVAL)
  const sent = net.queries.slice(before)
  const announces = sent.filter(q => q.q === 'pc_announce').length
  const alive = net.nodes.filter(n => n.alive).length
  assert.ok(announces >= alive * 8 * 10 && announces <= alive * 8 * 11, `${announces} announces`)
  assert.ok(sent.filter(q => q.q === 'pc_list').length <= alive * 2, 'tokens are reused')
  assert.equal(sent.filter(q => q.error !== undefined).map(q => q.error), [], 'nothing refused, nothing lost')
})

sim.run()
