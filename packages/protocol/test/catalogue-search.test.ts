import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { HIT_SOURCES, isHitSource, isSearchDone, isSearchHit, isSearchInvalidate, isSearchInvalidateReply, isSearchQuery, isSearchVia,
  SEARCH_VIAS } from '../src/catalogue/search.js'
import * as protocol from '../src/index.js'
import { createEnvelopeCodec } from '../src/envelope.js'
import type { Message } from '../src/message.js'
import { createRecord } from '../src/record.js'
import { generateIdentity } from '../src/identity.js'

const codec = createEnvelopeCodec()
const trip = (m: unknown): unknown => codec.decode(codec.encode([m as Message]))![0]
const RECORD = createRecord(generateIdentity(), { name: 'Ada Lovelace', host: '10.0.0.1', port: 7000, seq: 3 })

const query = suite('catalogue - search.query')

query('catalogue - search.query: q string, optional via and timeout', () => {
  assert.ok(isSearchQuery({ type: 'search.query', q: 'ada' }))
  assert.ok(isSearchQuery(trip({ type: 'search.query', cid: 4, q: 'ada', via: 'lists', timeout: 1500 })), 'after msgpack')
  for (const via of SEARCH_VIAS) assert.ok(isSearchQuery({ type: 'search.query', q: 'x', via }), via)
  assert.not.ok(isSearchQuery({ type: 'search.query', q: 'ada', via: 'pigeon' }))
  assert.not.ok(isSearchQuery({ type: 'search.query', q: 'ada', timeout: -1 }))
  assert.not.ok(isSearchQuery({ type: 'search.query', q: 5 }))
  assert.not.ok(isSearchQuery({ type: 'search.query' }))
})

query('catalogue - vias and hit sources are closed sets', () => {
  assert.equal([...SEARCH_VIAS], ['hybrid', 'lists', 'gossip'])
  assert.equal([...HIT_SOURCES], ['local', 'lists', 'gossip'])
  for (const x of ['local', 'hybrid ', '', null, 1]) assert.not.ok(isSearchVia(x), String(x))
  for (const x of ['hybrid', 'LOCAL', '', undefined]) assert.not.ok(isHitSource(x), String(x))
})

query.run()

const replies = suite('catalogue - search replies')

replies('catalogue - search.hit: a structurally valid record tagged with its source', () => {
  assert.ok(isSearchHit({ type: 'search.hit', re: 1, end: false, record: RECORD, via: 'local' }))
  assert.ok(isSearchHit(trip({ type: 'search.hit', re: 1, end: false, record: RECORD, via: 'gossip' })), 'after msgpack')
  assert.not.ok(isSearchHit({ type: 'search.hit', record: RECORD, via: 'hybrid' }), 'hybrid is a via, not a source')
  assert.not.ok(isSearchHit({ type: 'search.hit', record: { ...RECORD, sig: new Uint8Array(3) }, via: 'lists' }))
})

replies('catalogue - search.done: distinct hits and ms', () => {
  assert.ok(isSearchDone({ type: 'search.done', re: 2, end: true, hits: 3, ms: 812 }))
  assert.not.ok(isSearchDone({ type: 'search.done', hits: 3 }))
  assert.not.ok(isSearchDone({ type: 'search.done', hits: -1, ms: 3 }))
})

replies('catalogue - search.invalidate and its reply', () => {
  assert.ok(isSearchInvalidate({ type: 'search.invalidate' }))
  assert.ok(isSearchInvalidate(trip({ type: 'search.invalidate', cid: 9 })))
  assert.ok(isSearchInvalidateReply({ type: 'search.invalidate.reply', re: 9, end: true }))
  assert.not.ok(isSearchInvalidate({ type: 'search.invalidate.reply' }))
  assert.not.ok(isSearchInvalidateReply({ type: 'search.invalidate' }))
})

replies('catalogue - the search guards are exported from the package root', () => {
  for (const name of ['isSearchQuery', 'isSearchHit', 'isSearchDone', 'isSearchInvalidate', 'isSearchInvalidateReply']) {
    assert.type((protocol as Record<string, unknown>)[name], 'function', name)
  }
})

replies.run()
