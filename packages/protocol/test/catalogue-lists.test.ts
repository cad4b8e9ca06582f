import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isDirectoryPeer, isListsInvalidate, isListsInvalidateReply, isListsPage, isListsPageReply, isListsSelf, isListsSelfReply,
  isListsStats, isListsStatsReply } from '../src/catalogue/lists.js'
import * as protocol from '../src/index.js'
import { createEnvelopeCodec } from '../src/envelope.js'
import type { Message } from '../src/message.js'
import { createRecord } from '../src/record.js'
import { generateIdentity } from '../src/identity.js'

const codec = createEnvelopeCodec()
const trip = (m: unknown): unknown => codec.decode(codec.encode([m as Message]))![0]
const RECORD = createRecord(generateIdentity(), { name: 'ada', host: '10.0.0.1', port: 7000, seq: 3 })
const PEER = { record: RECORD, list: 7, seenAt: 1_700_000_000_000 }

const page = suite('catalogue - lists.page')

page('catalogue - lists.page: limit ≥ 1, cursor optional string', () => {
  assert.ok(isListsPage({ type: 'lists.page', limit: 10 }))
  assert.ok(isListsPage(trip({ type: 'lists.page', cid: 3, cursor: 'AQc', limit: 1 })))
  for (const limit of [0, -1, 1.5, '10', undefined]) assert.not.ok(isListsPage({ type: 'lists.page', limit }), String(limit))
  for (const cursor of [5, null, new Uint8Array(2)]) assert.not.ok(isListsPage({ type: 'lists.page', limit: 2, cursor }), String(cursor))
})

page('catalogue - lists.page.reply carries directory peers and a next cursor or null', () => {
  assert.ok(isListsPageReply({ type: 'lists.page.reply', peers: [PEER], next: 'AQgA' }))
  assert.ok(isListsPageReply(trip({ type: 'lists.page.reply', re: 1, end: true, peers: [PEER], next: null })), 'after msgpack')
  assert.not.ok(isListsPageReply({ type: 'lists.page.reply', peers: [PEER] }), 'next missing')
  assert.not.ok(isListsPageReply({ type: 'lists.page.reply', peers: [{ ...PEER, list: 20 }], next: null }))
})

page('catalogue - a directory peer has a structurally valid record, a list index and a time', () => {
  assert.ok(isDirectoryPeer(PEER))
  assert.ok(isDirectoryPeer(trip({ type: 'x', ...PEER })))
  assert.not.ok(isDirectoryPeer({ ...PEER, record: { ...RECORD, k: new Uint8Array(31) } }))
  assert.not.ok(isDirectoryPeer({ ...PEER, seenAt: Number.NaN }))
  assert.not.ok(isDirectoryPeer({ ...PEER, list: -1 }))
})

page.run()

const others = suite('catalogue - lists.invalidate, stats, self')

others('catalogue - invalidate and its reply', () => {
  assert.ok(isListsInvalidate({ type: 'lists.invalidate', cid: 1 }))
  assert.ok(isListsInvalidateReply({ type: 'lists.invalidate.reply', re: 1, end: true }))
  assert.not.ok(isListsInvalidate({ type: 'lists.invalidate.reply' }))
})

others('catalogue - stats counts are natural numbers', () => {
  const ok = { type: 'lists.stats.reply', held: 2, records: 9, rejected: { ERR_BAD_SIGNATURE: 1 }, sent: { pc_announce: 8 }, rounds: 3,
    announced: 2 }
  assert.ok(isListsStats({ type: 'lists.stats' }))
  assert.ok(isListsStatsReply(ok))
  assert.ok(isListsStatsReply(trip(ok)))
  assert.not.ok(isListsStatsReply({ ...ok, rejected: { ERR_BAD_SIGNATURE: -1 } }))
  assert.not.ok(isListsStatsReply({ ...ok, sent: [] }))
  assert.not.ok(isListsStatsReply({ ...ok, held: 1.5 }))
  assert.not.ok(isListsStatsReply({ ...ok, rounds: undefined }))
})

others('catalogue - self reply carries a record', () => {
  assert.ok(isListsSelf({ type: 'lists.self' }))
  assert.ok(isListsSelfReply(trip({ type: 'lists.self.reply', re: 2, end: true, record: RECORD })))
  assert.not.ok(isListsSelfReply({ type: 'lists.self.reply', record: null }))
})

others('catalogue - the lists guards are exported from the package root and never throw', () => {
  assert.is(protocol.isListsPage, isListsPage)
  assert.is(protocol.isDirectoryPeer, isDirectoryPeer)
  for (const x of [undefined, null, 0, 'lists.page', [], {}, { type: 5 }]) {
    for (const guard of [isListsPage, isListsPageReply, isListsStatsReply, isListsSelfReply, isDirectoryPeer]) assert.not.ok(guard(x))
  }
})

others.run()
