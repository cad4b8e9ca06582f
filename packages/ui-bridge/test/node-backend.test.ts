import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { NEVER, Observable, Subject, of } from 'rxjs'
import { idToHex, reply } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { uiBridgeActor } from '../src/index.js'
import type { UiBridgeInit } from '../src/index.js'
import { askError, fakeClock, uiDeps, fakeNode, fakePeer, searchReplies, sha256Fingerprint, T0 } from './node-fakes.js'
import type { FakeClock, FakeNode } from './node-fakes.js'
import { errorCode, get, ndjson } from './http.js'

const T = 10_000

/** Runs the actor over `node`, calls `fn` with the server URL, always stops it. */
async function withActor (node: FakeNode, fn: (url: string) => Promise<void>,
  opts: { init?: Partial<UiBridgeInit>, clock?: FakeClock } = {}): Promise<void> {
  const in$ = new Subject<Message>()
  const out: Message[] = []
  const sub = uiBridgeActor({ name: 'me', processMetrics: false, checkInterval: 60_000, ...opts.init })(in$,
    uiDeps(node.ask, { clock: opts.clock })).subscribe(m => out.push(m))
  try {
    const ready = await waitFor(() => out.find(m => m.type === 'ui.ready') as (Message & { url: string }) | undefined, { what: 'ui.ready' })
    await fn(ready.url)
  } finally {
    sub.unsubscribe()
  }
}

const status = suite('node backend - /api/status')

status('status - composed from transport.info, routing.contacts, supervisor.stats and lists.stats', withTimeout(T, async () => {
  const clock = fakeClock(T0)
  const node = fakeNode({ peers: [fakePeer('a', 4000), fakePeer('b', 4001)] })
  await withActor(node, async (url) => {
    clock.advance(61_000)
    const res = await get(url + '/api/status')
    assert.is(res.status, 200)
    assert.equal(res.json, {
      id: idToHex(node.self.id),
      name: 'me',
      udp: '127.0.0.1:6881',
      api: url,
      uptime: 61_000,
      peers: 2,
      actors: [{ name: 'transport', host: 'inline', threadId: 0, restarts: 0 }, { name: 'routing', host: 'worker', threadId: 2,
        restarts: 1 }],
      lists: { held: 2, records: 9 },
      buckets: [1, 2, 3]
    })
  }, { clock })
}))

status('status - without supervisor.stats, lists or routing answering, the rest is still shown', withTimeout(T, async () => {
  const node = fakeNode({ peers: [fakePeer('a', 4000)] })
  for (const type of ['supervisor.stats', 'lists.stats', 'routing.contacts']) node.answers.set(type, () => askError('ERR_NO_CONSUMER'))
  await withActor(node, async (url) => {
    const res = await get(url + '/api/status')
    assert.is(res.status, 200)
    const body = res.json as { actors: unknown[], lists: unknown, peers: number, buckets: unknown[], id: string }
    assert.equal([body.actors, body.lists, body.buckets], [[], { held: 0, records: 0 }, []])
    assert.is(body.id, idToHex(node.self.id))
  })
}))

status('status - an ask that times out degrades like a missing actor', withTimeout(T, async () => {
  const node = fakeNode()
  node.answers.set('lists.stats', () => askError('ERR_ASK_TIMEOUT'))
  await withActor(node, async (url) => {
    const res = await get(url + '/api/status')
    assert.is(res.status, 200)
    assert.equal((res.json as { lists: unknown }).lists, { held: 0, records: 0 })
  })
}))

status('status - no transport (the node is not running) is a 503 with the ask\'s code', withTimeout(T, async () => {
  const node = fakeNode()
  node.answers.set('transport.info', () => askError('ERR_NO_CONSUMER'))
  await withActor(node, async (url) => {
    const res = await get(url + '/api/status')
    assert.is(res.status, 503)
    assert.is(errorCode(res), 'ERR_NO_CONSUMER')
  })
}))

status('status - a reply of the wrong shape is a 500 ERR_UNEXPECTED_REPLY, not a crash', withTimeout(T, async () => {
  const node = fakeNode()
  node.answers.set('transport.info', m => of(reply(m, { type: 'transport.info.reply', id: 'not an id' })))
  await withActor(node, async (url) => {
    const res = await get(url + '/api/status')
    assert.is(res.status, 500)
    assert.is(errorCode(res), 'ERR_UNEXPECTED_REPLY')
    assert.is((await get(url + '/')).status, 200, 'still serving')
  })
}))

status.run()

const directory = suite('node backend - /api/peers')

directory('peers - a page of the directory as Peers, with the next cursor; the cursor is passed on', withTimeout(T, async () => {
  const peers = Array.from({ length: 5 }, (_, i) => fakePeer(`p${i}`, 4000 + i))
  const node = fakeNode({ peers })
  await withActor(node, async (url) => {
    const first = await get(url + '/api/peers?limit=3')
    assert.is(first.status, 200)
    const body = first.json as { peers: Array<{ id: string, name: string, address: string, status: string, lastSeen: number }>,
      next: string }
    assert.equal(body.peers.map(p => p.name), ['p0', 'p1', 'p2'])
    assert.equal(body.peers[0], { id: peers[0]!.hex, name: 'p0', address: '127.0.0.1:4000', status: 'online', lastSeen: T0,
      key: sha256Fingerprint(peers[0]!.record.k) }, 'seen by routing at T0, after its last announce')
    assert.is(body.next, '3')
    assert.equal((first.json as { holders: unknown }).holders, [{ list: 0, answered: 3 }], 'how many holders of each list read answered')
    const second = await get(url + `/api/peers?limit=3&cursor=${body.next}`)
    assert.equal((second.json as { peers: Array<{ name: string }> }).peers.map(p => p.name), ['p3', 'p4'])
    assert.is((second.json as { next: unknown }).next, null)
    assert.equal(node.asks('lists.page').map(m => [(m as Message & { cursor?: string }).cursor, (m as Message & { limit: number }).limit]),
      [[undefined, 3], ['3', 3]])
  })
}))

directory('peers - a directory peer the live list does not know keeps its last announce as last seen', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada] })
  node.contacts = []
  await withActor(node, async (url) => {
    const body = (await get(url + '/api/peers')).json as { peers: Array<{ lastSeen: number, status: string }> }
    assert.equal([body.peers[0]?.lastSeen, body.peers[0]?.status], [T0 - 1000, 'online'])
  })
}))

directory('peers - a directory peer known offline by the live list is shown offline', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000, T0 - 60_000)
  const node = fakeNode({ peers: [ada] })
  node.dead.add(4000)
  await withActor(node, async (url) => {
    await waitFor(() => node.asks('liveness.check').length === 1, { what: 'the check' })
    await waitFor(async () => ((await get(url + '/api/peers')).json as { peers: Array<{ status: string }> }).peers[0]?.status === 'offline',
      { what: 'offline' })
  }, { init: { staleAfter: 1000 } })
}))

directory('peers - a cursor the lists cannot read is a 400 ERR_BAD_CURSOR', withTimeout(T, async () => {
  await withActor(fakeNode(), async (url) => {
    const res = await get(url + '/api/peers?cursor=zz')
    assert.is(res.status, 400)
    assert.is(errorCode(res), 'ERR_BAD_CURSOR')
  })
}))

directory('peers - bad limits never reach the lists', withTimeout(T, async () => {
  const node = fakeNode()
  await withActor(node, async (url) => {
    for (const q of ['limit=0', 'limit=201', 'limit=x', 'limit=1.5']) assert.is((await get(url + '/api/peers?' + q)).status, 400, q)
    assert.is(node.asks('lists.page').length, 0)
  })
}))

directory('peers - no lists actor: 503 ERR_NO_CONSUMER', withTimeout(T, async () => {
  const node = fakeNode()
  node.answers.set('lists.page', () => askError('ERR_NO_CONSUMER'))
  await withActor(node, async (url) => {
    const res = await get(url + '/api/peers')
    assert.is(res.status, 503)
    assert.is(errorCode(res), 'ERR_NO_CONSUMER')
  })
}))

directory('peers - directory names are learned: a live peer later added needs no pc_record', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada] })
  node.contacts = []
  await withActor(node, async (url) => {
    await get(url + '/api/peers')
    node.contacts = [ada.contact]
    const res = await get(url + `/api/peers/${ada.hex}`)
    assert.is((res.json as { name: string }).name, 'ada')
    assert.is(node.asks('transport.query').length, 0)
  })
}))

directory.run()

const lookup = suite('node backend - /api/peers/:id')

lookup('lookup - a live peer is answered from the live list, with its name', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada] })
  await withActor(node, async (url) => {
    await waitFor(() => node.asks('routing.contacts').length > 0, { what: 'first sweep' })
    const res = await get(url + `/api/peers/${ada.hex.toUpperCase()}`)
    assert.is(res.status, 200)
    assert.equal(res.json, { id: ada.hex, name: 'ada', address: '127.0.0.1:4000', status: 'online', lastSeen: T0,
      key: sha256Fingerprint(ada.record.k) })
    assert.is(node.asks('crawler.find').length, 0)
  })
}))

lookup('lookup - not in the live list but in the routing table: routing.get answers', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada] })
  node.contacts = []
  await withActor(node, async (url) => {
    await waitFor(() => node.asks('routing.contacts').length > 0, { what: 'first sweep' })
    node.contacts = [ada.contact]
    const res = await get(url + `/api/peers/${ada.hex}`)
    assert.is((res.json as { name: string }).name, 'ada')
    assert.is(node.asks('routing.get').length, 1)
    assert.is(node.asks('crawler.find').length, 0)
  })
}))

lookup('lookup - unknown locally: crawler.find on the network, then its record for the name', withTimeout(T, async () => {
  const far = fakePeer('far-away', 4100)
  const node = fakeNode()
  node.peers.set(4100, far)
  node.answers.set('crawler.find',
    m => of(reply(m, { type: 'crawler.result', target: far.id, closest: [], found: far.contact, queries: 9, bytes: 900, ms: 30 })))
  await withActor(node, async (url) => {
    const res = await get(url + `/api/peers/${far.hex}`)
    assert.is(res.status, 200)
    const peer = res.json as { id: string, name: string, address: string, status: string }
    assert.equal([peer.id, peer.name, peer.address, peer.status], [far.hex, 'far-away', '127.0.0.1:4100', 'online'])
    assert.is(node.asks('crawler.find').length, 1)
  })
}))

lookup('lookup - found by nobody: 404 ERR_PEER_NOT_FOUND', withTimeout(T, async () => {
  const node = fakeNode()
  await withActor(node, async (url) => {
    const res = await get(url + `/api/peers/${'ab'.repeat(20)}`)
    assert.is(res.status, 404)
    assert.is(errorCode(res), 'ERR_PEER_NOT_FOUND')
  })
}))

lookup('lookup - a bad id is a 400 before any ask; no crawler is a 503', withTimeout(T, async () => {
  const node = fakeNode()
  node.answers.set('crawler.find', () => askError('ERR_NO_CONSUMER'))
  await withActor(node, async (url) => {
    for (const id of ['abc', 'g'.repeat(40), 'ab'.repeat(21)]) assert.is(errorCode(await get(url + `/api/peers/${id}`)), 'ERR_BAD_ID', id)
    assert.is(node.asks('crawler.find').length, 0)
    const res = await get(url + `/api/peers/${'cd'.repeat(20)}`)
    assert.is(res.status, 503)
  })
}))

lookup('lookup - a name that does not come within the deadline: the peer is answered without it', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const far = fakePeer('far-away', 4100)
  const node = fakeNode({ peers: [ada] })
  node.peers.set(4100, far)
  node.answers.set('transport.query', () => NEVER)
  node.answers.set('crawler.find',
    m => of(reply(m, { type: 'crawler.result', target: far.id, closest: [], found: far.contact, queries: 9, bytes: 900, ms: 30 })))
  await withActor(node, async (url) => {
    await waitFor(() => node.asks('routing.contacts').length > 0, { what: 'first sweep' })
    for (const p of [ada, far]) {
      const t0 = Date.now()
      const res = await get(url + `/api/peers/${p.hex}`)
      assert.is(res.status, 200, p.name)
      assert.is((res.json as { id: string, name: string }).id, p.hex)
      assert.is((res.json as { name: string }).name, '', 'no name yet')
      assert.ok(Date.now() - t0 < 3000, `answered in ${Date.now() - t0} ms`)
    }
  }, { init: { nameTimeout: 300 } })
}))

lookup.run()

const details = suite('node backend - details and the streamed lookup')

/** The list that holds `idHex`'s record, computed here with BigInts: list i's id is floor(i * 2^160 / 20). */
function homeList (idHex: string): number {
  const id = BigInt('0x' + idHex)
  let best = 0
  for (let i = 1; i < 20; i++) if ((((BigInt(i) << 160n) / 20n) ^ id) < (((BigInt(best) << 160n) / 20n) ^ id)) best = i
  return best
}

details('details - a table peer: its verified record (fingerprint, key, sequence, signed address), its list, in the table',
  withTimeout(T, async () => {
    const ada = fakePeer('ada', 4000)
    const node = fakeNode({ peers: [ada] })
    await withActor(node, async (url) => {
      await waitFor(() => node.asks('routing.contacts').length > 0, { what: 'first sweep' })
      const res = await get(url + `/api/peers/${ada.hex}/details`)
      assert.is(res.status, 200)
      const d = res.json as { peer: { name: string, key: string },
        record: { key: string, fingerprint: string, seq: number, address: string }, list: { index: number }, inTable: boolean,
        lastChecked: number | null }
      assert.is(d.peer.name, 'ada')
      assert.equal(d.record, { key: Buffer.from(ada.record.k).toString('hex'), fingerprint: sha256Fingerprint(ada.record.k), seq: 1,
        address: '127.0.0.1:4000' })
      assert.is(d.peer.key, d.record.fingerprint)
      assert.is(d.list.index, homeList(ada.hex))
      assert.is(d.inTable, true)
      const missing = await get(url + `/api/peers/${'ab'.repeat(20)}/details`)
      assert.is(missing.status, 404)
      assert.is(errorCode(await get(url + '/api/peers/xyz/details')), 'ERR_BAD_ID')
    })
  }))

details('details - a BEP 5 node (204 to pc_record) has no record and the name state "none"', withTimeout(T, async () => {
  const plain = fakePeer('plain', 4001)
  const node = fakeNode({ peers: [plain] })
  node.answers.set('transport.query', () => askError('ERR_RPC_REMOTE', '204 Method Unknown'))
  await withActor(node, async (url) => {
    await waitFor(() => node.asks('routing.contacts').length > 0, { what: 'first sweep' })
    const d = (await get(url + `/api/peers/${plain.hex}/details`)).json as { peer: { name: string, nameState?: string, key?: string },
      record: unknown }
    assert.is(d.record, null)
    assert.equal([d.peer.name, d.peer.nameState, d.peer.key], ['', 'none', undefined])
  })
}))

details('lookup stream - progress lines as the crawler reports them, then the peer found with its name', withTimeout(T, async () => {
  const far = fakePeer('far-away', 4100)
  const node = fakeNode()
  node.peers.set(4100, far)
  node.answers.set('crawler.lookup', m =>
    of(
      reply(m, { type: 'crawler.progress', queried: 3, responded: 2, closest: [] }, false),
      reply(m, { type: 'crawler.progress', queried: 7, responded: 5, closest: [far.contact] }, false),
      reply(m, { type: 'crawler.result', target: far.id, closest: [far.contact], found: null, queries: 7, bytes: 700, ms: 21 })
    ))
  await withActor(node, async (url) => {
    const res = await fetch(url + `/api/lookup/${far.hex}`)
    assert.is(res.status, 200)
    const lines: unknown[] = []
    for await (const line of ndjson(res)) lines.push(line)
    assert.equal(lines.slice(0, 2), [{ queried: 3, responded: 2, closest: 0 }, { queried: 7, responded: 5, closest: 1 }])
    const done = lines[2] as { done: boolean, peer: { id: string, name: string, address: string }, queries: number, ms: number }
    assert.equal([done.done, done.peer.id, done.peer.name, done.peer.address, done.queries, done.ms], [true, far.hex, 'far-away',
      '127.0.0.1:4100', 7, 21])
    assert.equal((lines[2] as { closest: string[] }).closest, [far.hex])
    assert.is(lines.length, 3)
    assert.is(errorCode(await get(url + '/api/lookup/nope')), 'ERR_BAD_ID')
  })
}))

details.run()

const search = suite('node backend - /api/search')

search('search - hits stream from search.query as NDJSON, then the done line', withTimeout(T, async () => {
  const peers = [fakePeer('grace', 4000), fakePeer('grace-2', 4001)]
  const node = fakeNode()
  node.answers.set('search.query', m => searchReplies(m, peers.map(p => p.record), { via: 'gossip' }))
  await withActor(node, async (url) => {
    const res = await fetch(url + '/api/search?q=grace&via=gossip&timeout=800')
    assert.is(res.status, 200)
    const lines: unknown[] = []
    for await (const line of ndjson(res)) lines.push(line)
    assert.equal(lines.slice(0, 2).map(l => [(l as { peer: { name: string } }).peer.name, (l as { via: string }).via]), [['grace',
      'gossip'], ['grace-2', 'gossip']])
    assert.equal((lines[1] as { peer: unknown }).peer, { id: peers[1]!.hex, name: 'grace-2', address: '127.0.0.1:4001', status: 'online',
      lastSeen: (lines[1] as { peer: { lastSeen: number } }).peer.lastSeen, key: sha256Fingerprint(peers[1]!.record.k) })
    assert.equal({ ...(lines[2] as object), ms: 0 }, { done: true, hits: 2, ms: 0 })
    const [q] = node.asks('search.query') as Array<Message & { q: string, via: string, timeout: number }>
    assert.equal([q!.q, q!.via, q!.timeout], ['grace', 'gossip', 800])
  })
}))

search('search - the done line says how many list holders answered, when the search says so', withTimeout(T, async () => {
  const peers = [fakePeer('ada', 4000)]
  const node = fakeNode()
  node.answers.set('search.query', m => searchReplies(m, peers.map(p => p.record), { via: 'lists', holders: 5 }))
  await withActor(node, async (url) => {
    const lines: unknown[] = []
    for await (const line of ndjson(await fetch(url + '/api/search?q=ada&via=lists&timeout=800'))) lines.push(line)
    assert.is(lines.length, 2, 'one hit, then the done line: the summary is not a hit')
    assert.equal({ ...(lines[1] as object), ms: 0 }, { done: true, hits: 1, ms: 0, holders: 5 })
  })
}))

search('search - no search owner: 503 ERR_NO_CONSUMER', withTimeout(T, async () => {
  await withActor(fakeNode(), async (url) => {
    const res = await get(url + '/api/search?q=grace')
    assert.is(res.status, 503)
    assert.is(errorCode(res), 'ERR_NO_CONSUMER')
  })
}))

search('search - the client going away cancels the ask (unsubscribed)', withTimeout(T, async () => {
  const node = fakeNode()
  let cancelled = false
  const ada = fakePeer('ada', 4000)
  node.answers.set('search.query', m => new Observable<Message>(sub => {
    sub.next(reply(m, { type: 'search.hit', record: ada.record, via: 'local' }, false))
    return () => {
      cancelled = true
    }
  }))
  await withActor(node, async (url) => {
    const controller = new AbortController()
    const res = await fetch(url + '/api/search?q=ada&timeout=30000', { signal: controller.signal })
    const reader = res.body!.getReader()
    await reader.read()
    controller.abort()
    await waitFor(() => cancelled, { what: 'the ask unsubscribed' })
  })
}))

search('search - bad queries never reach the search owner', withTimeout(T, async () => {
  const node = fakeNode()
  node.answers.set('search.query', () => NEVER)
  await withActor(node, async (url) => {
    for (const q of ['q=', 'q=%20%20', `q=${'x'.repeat(65)}`, 'q=a&via=carrier-pigeon', 'q=a&timeout=5', 'q=a&timeout=x']) {
      assert.is((await get(url + '/api/search?' + q)).status, 400, q)
    }
    assert.is(node.asks('search.query').length, 0)
  })
}))

search.run()

const metrics = suite('node backend - /metrics')

metrics('metrics - per-actor messages, queues and restarts; transport counters; lists; the bridge\'s own', withTimeout(T, async () => {
  const node = fakeNode({ peers: [fakePeer('a', 4000)] })
  await withActor(node, async (url) => {
    const text = (await get(url + '/metrics')).text
    for (const line of [
      'peerconnect_actor_messages_in_total{key="routing"} 20',
      'peerconnect_actor_messages_out_total{key="transport"} 11',
      'peerconnect_actor_queue_depth{key="routing"} 4',
      'peerconnect_actor_restarts_total{key="routing"} 1',
      'peerconnect_supervisor_pending_asks 3',
      'peerconnect_transport_queries_sent_total 12',
      'peerconnect_transport_timeouts_total 2',
      'peerconnect_transport_pending 1',
      'peerconnect_lists_records 9',
      'peerconnect_lists_queries_sent_total{key="pc_list"} 5',
      'peerconnect_lists_rejected_total{key="ERR_BAD_SIGNATURE"} 1',
      'peerconnect_lists_announce_rounds_total 4',
      'peerconnect_lists_announced_rounds_total 3',
      'peerconnect_backend_metrics_up 1'
    ]) assert.ok(text.includes(line), `missing: ${line}`)
    assert.not.ok(text.includes('transport_tcp_port'), 'the TCP port is not a metric')
    assert.match(text, /peerconnect_ui_live_peers \d/)
    assert.match(text, /peerconnect_ui_ask_failures_total\{key="gossip\.stats"\} \d/)
  })
}))

metrics('metrics - gossip counters when a gossip actor answers', withTimeout(T, async () => {
  const node = fakeNode()
  const counters = { received: 5, duplicates: 1, forwarded: 9, failed: 0, dropped: 2, malformed: 0, notesPublished: 0, notesDelivered: 0,
    searches: 1, hitsSent: 0, hitsReceived: 3, seenSize: 4, viewSize: 7, inFlight: 0 }
  node.answers.set('gossip.stats', m => of(reply(m, { type: 'gossip.stats.reply', ...counters })))
  await withActor(node, async (url) => {
    const text = (await get(url + '/metrics')).text
    assert.ok(text.includes('peerconnect_gossip_forwarded_total 9'))
    assert.ok(text.includes('peerconnect_gossip_hits_received_total 3'))
    assert.ok(text.includes('peerconnect_gossip_view_size 7'))
  })
}))

metrics('metrics - with no other actor answering, /metrics still answers 200 with the bridge\'s numbers', withTimeout(T, async () => {
  const node = fakeNode()
  for (const type of ['supervisor.stats', 'transport.info', 'lists.stats']) node.answers.set(type, () => askError('ERR_NO_CONSUMER'))
  await withActor(node, async (url) => {
    const res = await get(url + '/metrics')
    assert.is(res.status, 200)
    assert.ok(res.text.includes('peerconnect_backend_metrics_up 1'))
    assert.not.ok(res.text.includes('peerconnect_actor_messages_in_total{'))
    assert.match(res.text, /peerconnect_ui_ask_failures_total\{key="transport\.info"\} [1-9]/)
  })
}))

metrics.run()
