import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { TestScheduler } from 'rxjs/testing'
import { filter, map, NEVER, Observable, of, takeWhile, throwError, VirtualTimeScheduler } from 'rxjs'
import type { SchedulerLike } from 'rxjs'
import { bdecode, bencode, createRecord, generateIdentity, recordToWire } from '@peerconnect/protocol'
import type { Message, TransportQuery } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import { testDeps } from '@peerconnect/runtime/testing'
import { gossipActor } from '../src/actor.js'
import { encodeRumor, parseRumor } from '../src/rumor.js'
import type { Rumor, SearchRumor } from '../src/rumor.js'
import { CONTACTS_RETRY, MAX_AGE, SEARCH_TIMEOUT } from '../src/constants.js'
import { contactOf, gossipDeps, idWith, rpcGossip, runGossip, tick } from './fixtures/gossip-deps.js'

type Any = Message & Record<string, any>

const SELF = idWith(0, 1)
const PEERS = [0x80, 0x40, 0x20, 0x10].map(b => contactOf(idWith(b, 2)))
const ADA = generateIdentity()
const ADA_RECORD = createRecord(ADA, { name: 'Ada', host: '10.0.5.5', port: 7000, seq: 1 })
const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.equal(actual, expected))

/** Deps whose asks answer synchronously (so they work inside TestScheduler.run); records the pc_gossip queries. */
function syncDeps (scheduler: SchedulerLike, sent: Rumor[], opts: { holdQueries?: boolean } = {}): ActorDeps {
  const answers: Record<string, (m: Message) => Observable<Message>> = {
    'transport.info': () =>
      of({ type: 'transport.info.reply', re: 1, end: true, id: SELF, udp: { host: '10.0.0.1', port: 6881 }, stats: {} } as Message),
    'routing.contacts': () => of({ type: 'routing.contacts.reply', re: 1, end: true, self: SELF, contacts: PEERS, buckets: [] } as Message),
    'transport.query': m => {
      const parsed = parseRumor(((m as TransportQuery).a as { m: unknown }).m)
      if (parsed.ok) sent.push(parsed.rumor)
      return opts.holdQueries === true ? NEVER : of({ type: 'transport.response', re: 1, end: true } as Message)
    }
  }
  const ask = (m: Message): Observable<Message> =>
    answers[m.type]?.(m) ?? throwError(() => Object.assign(new Error('none'), { code: 'ERR_NO_CONSUMER' }))
  return testDeps({ name: 'gossip', scheduler, random: () => 0.5, ask })
}

const wire = (r: Rumor): unknown => (bdecode(bencode(encodeRumor(r))) as { value: unknown }).value

/** A hit for the search that `sent` shows, arriving as an rpc.pc_gossip. */
const hitMessage = (sent: Rumor[], cid: number): Message => {
  const search = sent.find(r => r.kind === 'search') as SearchRumor
  return rpcGossip(wire({ kind: 'hit', id: new Uint8Array(8).fill(cid), hops: 1, search: search.search, record: recordToWire(ADA_RECORD) }),
    { id: ADA.id }, cid)
}

/** A search's own replies, as letters: h = hit, d = done (with its hit count). */
const searchReplies = (out$: Observable<Message>, cid: number): Observable<string> =>
  out$.pipe(
    filter(m => m.re === cid),
    takeWhile(m => m.end !== true, true),
    map(m => m.type === 'gossip.hit' ? 'h' : m.type === 'gossip.search.done' ? `d${(m as Any).hits}` : m.type)
  )

const bound = suite('marble - the time bound of a search')

bound('marble - hits stream as they arrive and the search ends at 3 s by default', () => {
  assert.is(SEARCH_TIMEOUT, 3000)
  const ts = newScheduler()
  ts.run(({ cold, expectObservable }) => {
    const sent: Rumor[] = []
    const deps = syncDeps(ts, sent)
    const in$ = cold<Message>('a 99ms b', { a: { type: 'gossip.search', cid: 7, q: 'ada' } as Message, b: { type: 'x' } }).pipe(
      map(m => m.type === 'x' ? hitMessage(sent, 21) : m)
    )
    expectObservable(searchReplies(gossipActor({ id: SELF })(in$, deps), 7)).toBe('100ms h 2899ms (d|)', { h: 'h', d: 'd1' })
  })
})

bound('marble - the request’s timeout is the bound', () => {
  const ts = newScheduler()
  ts.run(({ cold, expectObservable }) => {
    const deps = syncDeps(ts, [])
    const in$ = cold<Message>('a', { a: { type: 'gossip.search', cid: 8, q: 'ada', timeout: 500 } as Message })
    expectObservable(searchReplies(gossipActor({ id: SELF })(in$, deps), 8)).toBe('500ms (d|)', { d: 'd0' })
  })
})

bound('marble - init.searchTimeout sets the default bound; at most 60 s may be asked', () => {
  const ts = newScheduler()
  ts.run(({ cold, expectObservable }) => {
    const deps = syncDeps(ts, [])
    const in$ = cold<Message>('a b', { a: { type: 'gossip.search', cid: 1, q: 'ada' } as Message,
      b: { type: 'gossip.search', cid: 2, q: 'ada', timeout: 3_600_000 } as Message })
    const out$ = gossipActor({ id: SELF, searchTimeout: 1000 })(in$, deps)
    expectObservable(searchReplies(out$, 1)).toBe('1000ms (d|)', { d: 'd0' })
    expectObservable(searchReplies(out$, 2)).toBe('-- 59999ms (d|)', { d: 'd0' })
  })
})

bound('marble - a hit after the bound is not streamed', () => {
  const ts = newScheduler()
  ts.run(({ cold, expectObservable }) => {
    const sent: Rumor[] = []
    const deps = syncDeps(ts, sent)
    const in$ = cold<Message>('a 600ms b', { a: { type: 'gossip.search', cid: 9, q: 'ada', timeout: 500 } as Message, b: { type: 'x' } })
      .pipe(
        map(m => m.type === 'x' ? hitMessage(sent, 22) : m)
      )
    const out$ = gossipActor({ id: SELF })(in$, deps)
    expectObservable(out$.pipe(filter(m => m.type === 'gossip.hit' || m.type === 'gossip.search.done'), map(m => m.type))).toBe('500ms d', {
      d: 'gossip.search.done'
    })
  })
})

bound('marble - cancelled before its bound: the hits so far, then nothing — no done', () => {
  const ts = newScheduler()
  ts.run(({ cold, expectObservable }) => {
    const sent: Rumor[] = []
    const deps = syncDeps(ts, sent)
    const in$ = cold<Message>('a 99ms b 899ms c 99ms b', {
      a: { type: 'gossip.search', cid: 5, q: 'ada' } as Message,
      b: { type: 'x' },
      c: { type: 'actor.cancel', ask: 5 } as Message
    }).pipe(map((m, i) => m.type === 'x' ? hitMessage(sent, 30 + i) : m))
    const out$ = gossipActor({ id: SELF })(in$, deps)
    expectObservable(out$.pipe(filter(m => m.re === 5), map(m => m.type))).toBe('100ms h', { h: 'gossip.hit' })
  })
})

bound.run()

const timing = suite('marble - retries and local age')

timing('marble - routing.contacts is asked again after CONTACTS_RETRY while routing does not answer', async () => {
  const vts = new VirtualTimeScheduler()
  const fake = gossipDeps(SELF, { scheduler: vts, contacts: PEERS, contactsFailures: 2 })
  const actor = runGossip({ id: SELF }, fake)
  const asksAt: number[] = []
  const count = (): number => fake.asks.filter(a => a.type === 'routing.contacts').length
  for (const t of [0, CONTACTS_RETRY, 2 * CONTACTS_RETRY]) {
    advanceTo(vts, t)
    for (let i = 0; i < 3; i++) await tick()
    asksAt.push(count())
  }
  assert.equal(asksAt, [1, 2, 3])
  actor.send({ type: 'gossip.stats', cid: 1 })
  await tick()
  assert.is((actor.out.find(m => m.re === 1) as Any).viewSize, PEERS.length)
  actor.stop()
})

timing('marble - a forward that waited in line past MAX_AGE is dropped, not sent', async () => {
  const vts = new VirtualTimeScheduler()
  const fake = gossipDeps(SELF, { scheduler: vts, contacts: PEERS, fate: 'hold', random: () => 0.5 })
  const actor = runGossip({ id: SELF, maxInFlight: 1 }, fake)
  await tick()
  actor.send({ type: 'gossip.publish', cid: 1, topic: 'a', data: new Uint8Array(0) } as Message)
  await tick()
  assert.is(fake.sent.length, 1, 'one in flight, two waiting')
  advanceTo(vts, MAX_AGE)
  fake.sent[0]!.settle('ok')
  for (let i = 0; i < 3; i++) await tick()
  assert.is(fake.sent.length, 1, 'the two waiting forwards were too old')
  actor.send({ type: 'gossip.stats', cid: 2 })
  await tick()
  assert.is((actor.out.find(m => m.re === 2) as Any).dropped, 2)
  actor.stop()
})

timing('marble - a forward that waited past youth goes with probability 0.6 or less', async () => {
  const sentWith = async (random: number): Promise<number> => {
    const vts = new VirtualTimeScheduler()
    const fake = gossipDeps(SELF, { scheduler: vts, contacts: PEERS, fate: 'hold', random: () => random })
    const actor = runGossip({ id: SELF, maxInFlight: 1 }, fake)
    await tick()
    actor.send({ type: 'gossip.publish', cid: 1, topic: 'a', data: new Uint8Array(0) } as Message)
    await tick()
    advanceTo(vts, 2000)
    fake.sent[0]!.settle('ok')
    for (let i = 0; i < 3; i++) await tick()
    const n = fake.sent.length
    actor.stop()
    return n
  }
  assert.is(await sentWith(0.59), 2, 'a draw under 0.6 sends the next one')
  assert.is(await sentWith(0.61), 1, 'a draw over 0.6 drops it')
})

timing('marble - a retry after a slow failure is not weighed by local age (only a wait in line is)', async () => {
  const vts = new VirtualTimeScheduler()
  const fake = gossipDeps(SELF, { scheduler: vts, contacts: [PEERS[0]!], fate: 'hold', random: () => 0.99 })
  const actor = runGossip({ id: SELF }, fake)
  await tick()
  actor.send({ type: 'gossip.publish', cid: 1, topic: 'a', data: new Uint8Array(0) } as Message)
  await tick()
  assert.is(fake.sent.length, 1)
  advanceTo(vts, MAX_AGE + 1000)
  fake.sent[0]!.settle('fail')
  for (let i = 0; i < 3; i++) await tick()
  assert.is(fake.sent.length, 2, 'resent although the rumor is 7 s old here')
  actor.stop()
})

timing.run()

/** Moves virtual time to `t` (running every timer due by then). */
function advanceTo (vts: VirtualTimeScheduler, t: number): void {
  if (t > vts.now()) vts.schedule(() => {}, t - vts.now())
  vts.maxFrames = t
  vts.flush()
}
