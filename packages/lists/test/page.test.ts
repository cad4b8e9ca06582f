import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeKrpc, encodeQuery, encodeResponse, generateIdentity, idsEqual, randomId } from '@peerconnect/protocol'
import type { NodeInfo } from '@peerconnect/protocol'
import { createStore } from '../src/holding/store.js'
import type { Entry } from '../src/holding/store.js'
import { fillListPage, fitNodes, handoffBatches, padded, querySize, replySize } from '../src/page.js'
import { recordOf } from './fixtures.js'

const SELF = randomId()
const TOKEN = new Uint8Array(8).fill(7)
const NOW = 5_000_000
const TID16 = new Uint8Array(16)

/** `n` held entries in id order, names of `nameLength` characters, seen at various times. */
function entries (n: number, nameLength = 8): Entry[] {
  const s = createStore({ ttl: 60_000, maxPerList: 1000, maxPerIp: 1000 })
  for (let i = 0; i < n; i++) {
    s.put(0, recordOf(generateIdentity(), { name: 'x'.repeat(nameLength), port: 1000 + i }), { now: NOW, seenAt: NOW - i * 997 })
  }
  return s.entries(0, NOW)
}

const ALL = entries(40)
const LONG_NAMES = entries(12, 64)

/** The real size of the reply the handler would send, under the longest tid. */
function realSize (page: ReturnType<typeof fillListPage>): number {
  const r: Record<string, unknown> = { id: SELF, token: TOKEN, records: page.records, ages: page.ages }
  if (page.next !== undefined) r.next = page.next
  return encodeResponse(TID16, r).length
}

const pages = suite('page - pc_list pages')

pages('page - padded: 3× the query (any tid) holds the reply asked for, with a pad of at most 3 bytes too many', () => {
  for (const args of [{ list: 0 }, { list: 19 }, { list: 19, cursor: new Uint8Array(20) }, { q: 'alice' }]) {
    const q = 'list' in args ? 'pc_list' : 'pc_search'
    const a = padded(SELF, q, args, 1200)
    assert.ok(a.pad instanceof Uint8Array, JSON.stringify(Object.keys(a)))
    const size = (tid: number, x: Record<string, unknown>): number => encodeQuery(new Uint8Array(tid), q, { ...x, id: SELF }).length
    assert.ok(3 * size(1, a) >= 1200, `${size(1, a)} bytes`)
    assert.ok(3 * (size(1, a) - 3) < 1200, `${size(1, a)} bytes: padded more than needed`)
    assert.equal({ ...a, pad: undefined }, { ...args, pad: undefined }, 'the other args as they were')
  }
  const big = { list: 3, cursor: new Uint8Array(500) }
  assert.is(padded(SELF, 'pc_list', big, 1200), big, 'a query already that large is not padded')
})

pages('page - a proven page fills a datagram and no more', () => {
  const page = fillListPage(ALL, { self: SELF, token: TOKEN, budget: 1200, now: NOW, cursor: new Uint8Array(0) })
  assert.ok(page.records.length >= 5, `${page.records.length} records`)
  assert.ok(realSize(page) <= 1200, `size ${realSize(page)}`)
  const oneMore = fillListPage(ALL, { self: SELF, token: TOKEN, budget: 1200 + ALL[page.records.length]!.size + 8, now: NOW,
    cursor: new Uint8Array(0) })
  assert.is(oneMore.records.length, page.records.length + 1, 'the budget was the only limit')
})

pages('page - records come in order; next is the last id returned; ages are ms since the last announce', () => {
  const page = fillListPage(ALL, { self: SELF, token: TOKEN, budget: 1200, now: NOW, cursor: new Uint8Array(0) })
  page.records.forEach((w, i) => assert.ok(idsEqual(w.id, ALL[i]!.record.id)))
  assert.ok(page.next !== undefined && idsEqual(page.next, page.records[page.records.length - 1]!.id))
  assert.equal(page.ages, ALL.slice(0, page.records.length).map(e => NOW - e.seenAt))
})

pages('page - the last page has no next', () => {
  const few = ALL.slice(0, 3)
  const page = fillListPage(few, { self: SELF, token: TOKEN, budget: 1200, now: NOW, cursor: new Uint8Array(0) })
  assert.is(page.records.length, 3)
  assert.is(page.next, undefined)
  assert.equal(fillListPage([], { self: SELF, token: TOKEN, budget: 1200, now: NOW, cursor: new Uint8Array(0) }), { records: [], ages: [],
    next: undefined })
})

pages('page - paging through with next visits every entry once', () => {
  const seen: string[] = []
  let rest = ALL
  let cursor: Uint8Array = new Uint8Array(0)
  for (let i = 0; i < 20 && rest.length > 0; i++) {
    const page = fillListPage(rest, { self: SELF, token: TOKEN, budget: 1200, now: NOW, cursor })
    assert.ok(page.records.length > 0)
    seen.push(...page.records.map(r => Buffer.from(r.id).toString('hex')))
    if (page.next === undefined) break
    cursor = page.next
    rest = rest.slice(page.records.length)
  }
  assert.equal(seen, ALL.map(e => e.hex))
})

pages('page - 64-byte names still fit, fewer per page', () => {
  const page = fillListPage(LONG_NAMES, { self: SELF, token: TOKEN, budget: 1200, now: NOW, cursor: new Uint8Array(0) })
  assert.ok(page.records.length >= 4, `${page.records.length}`)
  assert.ok(realSize(page) <= 1200)
})

pages('page - an unproven querier (3× a ~90-byte query) gets the token and a next, no records: nothing fits', () => {
  const query = encodeQuery(new Uint8Array(4), 'pc_list', { id: randomId(), list: 3 })
  const page = fillListPage(ALL, { self: SELF, token: TOKEN, budget: 3 * query.length, now: NOW, cursor: new Uint8Array(0) })
  assert.is(page.records.length, 0)
  assert.equal(page.next, new Uint8Array(0), 'the cursor it came with: start again with the token')
  assert.ok(realSize(page) <= 3 * query.length)
})

pages('page - when nothing fits after a cursor, next is that cursor', () => {
  const cursor = ALL[3]!.record.id
  const page = fillListPage(ALL.slice(4), { self: SELF, token: TOKEN, budget: 100, now: NOW, cursor })
  assert.equal(page.next, cursor)
})

pages.run()

const nodes = suite('page - compact nodes and handoff batches')

const NODES: NodeInfo[] = Array.from({ length: 8 }, (_, i) => ({ id: randomId(), host: `10.0.1.${i + 1}`, port: 6881 + i }))

nodes('page - all 8 nodes fit a proven reply', () => {
  const compact = fitNodes(NODES, { self: SELF, token: TOKEN, budget: 1200 })
  assert.is(compact.length, 8 * 26)
})

nodes('page - an unproven reply gets as many nodes as fit 3× the query', () => {
  const budget = 3 * encodeQuery(new Uint8Array(4), 'pc_list', { id: randomId(), list: 3 }).length
  const compact = fitNodes(NODES, { self: SELF, token: TOKEN, budget })
  const n = compact.length / 26
  assert.ok(n >= 1 && n < 8, `${n} nodes`)
  assert.ok(encodeResponse(TID16, { id: SELF, token: TOKEN, nodes: compact }).length <= budget)
  assert.ok(encodeResponse(TID16, { id: SELF, token: TOKEN, nodes: new Uint8Array((n + 1) * 26) }).length > budget,
    'one more would not fit')
  assert.equal(fitNodes(NODES, { self: SELF, token: TOKEN, budget: 10 }), new Uint8Array(0))
})

nodes('page - handoff batches: every record once, in order, each query within the budget', () => {
  const batches = handoffBatches(ALL, { self: SELF, list: 19, budget: 1200, now: NOW })
  assert.equal(batches.flatMap(b => b.records.map(r => Buffer.from(r.id).toString('hex'))), ALL.map(e => e.hex))
  for (const b of batches) {
    const q = encodeQuery(TID16, 'pc_handoff', { id: SELF, list: 19, records: b.records, ages: b.ages })
    assert.ok(q.length <= 1200, `${q.length}`)
    assert.is(b.ages.length, b.records.length)
    const back = decodeKrpc(q)
    assert.ok(back.ok, 'each batch decodes')
  }
  assert.ok(batches.length <= Math.ceil(ALL.length / 5), `${batches.length} batches for ${ALL.length} records`)
})

nodes('page - no batches for no records; one batch for a few', () => {
  assert.equal(handoffBatches([], { self: SELF, list: 1, budget: 1200, now: NOW }), [])
  assert.is(handoffBatches(ALL.slice(0, 3), { self: SELF, list: 1, budget: 1200, now: NOW }).length, 1)
})

nodes('page - querySize and replySize are the real encoded sizes under a 16-byte tid', () => {
  assert.is(querySize(SELF, 'pc_list', { list: 2 }), encodeQuery(TID16, 'pc_list', { id: SELF, list: 2 }).length)
  assert.is(replySize(SELF, { token: TOKEN }), encodeResponse(TID16, { id: SELF, token: TOKEN }).length)
})

nodes.run()
