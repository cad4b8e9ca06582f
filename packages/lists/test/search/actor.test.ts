/**
 * search.query on in-process lists actors over the simulated network (virtual time): the lists
 * search through real pc_search queries, hybrid merging with local matches and a scripted gossip
 * actor, the time bound, the result and holder caches, cancellation and bad input.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { closest, generateIdentity, idToHex, LIST_IDS, recordToWire } from '@peerconnect/protocol'
import type { Identity, Message, PeerRecord, SearchHit, TransportResponse } from '@peerconnect/protocol'
import type { ActorFn } from '@peerconnect/runtime'
import { Observable } from 'rxjs'
import { createFakeNet } from '../fake-net.js'
import type { FakeNet, FakeNode } from '../fake-net.js'
import { identitiesIn, identityIn, recordOf, signedBy } from '../fixtures.js'
import { addWithGossip, ask, doneOf, hitsOf, hostile, search } from './search-net.js'
import type { GossipLog, GossipScript } from './search-net.js'

const NO_GOSSIP: GossipScript = { hits: [] }

/**
 * A swarm: 8 nodes in each of lists 3 and 10 (so those lists' holders are known), a few elsewhere, then `extra` named
 * nodes; 3 s of announces.
 */
async function swarm (extra: ReadonlyArray<{ name: string, list?: number }>,
  opts: { searcher?: { name: string, identity?: Identity }, script?: GossipScript | ((q: string) => GossipScript), log?: GossipLog,
    init?: Record<string, unknown> } = {}): Promise<{ net: FakeNet, searcher: FakeNode, named: Map<string, FakeNode> }> {
  const net = createFakeNet()
  for (const id of [...identitiesIn(3, 8), ...identitiesIn(10, 8)]) net.add({ identity: id, init: opts.init })
  for (let i = 0; i < 4; i++) net.add({ init: opts.init })
  const named = new Map<string, FakeNode>()
  for (const e of extra) {
    named.set(e.name,
      net.add({ identity: e.list === undefined ? generateIdentity() : identityIn(e.list), init: { name: e.name, ...opts.init } }))
  }
  const s = opts.searcher ?? { name: 'the searcher', identity: identityIn(0) }
  const searcher = addWithGossip(net, { name: s.name, identity: s.identity, script: opts.script ?? NO_GOSSIP, log: opts.log,
    init: opts.init })
  await net.advance(3000)
  return { net, searcher, named }
}

function sentBy (net: FakeNet, node: FakeNode, q: string): number {
  const from = `${node.address.host}:${node.address.port}`
  return net.queries.filter(x => x.from === from && x.q === q).length
}

function lookupsBy (net: FakeNet, node: FakeNode, list?: number): number {
  return net.asks.filter(a =>
    a.node === node && a.msg.type === 'crawler.lookup' &&
    (list === undefined || idToHex((a.msg as unknown as { target: Uint8Array }).target) === idToHex(LIST_IDS[list]!))
  ).length
}

function recordOfNode (node: FakeNode, name: string): PeerRecord {
  return recordOf(node.identity, { name, host: node.address.host, port: node.address.port, seq: 1 })
}

// ── lists ────────────────────────────────────────────────────────────────────────────────────

const lists = suite('search actor - lists')

lists('search actor - a unique name is found through the lists: one hit tagged lists, streamed before done', async () => {
  const { net, searcher, named } = await swarm([{ name: 'Zoë Unique', list: 10 }])
  const s = await search(net, searcher, 'zoe uniq', { via: 'lists' })
  assert.equal(hitsOf(s), ['Zoë Unique@lists'])
  const hit = s.replies[0]!.msg as SearchHit
  assert.is(idToHex(hit.record.id), idToHex(named.get('Zoë Unique')!.id))
  assert.is(hit.end, false)
  assert.is(doneOf(s).hits, 1)
  assert.ok(sentBy(net, searcher, 'pc_search') > 0)
  assert.equal(net.queries.filter(q => q.error === 'amplification'), [], 'every reply kept the 3× bound')
  net.stopAll()
})

lists('search actor - a prefix shared by many peers finds every one of them, once', async () => {
  const names = Array.from({ length: 12 }, (_, i) => ({ name: `Shared Prefix ${i}` }))
  const { net, searcher } = await swarm([...names, { name: 'Someone Else' }, { name: 'Sharon' }])
  const s = await search(net, searcher, 'shared pre', { via: 'lists' })
  assert.equal(hitsOf(s).sort(), names.map(n => `${n.name}@lists`).sort())
  assert.is(doneOf(s).hits, 12)
  net.stopAll()
})

lists('search actor - many matches in one list are read page by page from its holders', async () => {
  const { net, searcher } = await swarm([])
  const holders = closest(net.nodes.filter(n => n !== searcher), LIST_IDS[3]!, 8, n => n.id)
  const ids = identitiesIn(3, 24)
  const records = ids.map((id, i) => recordOf(id, { name: `Crowd ${i}`, host: '127.0.0.1', port: 20_000 + i }))
  for (const h of holders) {
    for (const [i, r] of records.entries()) { // each peer announces itself to the holders
      const from = { id: ids[i]!.id, address: { host: '127.0.0.1', port: 20_000 + i } }
      const tok = await net.send(from, h.address, 'pc_list', { list: 3 }) as TransportResponse
      await net.send(from, h.address, 'pc_announce', { list: 3, record: recordToWire(r), token: tok.r.token })
    }
  }
  const s = await search(net, searcher, 'crowd', { via: 'lists' })
  assert.is(hitsOf(s).length, 24)
  const paged = net.queries.filter(q => q.q === 'pc_search' && q.a.cursor !== undefined && q.a.token !== undefined)
  assert.ok(paged.length >= 3, `${paged.length} follow-up pages with the token`)
  assert.equal(net.queries.filter(q => q.error === 'amplification'), [])
  net.stopAll()
})

lists('search actor - forged, renamed-away and non-matching records from a hostile holder are never hits', async () => {
  const net = createFakeNet()
  const liar = identityIn(5)
  const victim = identityIn(5)
  const honest = recordOf(liar, { name: 'Mallory Match', host: '127.0.0.1', port: 1 })
  const forged = { ...recordToWire(recordOf(victim, { name: 'Mallory Forged' })), sig: new Uint8Array(64).fill(1) }
  const wrongName = recordToWire(recordOf(generateIdentity(), { name: 'Alice' }))
  const unsigned = recordToWire(signedBy(victim, { ...recordOf(victim, { name: 'x' }), n: 'Mallory Tampered' }))
  net.add({ identity: liar,
    actor: hostile(() => [forged, wrongName, { ...unsigned, n: new TextEncoder().encode('Mallory Tampered 2') }, recordToWire(honest)]) })
  for (let i = 0; i < 3; i++) net.add()
  const searcher = addWithGossip(net, { name: 'searcher', script: NO_GOSSIP, init: { search: { holders: 8 } } })
  await net.advance(3000)
  const s = await search(net, searcher, 'mallory', { via: 'lists' })
  assert.equal(hitsOf(s), ['Mallory Match@lists'])
  net.stopAll()
})

lists('search actor - a silent holder is replaced by the next one, and its list is looked up again next time', async () => {
  const { net, searcher } = await swarm([{ name: 'Quiet Target', list: 10 }], { init: { search: { holders: 1 } } })
  const first = await search(net, searcher, 'quiet', { via: 'lists' })
  assert.equal(hitsOf(first), ['Quiet Target@lists'])
  const lookups = lookupsBy(net, searcher, 10)
  const holder = closest(net.nodes.filter(n => n !== searcher && n.alive), LIST_IDS[10]!, 1, n => n.id)[0]!
  net.kill(holder) // the first holder asked (perhaps the target itself: the others still hold its record)
  const second = await search(net, searcher, 'quiet target', { via: 'lists' })
  assert.equal(hitsOf(second), ['Quiet Target@lists'], 'found through the next holder')
  assert.is(lookupsBy(net, searcher, 10), lookups, 'the cached holders were used')
  await search(net, searcher, 'target', { via: 'lists' })
  assert.is(lookupsBy(net, searcher, 10), lookups + 1, 'the list was looked up again after its holder went silent')
  net.stopAll()
})

lists('search actor - holders are reused within holderTtl, then looked up again', async () => {
  const { net, searcher } = await swarm([{ name: 'Ada' }], { init: { search: { holderTtl: 5000 } } })
  await search(net, searcher, 'ada', { via: 'lists' })
  const others = (): number => lookupsBy(net, searcher) - lookupsBy(net, searcher, 0) // list 0 is the announcer's own
  const after = others()
  await search(net, searcher, 'ad', { via: 'lists' })
  assert.is(others(), after, 'no lookup within the window')
  await net.advance(5000)
  await search(net, searcher, 'a', { via: 'lists' })
  assert.is(others(), after + 19, 'every list looked up again after it')
  net.stopAll()
})

lists.run()

// ── hybrid ───────────────────────────────────────────────────────────────────────────────────

const hybrid = suite('search actor - hybrid')

hybrid('search actor - local first, then the lists, then gossip; each peer once, tagged by the part that found it first', async () => {
  const outsider = recordOf(generateIdentity(), { name: 'Ada Outside', host: '127.0.0.1', port: 9 })
  const log: GossipLog = { asks: [] }
  let twin: PeerRecord | undefined
  const script = (): GossipScript => ({ hits: [{ record: twin!, at: 400 }, { record: outsider, at: 500 }] })
  const { net, searcher, named } = await swarm([{ name: 'Ada Two', list: 10 }], { searcher: { name: 'Ada Self', identity: identityIn(0) },
    script, log })
  twin = recordOfNode(named.get('Ada Two')!, 'Ada Two')
  const s = await search(net, searcher, 'ada')
  assert.equal(hitsOf(s), ['Ada Self@local', 'Ada Two@lists', 'Ada Outside@gossip'])
  assert.is(doneOf(s).hits, 3)
  assert.is(log.asks.length, 1)
  net.stopAll()
})

hybrid('search actor - records the directory showed lately are local matches', async () => {
  const { net, searcher } = await swarm([{ name: 'Paged Person', list: 10 }])
  await searcher.request({ type: 'lists.page', limit: 100 } as Message)
  const s = await search(net, searcher, 'paged')
  assert.equal(hitsOf(s), ['Paged Person@local'])
  net.stopAll()
})

hybrid('search actor - the gossip part lasts the gossip window; the search ends when every part has', async () => {
  const log: GossipLog = { asks: [] }
  const { net, searcher } = await swarm([{ name: 'Ada' }], { script: NO_GOSSIP, log, init: { search: { gossipWindow: 600 } } })
  const started = net.now()
  const s = await search(net, searcher, 'ada', { timeout: 3000 })
  const asked = log.asks[0]!
  assert.is(asked.at - started + asked.timeout!, 600, 'and lasts until the window ends')
  const done = doneOf(s)
  assert.ok(done.at - started >= 600 && done.at - started < 700, `done after ${done.at - started} ms`)
  assert.is(done.ms, done.at - started)
  const short = await search(net, searcher, 'bob', { timeout: 200 })
  assert.ok(log.asks[1]!.timeout! <= 200, 'never longer than the bound')
  assert.ok(doneOf(short).ms <= 200)
  net.stopAll()
})

hybrid('search actor - the rumor goes out once every list has answered once, not with the first queries', async () => {
  const log: GossipLog = { asks: [] }
  let seen = -1
  const { net, searcher } = await swarm([{ name: 'Ada' }], { script: () => {
    seen = net.queries.length
    return NO_GOSSIP
  }, log })
  const from = `${searcher.address.host}:${searcher.address.port}`
  const mark = net.queries.length
  const started = net.now()
  await search(net, searcher, 'ada')
  const before = net.queries.slice(mark, seen).filter(x => x.from === from && x.q === 'pc_search')
  assert.ok(before.length >= 20, `one pc_search per list went out before the rumor (${before.length})`)
  assert.ok(before.every(x => x.replyBytes !== undefined || x.error !== undefined), 'and each was answered')
  assert.ok(log.asks[0]!.at - started < 100, 'within the head start')
  net.stopAll()
})

hybrid('search actor - when the likely holders stay silent the rumor goes out at the head start', async () => {
  const log: GossipLog = { asks: [] }
  const net = createFakeNet()
  const silent: ActorFn = in$ =>
    new Observable<Message>(() => {
      const s = in$.subscribe()
      return () => s.unsubscribe()
    })
  for (let i = 0; i < 6; i++) net.add({ actor: silent })
  const searcher = addWithGossip(net, { name: 'the searcher', identity: identityIn(0), script: NO_GOSSIP, log,
    init: { search: { headStart: 250 } } })
  await net.advance(3000)
  const started = net.now()
  await search(net, searcher, 'ada')
  assert.is(log.asks.length, 1)
  assert.is(log.asks[0]!.at - started, 250)
  net.stopAll()
})

hybrid('search actor - without a gossip actor a hybrid search still finds local and lists hits', async () => {
  const net = createFakeNet()
  for (const id of identitiesIn(10, 8)) net.add({ identity: id })
  const target = net.add({ identity: identityIn(10), init: { name: 'Grace Hopper' } })
  const searcher = net.add({ identity: identityIn(0), init: { name: 'Grace Self' } })
  await net.advance(3000)
  const s = await search(net, searcher, 'grace')
  assert.equal(hitsOf(s), ['Grace Self@local', 'Grace Hopper@lists'])
  assert.ok(target.alive)
  assert.ok(doneOf(s).ms < 3000, 'the missing gossip part ended at once, not at the bound')
  net.stopAll()
})

hybrid.run()

// ── the bound ────────────────────────────────────────────────────────────────────────────────

const bound = suite('search actor - time bound')

bound('search actor - a part still running at the bound: done at the bound, with what arrived; the part is unsubscribed', async () => {
  const log: GossipLog = { asks: [] }
  const early = recordOf(generateIdentity(), { name: 'Early Bird', host: '127.0.0.1', port: 5 })
  const late = recordOf(generateIdentity(), { name: 'Early Late', host: '127.0.0.1', port: 6 })
  const { net, searcher } = await swarm([], { script: { hits: [{ record: early, at: 100 }, { record: late, at: 900 }], endless: true },
    log })
  const started = net.now()
  const s = await search(net, searcher, 'early', { via: 'gossip', timeout: 500 })
  assert.equal(hitsOf(s), ['Early Bird@gossip'])
  assert.is(doneOf(s).at - started, 500)
  assert.is(doneOf(s).ms, 500)
  assert.is(log.asks[0]!.cancelled, true)
  assert.ok(s.replies[0]!.at - started >= 100 && s.replies[0]!.at - started < 500, 'the hit came as it arrived')
  net.stopAll()
})

bound('search actor - timeout 0 ends at once; a timeout over a minute is capped', async () => {
  const log: GossipLog = { asks: [] }
  const { net, searcher } = await swarm([], { script: NO_GOSSIP, log })
  const zero = await search(net, searcher, 'nobody', { via: 'gossip', timeout: 0 })
  assert.equal(doneOf(zero).hits, 0)
  assert.is(doneOf(zero).ms, 0)
  await search(net, searcher, 'someone', { via: 'gossip', timeout: 3_600_000 })
  assert.is(log.asks[1]!.timeout, 60_000)
  net.stopAll()
})

bound.run()

// ── caches ───────────────────────────────────────────────────────────────────────────────────

const cache = suite('search actor - result cache')

cache('search actor - the same query (any case, accents or order) and via is replayed from the cache: nothing leaves the node',
  async () => {
    const { net, searcher } = await swarm([{ name: 'Éloïse Dupont' }])
    const first = await search(net, searcher, 'eloise dup', { via: 'lists' })
    assert.equal(hitsOf(first), ['Éloïse Dupont@lists'])
    const queries = net.queries.length
    const lookups = lookupsBy(net, searcher)
    const again = await search(net, searcher, 'DUP Éloïse', { via: 'lists' })
    assert.equal(hitsOf(again), hitsOf(first))
    assert.is(doneOf(again).ms, 0)
    assert.is(net.queries.length, queries, 'no query at all for the replay')
    assert.is(lookupsBy(net, searcher), lookups, 'no lookup either')
    net.stopAll()
  })

cache('search actor - another via is another entry', async () => {
  const log: GossipLog = { asks: [] }
  const { net, searcher } = await swarm([{ name: 'Vera' }], { script: NO_GOSSIP, log })
  await search(net, searcher, 'vera', { via: 'lists' })
  const pc = sentBy(net, searcher, 'pc_search')
  await search(net, searcher, 'vera', { via: 'gossip', timeout: 300 })
  assert.is(log.asks.length, 1, 'the gossip search ran')
  await search(net, searcher, 'vera', { via: 'hybrid', timeout: 300 })
  assert.ok(sentBy(net, searcher, 'pc_search') > pc, 'the hybrid search asked the lists again')
  net.stopAll()
})

cache('search actor - search.invalidate drops results and holders; results also expire after resultTtl', async () => {
  const { net, searcher } = await swarm([{ name: 'Wanda' }], { init: { search: { resultTtl: 4000 } } })
  await search(net, searcher, 'wanda', { via: 'lists' })
  let pc = sentBy(net, searcher, 'pc_search')
  const lookups = lookupsBy(net, searcher)
  const inv = await ask(net, searcher, { type: 'search.invalidate' }).run()
  assert.is(inv.replies[0]!.msg.type, 'search.invalidate.reply')
  const after = await search(net, searcher, 'wanda', { via: 'lists' })
  assert.equal(hitsOf(after), ['Wanda@lists'])
  assert.ok(sentBy(net, searcher, 'pc_search') > pc, 'asked the holders again')
  assert.ok(lookupsBy(net, searcher) >= lookups + 20, 'and looked every list up again')
  pc = sentBy(net, searcher, 'pc_search')
  await search(net, searcher, 'wanda', { via: 'lists' })
  assert.is(sentBy(net, searcher, 'pc_search'), pc, 'cached')
  await net.advance(4000)
  await search(net, searcher, 'wanda', { via: 'lists' })
  assert.ok(sentBy(net, searcher, 'pc_search') > pc, 'expired')
  net.stopAll()
})

cache('search actor - a search cut short by its bound does not answer a longer one', async () => {
  const log: GossipLog = { asks: [] }
  const { net, searcher } = await swarm([], { script: { hits: [], endless: true }, log })
  await search(net, searcher, 'xyz', { via: 'gossip', timeout: 100 })
  await search(net, searcher, 'xyz', { via: 'gossip', timeout: 50 })
  assert.is(log.asks.length, 1, 'a shorter search is answered from it')
  await search(net, searcher, 'xyz', { via: 'gossip', timeout: 400 })
  assert.is(log.asks.length, 2, 'a longer one runs')
  net.stopAll()
})

cache.run()

// ── cancel and bad input ─────────────────────────────────────────────────────────────────────

const cancel = suite('search actor - cancel and bad input')

cancel('search actor - actor.cancel ends a running search: no more replies, no more pc_search, gossip unsubscribed', async () => {
  const log: GossipLog = { asks: [] }
  const { net, searcher } = await swarm([{ name: 'Target', list: 10 }], { script: { hits: [], endless: true }, log,
    init: { search: { concurrency: 1 } } })
  await search(net, searcher, 'warm', { via: 'lists' }) // the holders are cached now
  // slow the search down: silent holders time out, one by one
  for (const n of net.nodes.filter(n => n !== searcher).slice(0, 12)) net.kill(n)
  const s = ask(net, searcher, { type: 'search.query', q: 'target', timeout: 30_000 } as Message)
  await net.advance(150) // past the head start: the rumor is out
  assert.is(log.asks.length, 1)
  const sentBefore = sentBy(net, searcher, 'pc_search')
  searcher.publish({ type: 'actor.cancel', ask: s.cid } as Message)
  const replies = s.replies.length
  await net.advance(20_000)
  assert.is(s.replies.length, replies, 'nothing after the cancel')
  assert.is(s.ended, false)
  assert.is(sentBy(net, searcher, 'pc_search'), sentBefore, 'no pc_search after the cancel')
  assert.is(log.asks[0]!.cancelled, true)
  net.stopAll()
})

cancel('search actor - a bad query is an ERR_BAD_QUERY error reply (empty, over 64 bytes, no letter or digit)', async () => {
  const { net, searcher } = await swarm([])
  for (const q of ['', '   ', 'x'.repeat(65), 'é'.repeat(33), '?!', 'a\uD800']) {
    const s = await ask(net, searcher, { type: 'search.query', q } as Message).run()
    const r = s.replies[0]!.msg as unknown as { type: string, error: { code: string } }
    assert.is(r.type, 'error', JSON.stringify(q))
    assert.is(r.error.code, 'ERR_BAD_QUERY', JSON.stringify(q))
  }
  assert.is(sentBy(net, searcher, 'pc_search'), 0)
  net.stopAll()
})

cancel('search actor - a published search.query (not an ask) starts nothing', async () => {
  const log: GossipLog = { asks: [] }
  const { net, searcher } = await swarm([{ name: 'Ada' }], { log })
  const pc = sentBy(net, searcher, 'pc_search')
  const out = searcher.out.length
  searcher.publish({ type: 'search.query', q: 'ada' } as Message)
  await net.advance(4000)
  assert.is(sentBy(net, searcher, 'pc_search'), pc)
  assert.is(log.asks.length, 0)
  assert.equal(searcher.out.slice(out).filter(m => m.type.startsWith('search.')), [])
  net.stopAll()
})

cancel('search actor - a malformed search.query is ERR_BAD_REQUEST', async () => {
  const { net, searcher } = await swarm([])
  for (const msg of [{ type: 'search.query' }, { type: 'search.query', q: 'ada', via: 'pigeon' }, { type: 'search.query', q: 'ada',
    timeout: -1 }, { type: 'search.query', q: 7 }]) {
    const s = await ask(net, searcher, msg).run()
    const r = s.replies[0]!.msg as unknown as { type: string, error: { code: string } }
    assert.is(r.error.code, 'ERR_BAD_REQUEST', JSON.stringify(msg))
  }
  net.stopAll()
})

cancel.run()
