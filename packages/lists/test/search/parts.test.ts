/** Pure parts of keyword search: settings, the cache key, the result cache, remembered records, candidates, matching, page sizing. */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom } from 'rxjs'
import { bencode, encodeResponse, generateIdentity, idToHex, matchesName, recordToWire } from '@peerconnect/protocol'
import type { PeerRecord } from '@peerconnect/protocol'
import type { ComputePool } from '@peerconnect/runtime'
import { createStore } from '../../src/holding/store.js'
import { candidateOf, heldCandidates, heldIndex, indexMatches, indexOf, matching } from '../../src/search/candidates.js'
import { fillPage } from '../../src/page.js'
import { firstAfter, firstAtLeast, itself } from '../../src/sorted.js'
import { createResultCache, searchKey } from '../../src/search/cache.js'
import { createKnown } from '../../src/search/known.js'
import { searchSettingsOf } from '../../src/search/init.js'
import { matchNames } from '../../src/search/tasks.js'
import { EARLY_HEAD_START, GOSSIP_WINDOW, LISTS_CONCURRENCY, MAX_SEARCH_PAGES, MAX_SEARCH_TIMEOUT, RESULT_TTL,
  SEARCH_TIMEOUT } from '../../src/search/constants.js'
import type { Found } from '../../src/search/merge.js'
import { identityIn, recordOf } from '../fixtures.js'

const NOW = 1_700_000_000_000
const LISTS = { announceInterval: 10_000, lookupEvery: 6, readHolders: 3 }

function rec (name: string, opts: { list?: number, seq?: number } = {}): PeerRecord {
  return recordOf(opts.list === undefined ? generateIdentity() : identityIn(opts.list), { name, seq: opts.seq ?? 1 })
}

function found (name: string, via: Found['via'] = 'lists'): Found {
  return { record: rec(name), via }
}

/** A pool that runs the search task in-process and counts runs; `failing` makes it reject. */
function matchPool (failing = false): ComputePool & { runs: number } {
  const pool = {
    runs: 0,
    async run<R> (task: { module: string, name?: string }, arg: unknown): Promise<R> {
      pool.runs++
      await Promise.resolve()
      if (failing) throw Object.assign(new Error('pool closed'), { code: 'ERR_POOL_CLOSED' })
      if (!task.module.endsWith('/search/tasks.js') || task.name !== 'matchNames') throw new Error('no such task')
      return matchNames(arg) as R
    }
  }
  return pool
}

// ── settings ─────────────────────────────────────────────────────────────────────────────────

const settings = suite('search parts - settings')

settings('search parts - defaults: 3 s bound, 800 ms gossip window, 10 s results, holders kept one lookup cycle', () => {
  const s = searchSettingsOf(undefined, LISTS)
  assert.equal(s, {
    timeout: SEARCH_TIMEOUT,
    gossipWindow: GOSSIP_WINDOW,
    resultTtl: RESULT_TTL,
    holderTtl: 60_000,
    holders: 3,
    concurrency: LISTS_CONCURRENCY,
    maxPages: MAX_SEARCH_PAGES,
    early: true,
    headStart: EARLY_HEAD_START
  })
  assert.is(EARLY_HEAD_START, 100)
  assert.is(SEARCH_TIMEOUT, 3000)
  assert.is(RESULT_TTL, 10_000)
  assert.is(GOSSIP_WINDOW, 800)
})

settings('search parts - options override; nonsense falls back; the bound is capped', () => {
  const s = searchSettingsOf({ timeout: 500, gossipWindow: 200, resultTtl: 0, holderTtl: 0, holders: 2, concurrency: 4, maxPages: 3,
    early: false, headStart: 0 }, LISTS)
  assert.equal(s, { timeout: 500, gossipWindow: 200, resultTtl: 0, holderTtl: 0, holders: 2, concurrency: 4, maxPages: 3, early: false,
    headStart: 0 })
  const bad = searchSettingsOf({ timeout: -1, gossipWindow: Number.NaN, resultTtl: -5, holders: 0, concurrency: 0.5, maxPages: Infinity,
    headStart: -3 }, LISTS)
  assert.is(bad.timeout, SEARCH_TIMEOUT)
  assert.is(bad.gossipWindow, GOSSIP_WINDOW)
  assert.is(bad.resultTtl, RESULT_TTL)
  assert.is(bad.holders, 3)
  assert.is(bad.concurrency, LISTS_CONCURRENCY)
  assert.is(bad.maxPages, MAX_SEARCH_PAGES)
  assert.is(bad.headStart, EARLY_HEAD_START)
  assert.is(searchSettingsOf({ timeout: 10 * MAX_SEARCH_TIMEOUT }, LISTS).timeout, MAX_SEARCH_TIMEOUT)
})

settings.run()

// ── the result cache ─────────────────────────────────────────────────────────────────────────

const cache = suite('search parts - result cache')

cache('search parts - the key ignores case, accents, separators, token order and repeats, not the via', () => {
  const k = searchKey('Ada Lov', 'hybrid')
  for (const q of ['ada lov', 'ADA  LOV', 'lov ada', 'Àda-Lov', 'ada lov ada']) assert.is(searchKey(q, 'hybrid'), k, q)
  assert.is.not(searchKey('ada lov', 'lists'), k)
  assert.is.not(searchKey('ada lo', 'hybrid'), k)
})

cache('search parts - an entry is replayed within its ttl and gone after it', () => {
  const c = createResultCache({ ttl: 10_000, max: 8 })
  const entry = { hits: [found('ada')], at: NOW, bound: 3000, complete: true }
  c.set('k', entry)
  assert.is(c.get('k', NOW + 9_999, 3000), entry)
  assert.is(c.get('k', NOW + 10_000, 3000), undefined)
  assert.is(c.size, 0, 'an expired entry is dropped when read')
})

cache('search parts - a search cut short by its bound serves only searches bounded no longer', () => {
  const c = createResultCache({ ttl: 10_000, max: 8 })
  c.set('partial', { hits: [], at: NOW, bound: 500, complete: false })
  c.set('complete', { hits: [], at: NOW, bound: 500, complete: true })
  assert.ok(c.get('partial', NOW, 400))
  assert.ok(c.get('partial', NOW, 500))
  assert.is(c.get('partial', NOW, 501), undefined)
  assert.ok(c.get('complete', NOW, 60_000), 'a complete search is good for any bound')
})

cache('search parts - bounded: the oldest entry goes first; a re-set entry counts as new', () => {
  const c = createResultCache({ ttl: 10_000, max: 2 })
  const e = { hits: [], at: NOW, bound: 1, complete: true }
  c.set('a', e)
  c.set('b', e)
  c.set('a', e)
  c.set('c', e)
  assert.is(c.size, 2)
  assert.is(c.get('b', NOW, 1), undefined)
  assert.ok(c.get('a', NOW, 1))
  assert.ok(c.get('c', NOW, 1))
})

cache('search parts - clear drops everything; a ttl of 0 keeps nothing', () => {
  const c = createResultCache({ ttl: 10_000, max: 8 })
  c.set('a', { hits: [], at: NOW, bound: 1, complete: true })
  c.clear()
  assert.is(c.get('a', NOW, 1), undefined)
  const off = createResultCache({ ttl: 0, max: 8 })
  off.set('a', { hits: [], at: NOW, bound: 1, complete: true })
  assert.is(off.size, 0)
})

cache.run()

// ── records the directory showed ─────────────────────────────────────────────────────────────

const known = suite('search parts - known records')

known('search parts - remembered records are listed until their ttl, then dropped', () => {
  const k = createKnown({ ttl: 5000, max: 100 })
  const a = rec('ada')
  const b = rec('bob')
  k.remember([a], NOW)
  k.remember([b], NOW + 3000)
  assert.equal(k.records(NOW + 4999).map(r => r.n), ['ada', 'bob'])
  assert.equal(k.records(NOW + 5000).map(r => r.n), ['bob'])
  assert.is(k.size, 1)
  assert.equal(k.records(NOW + 8000), [])
})

known('search parts - one record per peer, the newest sequence; an older one does not replace it', () => {
  const who = identityIn(4)
  const v1 = recordOf(who, { name: 'old', seq: 1 })
  const v2 = recordOf(who, { name: 'new', seq: 2 })
  const k = createKnown({ ttl: 5000, max: 100 })
  k.remember([v2], NOW)
  k.remember([v1], NOW + 1)
  assert.equal(k.records(NOW + 2).map(r => r.n), ['new'])
  k.remember([recordOf(who, { name: 'newer', seq: 3 })], NOW + 3)
  assert.equal(k.records(NOW + 4).map(r => r.n), ['newer'])
})

known('search parts - bounded: the least recently shown go first; a ttl of 0 keeps nothing', () => {
  const k = createKnown({ ttl: 5000, max: 3 })
  const rs = ['a', 'b', 'c', 'd'].map(n => rec(n))
  k.remember(rs.slice(0, 3), NOW)
  k.remember([rs[0]!], NOW + 1)
  k.remember([rs[3]!], NOW + 2)
  assert.equal(k.records(NOW + 3).map(r => r.n).sort(), ['a', 'c', 'd'])
  const off = createKnown({ ttl: 0, max: 3 })
  off.remember(rs, NOW)
  assert.is(off.size, 0)
  k.clear()
  assert.is(k.size, 0)
})

known.run()

// ── candidates and matching ──────────────────────────────────────────────────────────────────

const candidates = suite('search parts - candidates and matching')

candidates('search parts - held candidates: our record and every list held, one per peer (newest), in id order', () => {
  const store = createStore({ ttl: 30_000, maxPerList: 100, maxPerIp: 100 })
  const inThree = [rec('ada', { list: 3 }), rec('bob', { list: 3 })]
  const inNine = [rec('cyd', { list: 9 })]
  for (const r of inThree) assert.ok(store.put(3, r, { now: NOW }).ok)
  for (const r of inNine) assert.ok(store.put(9, r, { now: NOW }).ok)
  const ownId = identityIn(9)
  const ownOld = recordOf(ownId, { name: 'me', seq: 1 })
  const ownNew = recordOf(ownId, { name: 'me too', seq: 2 })
  assert.ok(store.put(9, ownOld, { now: NOW }).ok)
  const got = heldCandidates(store, ownNew, NOW + 1)
  assert.is(got.length, 4)
  assert.equal(got.map(c => c.hex), [...got.map(c => c.hex)].sort(), 'id order')
  assert.is(got.find(c => c.hex === idToHex(ownId.id))?.record.n, 'me too', 'the newest sequence of our record')
  assert.equal(got.map(c => c.record.n).sort(), ['ada', 'bob', 'cyd', 'me too'])
  for (const c of got) assert.is(c.size, bencode(recordToWire(c.record)).length)
  assert.equal(heldCandidates(store, undefined, NOW + 31_000).map(c => c.record.n), [], 'expired records are not candidates')
})

candidates('search parts - held candidates are built once per change of the store or of our record, and shared until then', () => {
  const store = createStore({ ttl: 30_000, maxPerList: 100, maxPerIp: 100 })
  const ada = rec('ada', { list: 3 })
  assert.ok(store.put(3, ada, { now: NOW }).ok)
  const own = rec('me', { list: 9 })
  const first = heldCandidates(store, own, NOW)
  assert.is(heldCandidates(store, own, NOW + 1), first, 'nothing changed: the same array')
  assert.ok(Object.isFrozen(first), 'shared, so frozen')
  assert.ok(store.put(3, ada, { now: NOW + 2 }).ok)
  assert.is(heldCandidates(store, own, NOW + 2), first, 'a refreshed announce of the held record changes nothing')
  const bob = rec('bob', { list: 3 })
  assert.ok(store.put(3, bob, { now: NOW + 3 }).ok)
  const second = heldCandidates(store, own, NOW + 3)
  assert.is.not(second, first, 'a new peer')
  assert.equal(second.map(c => c.record.n).sort(), ['ada', 'bob', 'me'])
  const adaId = identityIn(3)
  const ada1 = recordOf(adaId, { name: 'ada', seq: 1 })
  assert.ok(store.put(5, ada1, { now: NOW + 4 }).ok)
  const third = heldCandidates(store, own, NOW + 4)
  assert.ok(store.put(5, recordOf(adaId, { name: 'ada lovelace', seq: 2 }), { now: NOW + 5 }).ok)
  const fourth = heldCandidates(store, own, NOW + 5)
  assert.is.not(fourth, third, 'a new sequence')
  assert.ok(fourth.some(c => c.record.n === 'ada lovelace'))
  const ownNew = recordOf(identityIn(9), { name: 'me again', seq: 1 })
  const fifth = heldCandidates(store, ownNew, NOW + 5)
  assert.is.not(fifth, fourth, 'our own record changed')
  assert.ok(fifth.some(c => c.record.n === 'me again') && !fifth.some(c => c.record.n === 'me'))
  const expired = heldCandidates(store, ownNew, NOW + 3 + 30_000)
  assert.equal(expired.map(c => c.record.n).sort(), ['ada lovelace', 'me again'], 'expiry drops ada (seq 1, list 3) and bob: a change')
  store.clear()
  assert.equal(heldCandidates(store, ownNew, NOW + 3 + 30_000).map(c => c.record.n), ['me again'], 'clear is a change')
})

candidates('search parts - a candidate is computed once per record object', () => {
  const r = rec('ada')
  assert.is(candidateOf(r), candidateOf(r))
  assert.is(candidateOf(r).hex, idToHex(r.id))
})

candidates('search parts - matching in place: case, accents and prefixes of name tokens', async () => {
  const pool = matchPool()
  const cs = ['Zoë Éloïse', 'Ada Lovelace', 'Lovelace Ada', 'Adam Smith', 'Bob'].map(n => ({ record: rec(n) }))
  const names = async (q: string): Promise<string[]> =>
    (await lastValueFrom(matching(cs, q, { pool, threshold: 100 }))).map(c => c.record.n)
  assert.equal(await names('ada lov'), ['Ada Lovelace', 'Lovelace Ada'])
  assert.equal(await names('ELO'), ['Zoë Éloïse'])
  assert.equal(await names('ada'), ['Ada Lovelace', 'Lovelace Ada', 'Adam Smith'])
  assert.equal(await names('dam'), [], 'a token must start with the query token')
  assert.is(pool.runs, 0, 'few names never go to the pool')
})

candidates('search parts - matching many names goes to the pool; a failing pool falls back to matching in place', async () => {
  const cs = Array.from({ length: 30 }, (_, i) => ({ record: { ...rec('x'), n: i % 3 === 0 ? `Peer ${i} Éloïse` : `Peer ${i}` } }))
  const pool = matchPool()
  const got = await lastValueFrom(matching(cs, 'eloise', { pool, threshold: 10 }))
  assert.is(pool.runs, 1)
  assert.equal(got.map(c => c.record.n), cs.filter((_, i) => i % 3 === 0).map(c => c.record.n))
  const failing = matchPool(true)
  const again = await lastValueFrom(matching(cs, 'eloise', { pool: failing, threshold: 10 }))
  assert.is(failing.runs, 1)
  assert.equal(again, got)
})

candidates('search parts - the name index finds exactly what matchesName finds, in id order, after a cursor', () => {
  const words = ['Ada', 'Adam', 'Lovelace', 'Zoë', 'Éloïse', 'bob', 'Bobby', 'Łódź', 'a', 'jean-luc', 'o\'neil', '42', 'adele']
  let seed = 7
  const pick = (): string => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return words[seed % words.length]!
  }
  const cs = Array.from({ length: 300 }, () => candidateOf(rec(`${pick()} ${pick()}${seed % 3 === 0 ? ' ' + pick() : ''}`))).sort((a, b) =>
    a.hex < b.hex ? -1 : 1
  )
  const index = indexOf(cs)
  for (const q of ['ada', 'ADA LOV', 'elo', 'lodz', 'a', 'bob ada', 'jean luc', 'o', '4', 'zz', 'adam adam', 'Ł']) {
    const want = cs.filter(c => matchesName(c.record.n, q))
    assert.equal(indexMatches(index, q).map(c => c.hex), want.map(c => c.hex), q)
    const cursor = cs[150]!.hex
    assert.equal(indexMatches(index, q, cursor).map(c => c.hex), want.filter(c => c.hex > cursor).map(c => c.hex), `${q} after a cursor`)
  }
  assert.equal(indexMatches(index, '!!!'), [], 'no token: nothing')
})

candidates('search parts - the index is built with the candidates, once per store version', () => {
  const store = createStore({ ttl: 30_000, maxPerList: 100, maxPerIp: 100 })
  assert.ok(store.put(3, rec('ada', { list: 3 }), { now: NOW }).ok)
  const first = heldIndex(store, undefined, NOW)
  assert.is(heldIndex(store, undefined, NOW + 1), first, 'no change: the same index')
  assert.is(heldCandidates(store, undefined, NOW + 1), first.candidates)
  assert.ok(store.put(3, rec('bob', { list: 3 }), { now: NOW + 2 }).ok)
  const second = heldIndex(store, undefined, NOW + 2)
  assert.is.not(second, first)
  assert.equal(indexMatches(second, 'bo').map(c => c.record.n), ['bob'])
})

candidates('search parts - a pool task given up before it starts is aborted (it leaves the pool\'s queue)', async () => {
  const signals: AbortSignal[] = []
  const stalled: ComputePool = { run: async (_task, _arg, opts) => {
    signals.push(opts!.signal!)
    return await new Promise(() => {})
  } }
  const cs = Array.from({ length: 30 }, () => ({ record: rec('x') }))
  const sub = matching(cs, 'x', { pool: stalled, threshold: 10 }).subscribe()
  assert.is(signals.length, 1)
  assert.is(signals[0]!.aborted, false)
  sub.unsubscribe()
  assert.is(signals[0]!.aborted, true)
})

candidates('search parts - the pool task: indices of matching names; bad input matches nothing', () => {
  assert.equal(matchNames({ names: ['Ada', 'bob', 'ada b', 7], query: 'ada' }), [0, 2])
  for (const bad of [null, 1, 'ada', {}, { names: 'ada', query: 'ada' }, { names: ['ada'], query: 1 }]) {
    assert.equal(matchNames(bad), [], JSON.stringify(bad))
  }
})

candidates.run()

// ── page sizing ──────────────────────────────────────────────────────────────────────────────

const page = suite('search parts - pc_search pages')

const SELF = generateIdentity().id
const TOKEN = new Uint8Array(8).fill(7)
const TID = new Uint8Array(16)

function sorted (n: number, name = 'peer'): ReturnType<typeof candidateOf>[] {
  return Array.from({ length: n }, (_, i) => candidateOf(rec(`${name} ${i}`))).sort((a, b) => a.hex < b.hex ? -1 : 1)
}

/** A pc_search page (as pc-search.ts fills it): the one page filler with the search reply's keys. */
function fillSearchPage (cs: ReadonlyArray<ReturnType<typeof candidateOf>>,
  opts: { self: Uint8Array, token: Uint8Array, budget: number, cursor: Uint8Array }): { records: unknown[], next: Uint8Array | undefined } {
  const p = fillPage(cs, { self: opts.self, budget: opts.budget, cursor: opts.cursor, rest: { records: [], token: opts.token } })
  return { records: p.items.map(c => c.wire), next: p.next }
}

function encodedSize (records: unknown[], next: Uint8Array | undefined): number {
  const r: Record<string, unknown> = { id: SELF, records, token: TOKEN }
  if (next !== undefined) r.next = next
  return encodeResponse(TID, r).length
}

page('search parts - a page fits its budget exactly as encoded, in order, with the next cursor', () => {
  const cs = sorted(20)
  for (const budget of [150, 300, 600, 1200]) {
    const p = fillSearchPage(cs, { self: SELF, token: TOKEN, budget, cursor: new Uint8Array(0) })
    assert.ok(encodedSize(p.records, p.next) <= budget, `budget ${budget}`)
    assert.equal(p.records, cs.slice(0, p.records.length).map(c => c.wire))
    if (p.records.length > 0) assert.equal(p.next, cs[p.records.length - 1]!.record.id)
    const one = cs[p.records.length]!
    assert.ok(encodedSize([...p.records, one.wire], one.record.id) > budget, `one more would not fit in ${budget}`)
  }
})

page('search parts - the last page has no next; a page where nothing fits repeats the cursor', () => {
  const cs = sorted(3)
  const all = fillSearchPage(cs, { self: SELF, token: TOKEN, budget: 1200, cursor: new Uint8Array(0) })
  assert.is(all.records.length, 3)
  assert.is(all.next, undefined)
  const cursor = new Uint8Array(20).fill(1)
  const none = fillSearchPage(cs, { self: SELF, token: TOKEN, budget: 100, cursor })
  assert.equal(none.records, [])
  assert.equal(none.next, cursor)
  assert.equal(fillSearchPage([], { self: SELF, token: TOKEN, budget: 100, cursor }), { records: [], next: undefined })
})

page('search parts - the one binary search: the first id after a cursor, the first token at or after a key', () => {
  const cs = sorted(10)
  const hex = (c: { hex: string }): string => c.hex
  assert.is(firstAfter(cs, cs[3]!.hex, hex), 4)
  assert.is(firstAfter(cs, cs[9]!.hex, hex), 10)
  assert.is(firstAfter(cs, '00'.repeat(20), hex), 0)
  assert.is(firstAfter(cs, 'ff'.repeat(20), hex), 10)
  assert.is(firstAfter([], 'a', hex), 0)
  const tokens = ['ada', 'ada', 'bob', 'bobby', 'zoe']
  assert.is(firstAtLeast(tokens, 'ada', itself), 0)
  assert.is(firstAfter(tokens, 'ada', itself), 2)
  assert.is(firstAtLeast(tokens, 'bob', itself), 2)
  assert.is(firstAtLeast(tokens, 'bob\uffff', itself), 4)
  assert.is(firstAtLeast(tokens, 'zz', itself), 5)
})

page.run()
