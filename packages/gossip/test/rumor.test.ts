import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bdecode, bencode, createRecord, decodeKrpc, encodeAddress, encodeQuery, generateIdentity, MAX_PACKET, parseQueryArgs,
  recordToWire } from '@peerconnect/protocol'
import { seededRandom } from '@peerconnect/runtime'
import { encodeRumor, extendPath, MAX_WIRE_HOPS, parseRumor, pathPrefixes, prefixOf } from '../src/rumor.js'
import type { HitRumor, NoteRumor, Rumor, SearchRumor } from '../src/rumor.js'

const ID = new Uint8Array(8).fill(1)
const ORIGIN = new Uint8Array(20).fill(9)
const IDENTITY = generateIdentity()
const RECORD = createRecord(IDENTITY, { name: 'Zoë Éloïse', host: '10.0.0.7', port: 6881, seq: 4 })

const search: SearchRumor = { kind: 'search', id: ID, hops: 2, origin: ORIGIN, depth: 5, path: new Uint8Array([1, 2, 3, 4]), query: 'zoë',
  address: encodeAddress('10.0.0.1', 7000)!, search: new Uint8Array(8).fill(3) }
const note: NoteRumor = { kind: 'note', id: ID, hops: 1, origin: ORIGIN, depth: 0, path: new Uint8Array(0), topic: 'chat/général',
  data: new Uint8Array([0, 255, 7]) }
const hit: HitRumor = { kind: 'hit', id: ID, hops: 1, search: new Uint8Array(8).fill(3), record: recordToWire(RECORD) }

/** Through bencode and back, as over the wire. */
const wire = (r: Rumor): unknown => {
  const res = bdecode(bencode(encodeRumor(r)))
  assert.ok(res.ok)
  return (res as { value: unknown }).value
}

const codec = suite('rumor - encode and parse')

codec('rumor - each kind survives bencode and parses back the same', () => {
  for (const r of [search, note, hit]) {
    const parsed = parseRumor(wire(r))
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason)
    if (parsed.ok) assert.equal(parsed.rumor, r)
  }
})

codec('rumor - inside a real pc_gossip query: encodeQuery → decodeKrpc → parseQueryArgs → parseRumor', () => {
  for (const r of [search, note, hit]) {
    const buf = encodeQuery(new Uint8Array([1, 2]), 'pc_gossip', { id: ORIGIN, m: encodeRumor(r) })
    const dec = decodeKrpc(buf)
    assert.ok(dec.ok && dec.msg.y === 'q')
    if (!dec.ok || dec.msg.y !== 'q') return
    const args = parseQueryArgs('pc_gossip', dec.msg.a)
    assert.ok(args.ok)
    if (!args.ok) return
    const parsed = parseRumor(args.args.m)
    assert.ok(parsed.ok)
    if (parsed.ok) assert.is(parsed.rumor.kind, r.kind)
  }
})

codec('rumor - the largest rumors fit one packet', () => {
  const bigSearch: SearchRumor = { ...search, query: 'é'.repeat(32), path: new Uint8Array(32),
    address: encodeAddress('2001:db8::1', 7000)! }
  const bigNote: NoteRumor = { ...note, topic: 't'.repeat(64), data: new Uint8Array(512), path: new Uint8Array(32) }
  const bigHit: HitRumor = { ...hit,
    record: recordToWire(createRecord(IDENTITY, { name: 'n'.repeat(64), host: '2001:db8::1', port: 1, seq: Number.MAX_SAFE_INTEGER })) }
  for (const r of [bigSearch, bigNote, bigHit]) {
    const size = encodeQuery(new Uint8Array(4), 'pc_gossip', { id: ORIGIN, m: encodeRumor(r) }).length
    assert.ok(size < MAX_PACKET, `${r.kind}: ${size} bytes`)
    assert.ok(parseRumor(wire(r)).ok)
  }
})

codec('rumor - a hit carries only the record fields', () => {
  const m = encodeRumor(hit)
  assert.equal(Object.keys(m).sort(), ['h', 'i', 'k', 'r', 's'])
  assert.equal(Object.keys(m.r as object).sort(), ['a', 'id', 'k', 'n', 's', 'sig'])
})

codec.run()

const bad = suite('rumor - malformed rumors')

const broken = (r: Rumor, patch: Record<string, unknown>): unknown => ({ ...(wire(r) as object), ...patch })
const reasonOf = (m: unknown): string => {
  const p = parseRumor(m)
  assert.not.ok(p.ok)
  return p.ok ? '' : p.reason
}

bad('rumor - not a dict', () => {
  for (const m of [undefined, null, 7, 'x', [], new Uint8Array(3)]) assert.ok(reasonOf(m).includes('dict'))
})

bad('rumor - common fields: id length, kind, hops', () => {
  assert.ok(reasonOf(broken(note, { i: new Uint8Array(7) })).startsWith('i '))
  assert.ok(reasonOf(broken(note, { k: new TextEncoder().encode('gossip') })).startsWith('k '))
  assert.ok(reasonOf(broken(note, { k: 'note' })).startsWith('k '), 'text must be bytes as on the wire')
  assert.ok(reasonOf(broken(note, { h: -1 })).startsWith('h '))
  assert.ok(reasonOf(broken(note, { h: MAX_WIRE_HOPS + 1 })).startsWith('h '))
  assert.ok(parseRumor(broken(note, { h: MAX_WIRE_HOPS })).ok)
})

bad('rumor - spread fields: origin, depth, path', () => {
  assert.ok(reasonOf(broken(search, { o: new Uint8Array(19) })).startsWith('o '))
  assert.ok(reasonOf(broken(search, { d: 161 })).startsWith('d '))
  assert.ok(reasonOf(broken(search, { d: 1.5 })).startsWith('d '))
  assert.ok(reasonOf(broken(search, { p: new Uint8Array(5) })).startsWith('p '), 'not whole prefixes')
  assert.ok(reasonOf(broken(search, { p: new Uint8Array(36) })).startsWith('p '), 'more than 8 prefixes')
  assert.ok(parseRumor(broken(search, { d: 160, p: new Uint8Array(32) })).ok)
})

bad('rumor - search fields: query, address, search id', () => {
  const enc = new TextEncoder()
  for (const q of ['', '   ', '!!!', 'a'.repeat(65)]) {
    assert.ok(reasonOf(broken(search, { q: enc.encode(q) })).startsWith('q '), JSON.stringify(q))
  }
  assert.ok(reasonOf(broken(search, { q: new Uint8Array([0xff, 0xfe]) })).startsWith('q '), 'not UTF-8')
  assert.ok(reasonOf(broken(search, { a: new Uint8Array(5) })).startsWith('a '))
  assert.ok(reasonOf(broken(search, { a: new Uint8Array([10, 0, 0, 1, 0, 0]) })).startsWith('a '), 'port 0')
  assert.ok(reasonOf(broken(search, { s: new Uint8Array(9) })).startsWith('s '))
})

bad('rumor - note fields: topic and payload bounds', () => {
  const enc = new TextEncoder()
  assert.ok(reasonOf(broken(note, { t: new Uint8Array(0) })).startsWith('t '))
  assert.ok(reasonOf(broken(note, { t: enc.encode('x'.repeat(65)) })).startsWith('t '))
  assert.ok(reasonOf(broken(note, { x: new Uint8Array(513) })).startsWith('x '))
  assert.ok(reasonOf(broken(note, { x: 5 })).startsWith('x '))
  assert.ok(parseRumor(broken(note, { x: new Uint8Array(512) })).ok)
})

bad('rumor - hit fields: search id and a record', () => {
  assert.ok(reasonOf(broken(hit, { s: new Uint8Array(2) })).startsWith('s '))
  assert.ok(reasonOf(broken(hit, { r: { ...(hit.record as object), sig: new Uint8Array(3) } })).startsWith('r '))
  assert.ok(reasonOf(broken(hit, { r: 'record' })).startsWith('r '))
})

bad('rumor - never throws on random dicts', () => {
  const random = seededRandom(99)
  const values = [undefined, null, 0, -1, 2 ** 60, 1.5, 'x', new Uint8Array(0), new Uint8Array(8), new Uint8Array(20), new Uint8Array(64),
    [], {}, { a: 1 }]
  const keys = ['i', 'k', 'h', 'o', 'd', 'p', 'q', 'a', 's', 't', 'x', 'r']
  const kinds = ['search', 'hit', 'note', 'nope'].map(k => new TextEncoder().encode(k))
  for (let n = 0; n < 3000; n++) {
    const m: Record<string, unknown> = { k: kinds[Math.floor(random() * kinds.length)] }
    for (const key of keys) if (random() < 0.7) m[key] = values[Math.floor(random() * values.length)]
    const parsed = parseRumor(m)
    assert.type(parsed.ok, 'boolean')
  }
})

bad.run()

const path = suite('rumor - path of recent senders')

path('rumor - extendPath appends a 4-byte prefix and keeps the last 8', () => {
  const ids = Array.from({ length: 12 }, (_, i) => {
    const id = new Uint8Array(20)
    id[0] = i + 1
    id[3] = 0xaa
    return id
  })
  let p: Uint8Array = new Uint8Array(0)
  for (const [i, id] of ids.entries()) {
    p = extendPath(p, id)
    assert.is(p.length, Math.min(i + 1, 8) * 4)
  }
  assert.equal(pathPrefixes(p), ids.slice(4).map(id => prefixOf(id)))
})

path('rumor - prefixOf reads the first four bytes big-endian, unsigned', () => {
  assert.is(prefixOf(new Uint8Array([0xff, 0xff, 0xff, 0xff, 9])), 0xffffffff)
  assert.is(prefixOf(new Uint8Array([0, 0, 1, 2])), 258)
})

path('rumor - pathPrefixes ignores a trailing partial prefix', () => {
  assert.equal(pathPrefixes(new Uint8Array([0, 0, 0, 1, 9, 9])), [1])
})

path.run()
