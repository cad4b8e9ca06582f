import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { firstValueFrom, lastValueFrom, map, toArray } from 'rxjs'
import { bdecode, bencode, createRecord, generateIdentity, isGossipHit, isGossipNote, isGossipSearchDone, isGossipStatsReply, recordToWire,
  reply } from '@peerconnect/protocol'
import type { Message, RoutingContactsReply, TransportInfoReply, TransportQuery, TransportResponse } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { gossip } from '../src/index.js'
import { encodeRumor, extendPath, parseRumor } from '../src/rumor.js'
import type { Rumor, SearchRumor } from '../src/rumor.js'
import { contactOf, idWith, rpcGossip } from './fixtures/gossip-deps.js'

const SELF = idWith(0, 1)
const PEERS = [0x80, 0x40, 0x20, 0x10].map(b => contactOf(idWith(b, 2)))
const UDP = { host: '10.0.0.1', port: 6881 }
const sent: Rumor[] = []

/** Inline stand-ins for the transport (records pc_gossip queries) and routing (a fixed table). */
const fakeTransport = defineActor<null>({
  name: 'transport',
  consumes: ['transport.query', 'transport.info'],
  create: () => in$ => in$.pipe(map(m => {
    if (m.type === 'transport.info') {
      return reply(m, { type: 'transport.info.reply', id: SELF, udp: UDP, stats: {} } satisfies TransportInfoReply)
    }
    const q = m as TransportQuery
    const parsed = parseRumor((q.a as { m?: unknown }).m)
    if (parsed.ok) sent.push(parsed.rumor)
    return reply(m, { type: 'transport.response', from: q.to, id: PEERS[0]!.id, r: {}, rtt: 1, bytes: 100 } satisfies TransportResponse)
  }))
})

const fakeRouting = defineActor<null>({
  name: 'routing',
  consumes: ['routing.contacts'],
  create: () => in$ =>
    in$.pipe(
      map(m => reply(m, { type: 'routing.contacts.reply', self: SELF, contacts: PEERS, buckets: [] } satisfies RoutingContactsReply))
    )
})

const wire = (r: Rumor): unknown => (bdecode(bencode(encodeRumor(r))) as { value: unknown }).value

const worker = suite('gossip - in a worker')

worker('gossip - runs in a worker thread: publish, notes in, search with hits, stats', withTimeout(30_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(fakeTransport(null), { host: 'inline' })
    await sup.start(fakeRouting(null), { host: 'inline' })
    await sup.start(gossip({ id: SELF }), { host: 'worker' })
    assert.is(sup.stats().find(s => s.name === 'gossip')!.host, 'worker')
    const viewSize = async (): Promise<number> =>
      ((await lastValueFrom(sup.ask({ type: 'gossip.stats' }))) as Message & { viewSize: number }).viewSize
    await waitFor(async () => await viewSize() === PEERS.length, { what: 'the view loaded from routing.contacts' })

    const [published] = await lastValueFrom(
      sup.ask({ type: 'gossip.publish', topic: 'chat', data: new Uint8Array([1, 2]) } as Message).pipe(toArray())
    )
    assert.is((published as Message & { sent: number }).sent, 3)
    assert.ok(sent.length === 3 && sent.every(r => r.kind === 'note'), 'rumors crossed the thread as bytes and parse')

    const note$ = firstValueFrom(sup.messages$(['gossip.note']))
    const origin = idWith(0x99)
    const incoming: Rumor = { kind: 'note', id: new Uint8Array(8).fill(4), hops: 1, origin, depth: 0,
      path: extendPath(new Uint8Array(0), origin), topic: 'weather', data: new Uint8Array([7]) }
    const [ack] = await lastValueFrom(sup.ask(rpcGossip(wire(incoming), { id: PEERS[1]!.id })).pipe(toArray()))
    assert.is(ack!.type, 'rpc.reply')
    const note = await note$
    assert.ok(isGossipNote(note))
    assert.is(note.topic, 'weather')
    assert.ok(note.data instanceof Uint8Array && note.id instanceof Uint8Array)

    const ada = generateIdentity()
    const record = createRecord(ada, { name: 'Ada', host: '10.0.9.9', port: 7000, seq: 1 })
    const hit$ = firstValueFrom(sup.ask({ type: 'gossip.search', q: 'ada', timeout: 60_000 } as Message, { timeout: 60_000 }))
    const search = await waitForSearch()
    await lastValueFrom(
      sup.ask(
        rpcGossip(wire({ kind: 'hit', id: new Uint8Array(8).fill(5), hops: 1, search: search.search, record: recordToWire(record) }), {
          id: ada.id
        })
      ).pipe(toArray())
    )
    const hit = await hit$
    assert.ok(isGossipHit(hit), hit.type)
    assert.is(hit.record.n, 'Ada')
    assert.ok(hit.record.sig instanceof Uint8Array)
    await waitFor(() => sup.pendingAsks() === 0, { what: 'the first hit ended the ask (cancelled across the thread)' })

    const bounded = await lastValueFrom(
      sup.ask({ type: 'gossip.search', q: 'nobody', timeout: 300 } as Message, { timeout: 10_000 }).pipe(toArray())
    )
    assert.is(bounded.length, 1)
    assert.ok(isGossipSearchDone(bounded[0]))
    assert.is(bounded[0].hits, 0)

    const [stats] = await lastValueFrom(sup.ask({ type: 'gossip.stats' }).pipe(toArray()))
    assert.ok(isGossipStatsReply(stats))
    assert.is(stats.viewSize, PEERS.length)
    assert.is(stats.hitsReceived, 1)
  } finally {
    await sup.stop()
  }
}))

worker.run()

async function waitForSearch (): Promise<SearchRumor> {
  for (let i = 0; i < 200; i++) {
    const found = sent.find((r): r is SearchRumor => r.kind === 'search')
    if (found !== undefined) return found
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error('the search rumor was never sent')
}
