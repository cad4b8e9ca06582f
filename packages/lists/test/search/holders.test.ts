/**
 * The holder cache and the lists search's order of asks, against hand-rolled deps in virtual time:
 * the routing table's closest node is asked at once, each new closest node a running lookup
 * reports next, and once the lookup ends the holders not asked yet; the lookup wants the holders
 * asked plus two spares; only the final holders are kept, and concurrent searches share a lookup.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, Observable, timer, toArray, VirtualAction, VirtualTimeScheduler } from 'rxjs'
import { generateIdentity, idToHex, recordToWire } from '@peerconnect/protocol'
import type { Contact, Message, PeerRecord } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import type { Context } from '../../src/context.js'
import { createCounts } from '../../src/counters.js'
import { settingsOf } from '../../src/init.js'
import type { ListsInit } from '../../src/init.js'
import { createStore } from '../../src/store.js'
import { createTokenCache } from '../../src/token-cache.js'
import { createTokens } from '../../src/tokens.js'
import { createHolderCache } from '../../src/search/holders.js'
import { searchLists } from '../../src/search/lists-search.js'
import { fakePool } from '../fake-net.js'
import { quietLogger, recordOf } from '../fixtures.js'

const T0 = 1_700_000_000_000

interface Script {
  /** What routing.closest answers (nearest first). */
  readonly known: Contact[]
  /** Lookup events: progress (closest so far) at a time, then the result. */
  readonly progress: ReadonlyArray<{ at: number, closest: Contact[] }>
  readonly result: { at: number, closest: Contact[] }
  /** The record each node answers pc_search with (none: no records). */
  readonly answers?: ReadonlyMap<string, PeerRecord>
}

interface World {
  readonly ctx: Context
  readonly scheduler: VirtualTimeScheduler
  /** pc_search queries sent: to whom, when. */
  readonly sent: Array<{ to: string, at: number }>
  readonly lookups: Array<{ k: number | undefined, at: number }>
}

function contact (port: number): Contact {
  return { id: generateIdentity().id, host: '127.0.0.1', port, lastSeen: T0 }
}

function world (script: Script, init: Partial<ListsInit> = {}): World {
  const scheduler = new VirtualTimeScheduler(VirtualAction, Infinity)
  const now = (): number => T0 + scheduler.frame
  const sent: World['sent'] = []
  const lookups: World['lookups'] = []
  const later = (at: number, msgs: Message[]): Observable<Message> => new Observable<Message>(sub => {
    const t = timer(at, scheduler).subscribe(() => { for (const m of msgs) sub.next(m); sub.complete() })
    return () => t.unsubscribe()
  })
  const ask = (m: Message): Observable<Message> => {
    const o = m as Message & Record<string, unknown>
    if (m.type === 'routing.closest') return later(0, [{ type: 'routing.closest.reply', contacts: script.known } as Message])
    if (m.type === 'crawler.lookup') {
      lookups.push({ k: o.k as number | undefined, at: scheduler.frame })
      return new Observable<Message>(sub => {
        const ts = script.progress.map(p => timer(p.at, scheduler).subscribe(() => sub.next({ type: 'crawler.progress', queried: 1, responded: 1, closest: p.closest } as Message)))
        ts.push(timer(script.result.at, scheduler).subscribe(() => {
          sub.next({ type: 'crawler.result', target: o.target, closest: script.result.closest, found: null, queries: 9, bytes: 0, ms: script.result.at } as Message)
          sub.complete()
        }))
        return () => { for (const t of ts) t.unsubscribe() }
      })
    }
    if (m.type === 'transport.query' && o.q === 'pc_search') {
      const to = o.to as { host: string, port: number }
      sent.push({ to: `${to.port}`, at: scheduler.frame })
      const rec = script.answers?.get(`${to.port}`)
      const r = { id: new Uint8Array(20).fill(to.port % 256), records: rec === undefined ? [] : [recordToWire(rec)] }
      return later(5, [{ type: 'transport.response', from: to, id: r.id, r, rtt: 5, bytes: 100 } as Message])
    }
    return new Observable<Message>(sub => sub.error(Object.assign(new Error('no consumer'), { code: 'ERR_NO_CONSUMER' })))
  }
  const identity = generateIdentity()
  const settings = settingsOf({ identity, name: 'searcher', ...init })
  const deps: ActorDeps = { name: 'lists', clock: { now }, random: Math.random, scheduler, log: quietLogger, pool: fakePool(), ask, snapshot: undefined }
  const ctx: Context = {
    settings,
    deps,
    log: quietLogger,
    store: createStore({ ttl: settings.recordTtl, maxPerList: settings.maxPerList, maxPerIp: settings.maxPerIp }),
    tokens: createTokens({ rotate: settings.tokenRotate, bytes: 8 }),
    peerTokens: createTokenCache({ maxAge: settings.tokenRotate, max: 64 }),
    rejected: createCounts(),
    sent: createCounts(),
    self: { name: 'searcher', record: undefined, seq: 0 },
    now
  }
  return { ctx, scheduler, sent, lookups }
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

order('search holders - the routing table\'s closest at once, each new closest of the lookup next, then the holders not asked yet', async () => {
  const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(contact) as [Contact, Contact, Contact, Contact, Contact]
  const w = world({ known: [a], progress: [{ at: 10, closest: [b, a] }, { at: 20, closest: [b, c] }, { at: 30, closest: [c, b, d] }], result: { at: 40, closest: [c, b, d, e] } })
  const cache = createHolderCache(w.ctx, { ttl: 60_000 })
  const only = (list: number): boolean => list === 4
  await drain(w, searchLists(w.ctx, 'ada', { holders: { ...cache, of: l => only(l) ? cache.of(l) : new Observable(s => s.complete()) }, perList: 3, concurrency: 20, maxPages: 4, early: true }))
  assert.equal(w.sent.map(s => [s.to, s.at]), [['1', 0], ['2', 10], ['3', 30], ['4', 40]])
})

order('search holders - with early asks off, only the final holders are asked', async () => {
  const [a, b, c, d] = [1, 2, 3, 4].map(contact) as [Contact, Contact, Contact, Contact]
  const w = world({ known: [a], progress: [{ at: 10, closest: [b] }], result: { at: 40, closest: [c, b, d] } })
  const cache = createHolderCache(w.ctx, { ttl: 60_000 })
  await drain(w, searchLists(w.ctx, 'ada', { holders: { ...cache, of: l => l === 2 ? cache.of(l) : new Observable(s => s.complete()) }, perList: 2, concurrency: 20, maxPages: 4, early: false }))
  assert.equal(w.sent.map(s => [s.to, s.at]), [['3', 40], ['2', 40]])
})

order('search holders - hits from an early ask stream before the lookup ends; records that do not match are dropped', async () => {
  const [a, b] = [1, 2].map(contact) as [Contact, Contact]
  const ada = recordOf(generateIdentity(), { name: 'Ada Early' })
  const bob = recordOf(generateIdentity(), { name: 'Bob Late' })
  const w = world({ known: [a], progress: [], result: { at: 50, closest: [b] }, answers: new Map([['1', ada], ['2', bob]]) })
  const cache = createHolderCache(w.ctx, { ttl: 60_000 })
  const times: number[] = []
  const got = await drain(w, new Observable<PeerRecord>(sub => searchLists(w.ctx, 'ada', { holders: { ...cache, of: l => l === 0 ? cache.of(l) : new Observable(s => s.complete()) }, perList: 1, concurrency: 20, maxPages: 4, early: true })
    .subscribe({ next: r => { times.push(w.scheduler.frame); sub.next(r) }, complete: () => sub.complete() })))
  assert.equal(got.map(r => r.n), ['Ada Early'])
  assert.equal(times, [5], 'one round trip after the start, long before the lookup ended at 50')
})

order.run()

const cached = suite('search holders - the cache')

cached('search holders - the lookup asks for the holders a search asks plus two spares (at most R); self is never a holder', async () => {
  const w = world({ known: [], progress: [], result: { at: 1, closest: [1, 2, 3, 4, 5, 6].map(contact) } }, { search: { holders: 3 } })
  const events = await drain(w, createHolderCache(w.ctx, { ttl: 60_000 }).of(7))
  assert.equal(w.lookups.map(l => l.k), [5])
  assert.is(events.at(-1)!.closest.length, 5, 'no more than k')
  const big = world({ known: [], progress: [], result: { at: 1, closest: [] } }, { search: { holders: 8 } })
  await drain(big, createHolderCache(big.ctx, { ttl: 60_000 }).of(7))
  assert.equal(big.lookups.map(l => l.k), [8], 'never more than R')
  const me: Contact = { id: w.ctx.settings.id, host: '127.0.0.1', port: 99, lastSeen: T0 }
  const withSelf = world({ known: [me], progress: [], result: { at: 1, closest: [] } })
  const mine = await drain(withSelf, createHolderCache(withSelf.ctx, { ttl: 60_000 }).of(7))
  assert.ok(mine.every(h => h.closest.every(c => idToHex(c.id) !== idToHex(withSelf.ctx.settings.id))))
})

cached('search holders - only the final holders are kept, for the ttl; progress is passed on but not kept', async () => {
  const [a, b, c] = [1, 2, 3].map(contact) as [Contact, Contact, Contact]
  const w = world({ known: [a], progress: [{ at: 5, closest: [b] }], result: { at: 10, closest: [c, b] } })
  const cache = createHolderCache(w.ctx, { ttl: 1000 })
  const first = await drain(w, cache.of(3))
  assert.equal(first.map(h => [h.final, ports(h.closest)]), [[false, ['1']], [false, ['2']], [true, ['3', '2']]])
  const again = await drain(w, cache.of(3))
  assert.equal(again.map(h => [h.final, ports(h.closest)]), [[true, ['3', '2']]])
  assert.is(w.lookups.length, 1)
  assert.is(cache.size(w.ctx.now()), 1)
  timer(1000, w.scheduler).subscribe()
  w.scheduler.flush()                           // 1 s of virtual time passes
  await drain(w, cache.of(3))
  assert.is(w.lookups.length, 2, 'looked up again after the ttl')
})

cached('search holders - concurrent searches share one lookup; forget and clear drop holders', async () => {
  const w = world({ known: [], progress: [], result: { at: 10, closest: [contact(1)] } })
  const cache = createHolderCache(w.ctx, { ttl: 60_000 })
  const both = Promise.all([lastValueFrom(cache.of(5).pipe(toArray())), lastValueFrom(cache.of(5).pipe(toArray()))])
  w.scheduler.flush()
  const [x, y] = await both
  assert.equal(x, y)
  assert.is(w.lookups.length, 1, 'one lookup for both')
  cache.forget(5)
  await drain(w, cache.of(5))
  assert.is(w.lookups.length, 2)
  cache.clear()
  assert.is(cache.size(w.ctx.now()), 0)
})

cached('search holders - a failed or empty lookup is not kept', async () => {
  const w = world({ known: [], progress: [], result: { at: 10, closest: [] } })
  const cache = createHolderCache(w.ctx, { ttl: 60_000 })
  const events = await drain(w, cache.of(1))
  assert.equal(events.at(-1), { final: true, closest: [] })
  await drain(w, cache.of(1))
  assert.is(w.lookups.length, 2)
  assert.is(cache.size(w.ctx.now()), 0)
})

cached.run()
