/**
 * The holder cache and the lists search's order of asks, against hand-rolled deps in virtual time:
 * the routing table's closest node is asked at once, the lookup starts when it answered (or at
 * the head start), each new closest node a running lookup reports next, and once the lookup ends the holders not asked yet; the lookup
 * wants the holders
 * asked plus two spares; only the final holders are kept, and concurrent searches share a lookup.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, Observable, of, timer, toArray } from 'rxjs'
import type { VirtualTimeScheduler } from 'rxjs'
import { generateIdentity, recordToWire } from '@peerconnect/protocol'
import type { Contact, Message, PeerRecord } from '@peerconnect/protocol'
import { manualScheduler, testDeps } from '@peerconnect/runtime/testing'
import { createContext } from '../../src/context.js'
import type { Context } from '../../src/context.js'
import { settingsOf } from '../../src/init.js'
import type { ListsInit } from '../../src/init.js'
import type { HolderCache } from '../../src/holders.js'
import { createSearchHolders } from '../../src/search/search.js'
import { searchLists } from '../../src/search/lists-search.js'
import { fakePool } from '../fake-net.js'
import { recordOf } from '../fixtures.js'

const T0 = 1_700_000_000_000
const SILENT_TIMEOUT = 1000

interface Script {
  /** What routing.closest answers (nearest first). */
  readonly known: Contact[]
  /** Lookup events: progress (closest so far) at a time, then the result. */
  readonly progress: ReadonlyArray<{ at: number, closest: Contact[] }>
  readonly result: { at: number, closest: Contact[] }
  /** The record each node answers pc_search with (none: no records). */
  readonly answers?: ReadonlyMap<string, PeerRecord>
  /** Ports whose pc_search gets no answer: the query times out after SILENT_TIMEOUT. */
  readonly silent?: ReadonlySet<string>
}

interface World {
  readonly ctx: Context
  readonly scheduler: VirtualTimeScheduler
  /** pc_search queries sent: to whom, when. */
  readonly sent: Array<{ to: string, at: number }>
  readonly lookups: Array<{ k: number | undefined, at: number }>
  /** routing.closest asks: when. */
  readonly knownAsks: number[]
}

function contact (port: number): Contact {
  return { id: generateIdentity().id, host: '127.0.0.1', port, lastSeen: T0 }
}

function world (script: Script, init: Partial<ListsInit> = {}): World {
  const scheduler = manualScheduler()
  const sent: World['sent'] = []
  const lookups: World['lookups'] = []
  const knownAsks: number[] = []
  const later = (at: number, msgs: Message[]): Observable<Message> => new Observable<Message>(sub => {
    const t = timer(at, scheduler).subscribe(() => {
      for (const m of msgs) sub.next(m)
      sub.complete()
    })
    return () => t.unsubscribe()
  })
  const ask = (m: Message): Observable<Message> => {
    const o = m as Message & Record<string, unknown>
    if (m.type === 'routing.closest') knownAsks.push(scheduler.frame)
    if (m.type === 'routing.closest') return later(0, [{ type: 'routing.closest.reply', contacts: script.known } as Message])
    if (m.type === 'crawler.lookup') {
      lookups.push({ k: o.k as number | undefined, at: scheduler.frame })
      return new Observable<Message>(sub => {
        const ts = script.progress.map(p =>
          timer(p.at, scheduler).subscribe(() =>
            sub.next({ type: 'crawler.progress', queried: 1, responded: 1, closest: p.closest } as Message)
          )
        )
        ts.push(timer(script.result.at, scheduler).subscribe(() => {
          sub.next(
            { type: 'crawler.result', target: o.target, closest: script.result.closest, found: null, queries: 9, bytes: 0,
              ms: script.result.at } as Message
          )
          sub.complete()
        }))
        return () => {
          for (const t of ts) t.unsubscribe()
        }
      })
    }
    if (m.type === 'transport.query' && o.q === 'pc_search') {
      const to = o.to as { host: string, port: number }
      sent.push({ to: `${to.port}`, at: scheduler.frame })
      if (script.silent?.has(`${to.port}`) === true) {
        return new Observable<Message>(sub => {
          const t = timer(SILENT_TIMEOUT, scheduler).subscribe(() =>
            sub.error(Object.assign(new Error('no reply'), { code: 'ERR_RPC_TIMEOUT' }))
          )
          return () => t.unsubscribe()
        })
      }
      const rec = script.answers?.get(`${to.port}`)
      const r = { id: new Uint8Array(20).fill(to.port % 256), records: rec === undefined ? [] : [recordToWire(rec)] }
      return later(5, [{ type: 'transport.response', from: to, id: r.id, r, rtt: 5, bytes: 100 } as Message])
    }
    return new Observable<Message>(sub => sub.error(Object.assign(new Error('no consumer'), { code: 'ERR_NO_CONSUMER' })))
  }
  const identity = generateIdentity()
  const settings = settingsOf({ identity, name: 'searcher', ...init })
  const deps = testDeps({ name: 'lists', scheduler, start: T0, pool: fakePool(), ask })
  const ctx = createContext({ identity, name: 'searcher', ...init }, settings, deps)
  return { ctx, scheduler, sent, lookups, knownAsks }
}

/** Runs `o` to completion in virtual time. */
async function drain<T> (w: World, o: Observable<T>): Promise<T[]> {
  const p = lastValueFrom(o.pipe(toArray()))
  w.scheduler.flush()
  for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve))
  w.scheduler.flush()
  return await p
}

const ports = (cs: readonly Contact[]): string[] => cs.map(c => `${c.port}`)

const order = suite('search holders - order of asks')

/** `cache` limited to list `list` (the others have no known nodes and an empty lookup). */
function onlyList (cache: HolderCache, list: number): HolderCache {
  return { ...cache, known: l => l === list ? cache.known(l) : of([]),
    of: l => l === list ? cache.of(l) : new Observable(s => s.complete()) }
}

order(
  'search holders - the routing table\'s closest at once, the lookup once it answered, each new closest of the lookup next, then the ' +
    'holders not asked yet',
  async () => {
    const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(contact) as [Contact, Contact, Contact, Contact, Contact]
    const w = world({ known: [a], progress: [{ at: 10, closest: [b, a] }, { at: 20, closest: [b, c] }, { at: 30, closest: [c, b, d] }],
      result: { at: 40, closest: [c, b, d, e] } })
    const cache = createSearchHolders(w.ctx, 60_000)
    await drain(w,
      searchLists(w.ctx, 'ada', { holders: onlyList(cache, 4), perList: 3, concurrency: 20, maxPages: 4, early: true, headStart: 100 }))
    assert.equal(w.lookups.map(l => l.at), [5], 'the lookup started when the known node answered (one 5 ms round trip)')
    assert.equal(w.sent.map(s => [s.to, s.at]), [['1', 0], ['2', 15], ['3', 35], ['4', 45]])
  }
)

order('search holders - a silent known node holds the lookup back only for the head start', async () => {
  const [a, b] = [1, 2].map(contact) as [Contact, Contact]
  const w = world({ known: [a], progress: [], result: { at: 10, closest: [b] }, silent: new Set(['1']) })
  const cache = createSearchHolders(w.ctx, 60_000)
  await drain(w,
    searchLists(w.ctx, 'ada', { holders: onlyList(cache, 6), perList: 1, concurrency: 20, maxPages: 4, early: true, headStart: 70 }))
  assert.equal(w.lookups.map(l => l.at), [70])
  assert.equal(w.sent.map(s => [s.to, s.at]), [['1', 0], ['2', 80]])
})

order('search holders - with no known node the lookup starts at once; with holders cached, nothing but the holders is asked', async () => {
  const [b, c] = [2, 3].map(contact) as [Contact, Contact]
  const w = world({ known: [], progress: [], result: { at: 10, closest: [b, c] } })
  const cache = createSearchHolders(w.ctx, 60_000)
  await drain(w,
    searchLists(w.ctx, 'ada', { holders: onlyList(cache, 8), perList: 2, concurrency: 20, maxPages: 4, early: true, headStart: 100 }))
  assert.equal(w.lookups.map(l => l.at), [0])
  const knownAsks = w.knownAsks.length
  const sent = w.sent.length
  await drain(w,
    searchLists(w.ctx, 'ada', { holders: onlyList(cache, 8), perList: 2, concurrency: 20, maxPages: 4, early: true, headStart: 100 }))
  assert.is(w.lookups.length, 1, 'no second lookup')
  assert.is(w.knownAsks.length, knownAsks, 'routing was not asked again')
  assert.equal(w.sent.slice(sent).map(s => s.to).sort(), ['2', '3'])
})

order('search holders - the first wave is in once every list has answered once (or ended): one call', async () => {
  const [a, b] = [1, 2].map(contact) as [Contact, Contact]
  const w = world({ known: [a], progress: [], result: { at: 30, closest: [b] } })
  const waves: number[] = []
  await drain(w,
    searchLists(w.ctx, 'ada', { holders: createSearchHolders(w.ctx, 60_000), perList: 1, concurrency: 20, maxPages: 4, early: true,
      headStart: 100, onFirstWave: () => waves.push(w.scheduler.frame) }))
  assert.equal(waves, [5], 'all 20 known nodes answered at 5')
  const slow = world({ known: [a], progress: [], result: { at: 30, closest: [b] }, silent: new Set(['1']) })
  const slowWaves: number[] = []
  await drain(slow,
    searchLists(slow.ctx, 'ada', { holders: createSearchHolders(slow.ctx, 60_000), perList: 1, concurrency: 20, maxPages: 4, early: true,
      headStart: 100, onFirstWave: () => slowWaves.push(slow.scheduler.frame) }))
  assert.equal(slowWaves, [135], 'the silent known node: the lookups start at the head start, their holders answer 35 ms later')
})

order('search holders - with early asks off, only the final holders are asked', async () => {
  const [a, b, c, d] = [1, 2, 3, 4].map(contact) as [Contact, Contact, Contact, Contact]
  const w = world({ known: [a], progress: [{ at: 10, closest: [b] }], result: { at: 40, closest: [c, b, d] } })
  const cache = createSearchHolders(w.ctx, 60_000)
  await drain(w,
    searchLists(w.ctx, 'ada', { holders: onlyList(cache, 2), perList: 2, concurrency: 20, maxPages: 4, early: false, headStart: 100 }))
  assert.equal(w.sent.map(s => [s.to, s.at]), [['3', 40], ['2', 40]])
})

order('search holders - hits from an early ask stream before the lookup ends; records that do not match are dropped', async () => {
  const [a, b] = [1, 2].map(contact) as [Contact, Contact]
  const ada = recordOf(generateIdentity(), { name: 'Ada Early' })
  const bob = recordOf(generateIdentity(), { name: 'Bob Late' })
  const w = world({ known: [a], progress: [], result: { at: 50, closest: [b] }, answers: new Map([['1', ada], ['2', bob]]) })
  const cache = createSearchHolders(w.ctx, 60_000)
  const times: number[] = []
  const got = await drain(w,
    new Observable<PeerRecord>(sub =>
      searchLists(w.ctx, 'ada', { holders: onlyList(cache, 0), perList: 1, concurrency: 20, maxPages: 4, early: true, headStart: 100 })
        .subscribe({ next: r => {
          times.push(w.scheduler.frame)
          sub.next(r)
        }, complete: () => sub.complete() })
    ))
  assert.equal(got.map(r => r.n), ['Ada Early'])
  assert.equal(times, [5], 'one round trip after the start, long before the lookup ended at 50')
})

order.run()

const cached = suite('search holders - the cache')

cached('search holders - the lookup asks for the holders a search asks plus two spares (at most R); self is never a holder', async () => {
  const w = world({ known: [], progress: [], result: { at: 1, closest: [1, 2, 3, 4, 5, 6].map(contact) } }, { search: { holders: 3 } })
  const events = await drain(w, createSearchHolders(w.ctx, 60_000).of(7))
  assert.equal(w.lookups.map(l => l.k), [5])
  assert.is(events.at(-1)!.closest.length, 5, 'no more than k')
  const big = world({ known: [], progress: [], result: { at: 1, closest: [] } }, { search: { holders: 8 } })
  await drain(big, createSearchHolders(big.ctx, 60_000).of(7))
  assert.equal(big.lookups.map(l => l.k), [8], 'never more than R')
  const known: Contact[] = []
  const withSelf = world({ known, progress: [], result: { at: 1, closest: [] } })
  known.push({ id: withSelf.ctx.settings.id, host: '127.0.0.1', port: 99, lastSeen: T0 }, contact(98))
  const mine = await drain(withSelf, createSearchHolders(withSelf.ctx, 60_000).known(7))
  assert.equal(mine.map(ports), [['98']], 'self is not a likely holder')
})

cached('search holders - only the final holders are kept, for the ttl; progress is passed on but not kept', async () => {
  const [a, b, c] = [1, 2, 3].map(contact) as [Contact, Contact, Contact]
  const w = world({ known: [a], progress: [{ at: 5, closest: [b] }], result: { at: 10, closest: [c, b] } })
  const cache = createSearchHolders(w.ctx, 1000)
  const first = await drain(w, cache.of(3))
  assert.equal(first.map(h => [h.final, ports(h.closest)]), [[false, ['2']], [true, ['3', '2']]])
  assert.equal(ports((await drain(w, cache.known(3)))[0]!), ['1'], 'known: the routing table\'s closest')
  const again = await drain(w, cache.of(3))
  assert.equal(again.map(h => [h.final, ports(h.closest)]), [[true, ['3', '2']]])
  assert.is(w.lookups.length, 1)
  assert.is(cache.size(), 1)
  timer(1000, w.scheduler).subscribe()
  w.scheduler.flush() // 1 s of virtual time passes
  await drain(w, cache.of(3))
  assert.is(w.lookups.length, 2, 'looked up again after the ttl')
})

cached('search holders - concurrent searches share one lookup; forget and clear drop holders', async () => {
  const w = world({ known: [], progress: [], result: { at: 10, closest: [contact(1)] } })
  const cache = createSearchHolders(w.ctx, 60_000)
  const both = Promise.all([lastValueFrom(cache.of(5).pipe(toArray())), lastValueFrom(cache.of(5).pipe(toArray()))])
  w.scheduler.flush()
  const [x, y] = await both
  assert.equal(x, y)
  assert.is(w.lookups.length, 1, 'one lookup for both')
  cache.forget(5)
  await drain(w, cache.of(5))
  assert.is(w.lookups.length, 2)
  cache.clear()
  assert.is(cache.size(), 0)
})

cached('search holders - a failed or empty lookup is not kept', async () => {
  const w = world({ known: [], progress: [], result: { at: 10, closest: [] } })
  const cache = createSearchHolders(w.ctx, 60_000)
  const events = await drain(w, cache.of(1))
  assert.equal(events.at(-1), { final: true, closest: [] })
  await drain(w, cache.of(1))
  assert.is(w.lookups.length, 2)
  assert.is(cache.size(), 0)
})

cached.run()
