import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { GOSSIP_COUNTER_NAMES, GOSSIP_ERRORS, isGossipHit, isGossipNote, isGossipPublish, isGossipPublishReply, isGossipSearch,
  isGossipSearchDone, isGossipStats, isGossipStatsReply, MAX_NOTE_BYTES, MAX_TOPIC_BYTES } from '../src/catalogue/gossip.js'
import * as protocol from '../src/index.js'
import { createEnvelopeCodec } from '../src/envelope.js'
import type { Message } from '../src/message.js'
import { createRecord } from '../src/record.js'
import { generateIdentity } from '../src/identity.js'

const codec = createEnvelopeCodec()
const trip = (m: unknown): unknown => codec.decode(codec.encode([m as Message]))![0]
const IDENTITY = generateIdentity()
const RECORD = createRecord(IDENTITY, { name: 'ada', host: '10.0.0.1', port: 7000, seq: 3 })
const RUMOR_ID = new Uint8Array(8).fill(7)

const notes = suite('catalogue - gossip notes')

notes('catalogue - gossip.publish needs a topic string and payload bytes', () => {
  assert.ok(isGossipPublish({ type: 'gossip.publish', topic: 'chat', data: new Uint8Array([1, 2]) }))
  assert.ok(isGossipPublish(trip({ type: 'gossip.publish', cid: 4, topic: 'chat', data: new Uint8Array(0) })), 'after msgpack')
  assert.not.ok(isGossipPublish({ type: 'gossip.publish', topic: 'chat', data: 'text' }))
  assert.not.ok(isGossipPublish({ type: 'gossip.publish', topic: 7, data: new Uint8Array(1) }))
  assert.not.ok(isGossipPublish({ type: 'gossip.publish', data: new Uint8Array(1) }))
})

notes('catalogue - gossip.publish.reply: rumor id and the peers it went to', () => {
  assert.ok(isGossipPublishReply({ type: 'gossip.publish.reply', re: 1, end: true, id: RUMOR_ID, sent: 3 }))
  assert.ok(isGossipPublishReply(trip({ type: 'gossip.publish.reply', id: RUMOR_ID, sent: 0 })))
  assert.not.ok(isGossipPublishReply({ type: 'gossip.publish.reply', id: RUMOR_ID, sent: -1 }))
})

notes('catalogue - gossip.note carries topic, data, the publisher id and hops', () => {
  const note = { type: 'gossip.note', id: RUMOR_ID, topic: 'chat', data: new Uint8Array([9]), from: IDENTITY.id, hops: 2 }
  assert.ok(isGossipNote(note))
  assert.ok(isGossipNote(trip(note)))
  assert.not.ok(isGossipNote({ ...note, from: new Uint8Array(19) }), 'from is a node id')
  assert.not.ok(isGossipNote({ ...note, hops: 1.5 }))
  assert.not.ok(isGossipNote({ ...note, data: [9] }))
})

notes('catalogue - note limits are exported', () => {
  assert.is(MAX_TOPIC_BYTES, 64)
  assert.is(MAX_NOTE_BYTES, 512)
  assert.is(protocol.MAX_NOTE_BYTES, MAX_NOTE_BYTES)
})

notes.run()

const search = suite('catalogue - gossip search')

search('catalogue - gossip.search: q string, optional timeout in ms', () => {
  assert.ok(isGossipSearch({ type: 'gossip.search', q: 'ada' }))
  assert.ok(isGossipSearch(trip({ type: 'gossip.search', cid: 2, q: 'ada', timeout: 1500 })))
  assert.not.ok(isGossipSearch({ type: 'gossip.search', q: 'ada', timeout: -5 }))
  assert.not.ok(isGossipSearch({ type: 'gossip.search', q: 'ada', timeout: '1s' }))
  assert.not.ok(isGossipSearch({ type: 'gossip.search' }))
})

search('catalogue - gossip.hit: a structurally valid record, via gossip', () => {
  const hit = { type: 'gossip.hit', re: 3, end: false, record: RECORD, via: 'gossip' }
  assert.ok(isGossipHit(hit))
  assert.ok(isGossipHit(trip(hit)), 'after msgpack')
  assert.not.ok(isGossipHit({ ...hit, via: 'lists' }))
  assert.not.ok(isGossipHit({ ...hit, record: { ...RECORD, sig: new Uint8Array(3) } }))
})

search('catalogue - gossip.search.done: hits and ms', () => {
  assert.ok(isGossipSearchDone({ type: 'gossip.search.done', re: 3, end: true, hits: 2, ms: 3001 }))
  assert.not.ok(isGossipSearchDone({ type: 'gossip.search.done', hits: 2 }))
})

search('catalogue - the error codes are stable', () => {
  assert.equal(GOSSIP_ERRORS, { BAD_QUERY: 'ERR_BAD_QUERY', BAD_NOTE: 'ERR_BAD_NOTE', BAD_REQUEST: 'ERR_BAD_REQUEST' })
  const r = protocol.validateQuery('')
  assert.ok(!r.ok && r.error.code === GOSSIP_ERRORS.BAD_QUERY, 'validateQuery uses the same code')
})

search.run()

const stats = suite('catalogue - gossip stats')

stats('catalogue - gossip.stats.reply needs every counter as a natural number', () => {
  const counters = Object.fromEntries(GOSSIP_COUNTER_NAMES.map((k, i) => [k, i]))
  assert.ok(isGossipStats({ type: 'gossip.stats', cid: 1 }))
  assert.ok(isGossipStatsReply({ type: 'gossip.stats.reply', re: 1, end: true, ...counters }))
  assert.ok(isGossipStatsReply(trip({ type: 'gossip.stats.reply', ...counters })))
  for (const k of GOSSIP_COUNTER_NAMES) {
    assert.not.ok(isGossipStatsReply({ type: 'gossip.stats.reply', ...counters, [k]: undefined }), `${k} missing`)
    assert.not.ok(isGossipStatsReply({ type: 'gossip.stats.reply', ...counters, [k]: -1 }), `${k} negative`)
  }
})

stats('catalogue - the counters include the ones the issue names', () => {
  for (const k of ['received', 'forwarded', 'duplicates', 'seenSize']) assert.ok((GOSSIP_COUNTER_NAMES as readonly string[]).includes(k), k)
})

stats.run()
