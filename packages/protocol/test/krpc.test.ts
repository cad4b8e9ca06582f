import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import codec from 'bencode'
import { CLIENT_VERSION, KRPC_ERROR, MAX_PACKET, MAX_REPLY_PACKET, decodeKrpc, encodeError, encodeKrpc, encodeQuery,
  encodeResponse } from '../src/krpc.js'
import { bencode } from '../src/bencode.js'
import type { KrpcDecodeResult, KrpcMessage, KrpcQuery } from '../src/krpc.js'
import { encodeNodes } from '../src/compact.js'
import { bytes, concat, filledId, latin1 } from './fixtures.js'

const ID_A = bytes('abcdefghij0123456789')
const ID_M = bytes('mnopqrstuvwxyz123456')
const TID = bytes('aa')

function decoded (buf: Uint8Array): KrpcMessage {
  const res = decodeKrpc(buf)
  if (!res.ok) throw new Error(`expected ${latin1(buf)} to decode, got: ${res.reason}`)
  return res.msg
}

function rejected (input: string | Uint8Array, reason: string): KrpcDecodeResult & { ok: false } {
  const buf = typeof input === 'string' ? bytes(input) : input
  const res = decodeKrpc(buf)
  if (res.ok) throw new Error(`expected ${latin1(buf).slice(0, 80)} to be rejected (${reason})`)
  assert.is(res.code, 203)
  assert.is(res.reason, reason, latin1(buf).slice(0, 80))
  return res
}

function argsOf (msg: KrpcMessage): KrpcQuery['a'] {
  if (msg.y !== 'q') throw new Error('not a query')
  return msg.a
}

const bep5 = suite('krpc - BEP 5 examples')

bep5('krpc - ping query, as bencoded by the bencode package', () => {
  const buf = codec.encode({ t: 'aa', y: 'q', q: 'ping', a: { id: 'abcdefghij0123456789' } })
  assert.is(latin1(buf), 'd1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe')
  assert.equal(decoded(buf), { y: 'q', t: TID, q: 'ping', a: { id: ID_A } })
})

bep5('krpc - ping response', () => {
  const buf = codec.encode({ t: 'aa', y: 'r', r: { id: 'mnopqrstuvwxyz123456' } })
  assert.is(latin1(buf), 'd1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re')
  assert.equal(decoded(buf), { y: 'r', t: TID, r: { id: ID_M } })
})

bep5('krpc - find_node query', () => {
  const buf = codec.encode({ t: 'aa', y: 'q', q: 'find_node', a: { id: 'abcdefghij0123456789', target: 'mnopqrstuvwxyz123456' } })
  assert.is(latin1(buf), 'd1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe')
  assert.equal(decoded(buf), { y: 'q', t: TID, q: 'find_node', a: { id: ID_A, target: ID_M } })
})

bep5('krpc - find_node response (the example\'s 9-byte nodes, and real compact nodes)', () => {
  const example = codec.encode({ t: 'aa', y: 'r', r: { id: '0123456789abcdefghij', nodes: 'def456...' } })
  assert.is(latin1(example), 'd1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re')
  assert.equal(decoded(example), { y: 'r', t: TID, r: { id: bytes('0123456789abcdefghij'), nodes: bytes('def456...') } })
  const nodes = encodeNodes([{ id: ID_M, host: '10.1.2.3', port: 6881 }])
  const real = codec.encode({ t: 'aa', y: 'r', r: { id: '0123456789abcdefghij', nodes } })
  assert.equal(decoded(real), { y: 'r', t: TID, r: { id: bytes('0123456789abcdefghij'), nodes } })
})

bep5('krpc - generic error', () => {
  const buf = codec.encode({ t: 'aa', y: 'e', e: [201, 'A Generic Error Ocurred'] })
  assert.is(latin1(buf), 'd1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee')
  assert.equal(decoded(buf), { y: 'e', t: TID, e: [201, 'A Generic Error Ocurred'] })
})

bep5('krpc - get_peers and announce_peer queries decode (method checked later)', () => {
  assert.is(
    (decoded(bytes('d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe')) as { q: string }).q,
    'get_peers'
  )
  const announce = decoded(
    bytes(
      'd1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz123456' +
        '4:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe'
    )
  )
  assert.equal(announce, { y: 'q', t: TID, q: 'announce_peer',
    a: { id: ID_A, implied_port: 1, info_hash: ID_M, port: 6881, token: bytes('aoeusnth') } })
})

bep5('krpc - a bittorrent-dht style message with v and a 4-byte tid', () => {
  const buf = codec.encode({ t: new Uint8Array([0, 0, 0, 7]), y: 'q', q: 'ping', a: { id: ID_A }, v: 'WD\x00\x01' })
  const msg = decoded(buf)
  assert.equal(msg.t, new Uint8Array([0, 0, 0, 7]))
  assert.equal(msg.v, bytes('WD\x00\x01'))
})

bep5.run()

const roundTrip = suite('krpc - encode and decode')

roundTrip('krpc - encodeQuery round trip, with our version', () => {
  const t = new Uint8Array([1, 2])
  const a = { id: ID_A, target: ID_M, list: 7, cursor: new Uint8Array([1, 0]), tags: [bytes('x'), 3, { deep: [] }] }
  assert.equal(decoded(encodeQuery(t, 'pc_test', a)), { y: 'q', t, q: 'pc_test', a, v: CLIENT_VERSION })
})

roundTrip('krpc - BEP 43 ro: encodeQuery puts ro: 1 at the top level; decodeKrpc reads ro = 1 on queries only', () => {
  const t = new Uint8Array([1, 2])
  const packet = encodeQuery(t, 'ping', { id: ID_A }, { ro: true })
  assert.ok(Buffer.from(packet).toString('latin1').includes('2:roi1e1:t'), 'a top-level key, sorted')
  assert.equal(decoded(packet), { y: 'q', t, q: 'ping', a: { id: ID_A }, v: CLIENT_VERSION, ro: true })
  assert.equal(decoded(encodeQuery(t, 'ping', { id: ID_A }, { ro: false })), { y: 'q', t, q: 'ping', a: { id: ID_A }, v: CLIENT_VERSION })
  for (const ro of [0, 2, new Uint8Array([1])]) {
    assert.equal(decoded(bencode({ t, y: 'q', q: 'ping', a: { id: ID_A }, ro })), { y: 'q', t, q: 'ping', a: { id: ID_A } },
      `ro ${String(ro)} ignored`)
  }
  assert.equal(decoded(bencode({ t, y: 'r', r: { id: ID_A }, ro: 1 })), { y: 'r', t, r: { id: ID_A } }, 'not on replies')
})

roundTrip('krpc - strings in arguments are sent as UTF-8 bytes', () => {
  const msg = decoded(encodeQuery(TID, 'pc_search', { id: ID_A, q: 'café' }))
  assert.equal(argsOf(msg).q, bytes('café'))
})

roundTrip('krpc - encodeResponse round trip, undefined fields left out, ip (BEP 42) kept', () => {
  const r = { id: ID_M, nodes: new Uint8Array(0), next: undefined }
  assert.equal(decoded(encodeResponse(TID, r)), { y: 'r', t: TID, r: { id: ID_M, nodes: new Uint8Array(0) }, v: CLIENT_VERSION })
  const ip = new Uint8Array([1, 2, 3, 4, 0, 80])
  assert.equal(decoded(encodeResponse(TID, { id: ID_M }, { ip })), { y: 'r', t: TID, r: { id: ID_M }, v: CLIENT_VERSION, ip })
})

roundTrip('krpc - encodeError round trip, UTF-8 message', () => {
  for (const code of Object.values(KRPC_ERROR)) {
    assert.equal(decoded(encodeError(TID, code, 'żółw ✓')), { y: 'e', t: TID, e: [code, 'żółw ✓'], v: CLIENT_VERSION })
  }
})

roundTrip('krpc - tids of 1 and 16 bytes', () => {
  for (const n of [1, 16]) assert.is(decoded(encodeQuery(new Uint8Array(n).fill(9), 'ping', { id: ID_A })).t.length, n)
})

roundTrip('krpc - encodeKrpc re-encodes a decoded message byte for byte', () => {
  const inputs = [encodeQuery(TID, 'find_node', { id: ID_A, target: ID_M }),
    encodeResponse(TID, { id: ID_M, token: bytes('tok') }, { ip: new Uint8Array(6).fill(1) }), encodeError(TID, 203, 'bad')]
  for (const buf of inputs) assert.equal(encodeKrpc(decoded(buf)), buf)
})

roundTrip('krpc - decoding copies: the packet can be reused', () => {
  const buf = encodeQuery(TID, 'ping', { id: ID_A })
  const msg = decoded(buf)
  buf.fill(0)
  assert.equal(argsOf(msg).id, ID_A)
})

roundTrip('krpc - a Buffer packet decodes to plain Uint8Arrays', () => {
  const msg = decoded(Buffer.from(encodeQuery(TID, 'ping', { id: ID_A })))
  assert.is(Object.getPrototypeOf(msg.t), Uint8Array.prototype)
})

roundTrip('krpc - CLIENT_VERSION is "PC" and two version bytes', () => {
  assert.is(CLIENT_VERSION.length, 4)
  assert.is(latin1(CLIENT_VERSION.subarray(0, 2)), 'PC')
})

roundTrip('krpc - KRPC error codes', () => {
  assert.equal(KRPC_ERROR, { GENERIC: 201, SERVER: 202, PROTOCOL: 203, METHOD_UNKNOWN: 204 })
})

roundTrip.run()

const encodeErrors = suite('krpc - values that cannot be bencoded')

encodeErrors('krpc - floats, booleans, bigints, symbols, functions throw ERR_KRPC_ENCODE', () => {
  for (const bad of [1.5, NaN, Infinity, true, 10n, Symbol('x'), () => 1, new Date(0), new Map()]) {
    let code: unknown
    try {
      encodeQuery(TID, 'ping', { id: ID_A, bad })
    } catch (err) {
      code = (err as { code?: unknown }).code
    }
    assert.is(code, 'ERR_KRPC_ENCODE', String(typeof bad))
  }
})

encodeErrors('krpc - null or undefined inside a list throws, and so does a cycle', () => {
  const codes: unknown[] = []
  const cyclic: Record<string, unknown> = { id: ID_A }
  cyclic.self = cyclic
  for (const a of [{ id: ID_A, l: [1, null] }, { id: ID_A, l: [undefined] }, cyclic]) {
    try {
      encodeResponse(TID, a)
    } catch (err) {
      codes.push((err as { code?: unknown }).code)
    }
  }
  assert.equal(codes, ['ERR_KRPC_ENCODE', 'ERR_KRPC_ENCODE', 'ERR_KRPC_ENCODE'])
})

encodeErrors('krpc - null fields of a dict are left out, like undefined', () => {
  assert.equal(decoded(encodeResponse(TID, { id: ID_M, x: null })), { y: 'r', t: TID, r: { id: ID_M }, v: CLIENT_VERSION })
})

encodeErrors.run()

const rejections = suite('krpc - rejections (203)')

rejections('krpc - packets over MAX_PACKET bytes', () => {
  const big = encodeQuery(TID, 'ping', { id: ID_A, pad: new Uint8Array(MAX_PACKET) })
  rejected(big, 'packet too large')
  const overhead = encodeQuery(TID, 'ping', { id: ID_A, pad: new Uint8Array(1000) }).length - 1000
  const exact = encodeQuery(TID, 'ping', { id: ID_A, pad: new Uint8Array(MAX_PACKET - overhead) })
  assert.is(exact.length, MAX_PACKET)
  assert.ok(decodeKrpc(exact).ok, 'exactly MAX_PACKET is fine')
  rejected(concat(exact.subarray(0, 1), exact), 'packet too large')
})

rejections('krpc - a reply over MAX_PACKET is read only when one is expected (reply: true), up to MAX_REPLY_PACKET; a query never', () => {
  // bittorrent-dht answers find_node with its whole table: 60 contacts are 1,560 bytes of nodes.
  const nodes = encodeNodes(Array.from({ length: 60 }, (_, i) => ({ id: filledId(i), host: `10.0.0.${i + 1}`, port: 6881 })))
  const reply = encodeKrpc({ t: TID, y: 'r', r: { id: ID_M, nodes } })
  assert.ok(reply.length > MAX_PACKET)
  rejected(reply, 'packet too large')
  const res = decodeKrpc(reply, { reply: true })
  assert.ok(res.ok && res.msg.y === 'r' && (res.msg.r.nodes as Uint8Array).length === 60 * 26)
  const error = encodeKrpc({ t: TID, y: 'e', e: [201, 'x'.repeat(MAX_PACKET)] })
  assert.ok(decodeKrpc(error, { reply: true }).ok, 'an error reply too')
  const query = encodeQuery(TID, 'ping', { id: ID_A, pad: new Uint8Array(MAX_PACKET) })
  const q = decodeKrpc(query, { reply: true })
  assert.ok(!q.ok && q.reason === 'packet too large' && q.t === undefined, 'a large query is dropped, its tid unread')
  const pad = MAX_REPLY_PACKET - encodeKrpc({ t: TID, y: 'r', r: { id: ID_M, nodes: new Uint8Array(10_000) } }).length + 10_000
  const largest = encodeKrpc({ t: TID, y: 'r', r: { id: ID_M, nodes: new Uint8Array(pad) } })
  assert.is(largest.length, MAX_REPLY_PACKET)
  assert.ok(decodeKrpc(largest, { reply: true }).ok, 'exactly MAX_REPLY_PACKET is fine')
  const over = decodeKrpc(concat(largest.subarray(0, 1), largest), { reply: true })
  assert.ok(!over.ok && over.reason === 'packet too large')
})

rejections('krpc - non-bytes input never throws', () => {
  for (const x of [undefined, null, 'd1:ae', [1], {}]) {
    const res = decodeKrpc(x as Uint8Array)
    assert.is(res.ok, false)
  }
})

rejections('krpc - malformed bencode, with the decoder\'s reason', () => {
  rejected('', 'empty input')
  rejected('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q', 'truncated input')
  rejected('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qee', 'trailing bytes')
  rejected('d1:ad2:id99:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe', 'length prefix exceeds input')
  rejected('d1:ad2:id020:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe', 'malformed length prefix')
  rejected('d1:ad2:id20:abcdefghij01234567891:xi01ee1:q4:ping1:t2:aa1:y1:qe', 'malformed integer')
  rejected('d1:ad2:id20:abcdefghij01234567891:xi-0ee1:q4:ping1:t2:aa1:y1:qe', 'malformed integer')
  rejected('d1:ad2:id20:abcdefghij01234567891:xi1x2ee1:q4:ping1:t2:aa1:y1:qe', 'malformed integer')
  rejected('d1:ad2:id20:abcdefghij01234567891:x' + 'l'.repeat(7) + 'e'.repeat(7) + 'e1:q4:ping1:t2:aa1:y1:qe', 'nesting too deep')
  rejected('d1:ai1e1:ai2ee', 'duplicate dict key')
})

rejections('krpc - the top level must be a dict', () => {
  rejected('li1ee', 'top level is not a dict')
  rejected('i1e', 'top level is not a dict')
  rejected('4:spam', 'top level is not a dict')
})

rejections('krpc - t missing, mistyped, empty or longer than 16 bytes', () => {
  rejected('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe', 't missing')
  rejected('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:ti7e1:y1:qe', 't is not a byte string')
  rejected('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:tle1:y1:qe', 't is not a byte string')
  rejected('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t0:1:y1:qe', 't length not 1..16')
  rejected(encodeQuery(new Uint8Array(17), 'ping', { id: ID_A }), 't length not 1..16')
})

rejections('krpc - y missing or not q/r/e', () => {
  rejected('d1:t2:aae', 'y missing')
  for (const y of ['1:x', '1:Q', '2:qq', '0:', 'i1e', 'le']) rejected(`d1:t2:aa1:y${y}e`, 'y is not q, r or e')
})

rejections('krpc - q missing or not a method name', () => {
  rejected('d1:ad2:id20:abcdefghij0123456789e1:t2:aa1:y1:qe', 'q missing')
  for (const q of ['i1e', '0:', '5:pi ng', '4:pi\x00g', 'le', `65:${'x'.repeat(65)}`]) {
    rejected(`d1:ad2:id20:abcdefghij0123456789e1:q${q}1:t2:aa1:y1:qe`, 'q is not a method name')
  }
  assert.ok(decodeKrpc(bytes(`d1:ad2:id20:abcdefghij0123456789e1:q64:${'x'.repeat(64)}1:t2:aa1:y1:qe`)).ok, '64 characters are fine')
})

rejections('krpc - a missing or not a dict', () => {
  rejected('d1:q4:ping1:t2:aa1:y1:qe', 'a missing')
  rejected('d1:ali1ee1:q4:ping1:t2:aa1:y1:qe', 'a is not a dict')
  rejected('d1:a20:abcdefghij01234567891:q4:ping1:t2:aa1:y1:qe', 'a is not a dict')
})

rejections('krpc - id missing, mistyped, or not exactly 20 bytes', () => {
  for (const a of ['de', 'd2:idi1ee', 'd2:id19:abcdefghij012345678e', 'd2:id21:abcdefghij0123456789xe', 'd2:idlee']) {
    rejected(`d1:a${a}1:q4:ping1:t2:aa1:y1:qe`, 'id not 20 bytes')
    rejected(`d1:r${a}1:t2:aa1:y1:re`, 'id not 20 bytes')
  }
})

rejections('krpc - r missing or not a dict', () => {
  rejected('d1:t2:aa1:y1:re', 'r missing')
  rejected('d1:rle1:t2:aa1:y1:re', 'r is not a dict')
})

rejections('krpc - e missing or not [int, bytes]', () => {
  rejected('d1:t2:aa1:y1:ee', 'e missing')
  for (const e of ['de', 'le', 'li201ee', 'l3:bade', 'l3:badi201ee', 'li201ei202ee', 'li201e3:bad3:xtre', 'li201elee', '3:bad']) {
    rejected(`d1:e${e}1:t2:aa1:y1:ee`, 'e is not [int, bytes]')
  }
})

rejections('krpc - v and ip must be byte strings', () => {
  rejected('d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:vi1e1:y1:re', 'v is not a byte string')
  rejected('d2:ipi1e1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re', 'ip is not a byte string')
})

rejections('krpc - t is returned when it could be read, even from broken packets', () => {
  assert.equal(rejected('d1:t2:aa1:y1:xe', 'y is not q, r or e').t, TID)
  assert.equal(rejected('d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe', 'id not 20 bytes').t, TID)
  assert.equal(rejected('d1:t2:aa1:yi01ee', 'malformed integer').t, TID, 'read before the bencode error')
  assert.equal(rejected('d1:t2:aa1:y1:qe1', 'trailing bytes').t, TID)
})

rejections('krpc - no t when none could be read', () => {
  assert.is(rejected('d1:ai01e1:t2:aae', 'malformed integer').t, undefined, 'the error comes before t')
  assert.is(rejected('d1:t0:1:y1:qe', 't length not 1..16').t, undefined)
  assert.is(rejected('li1ee', 'top level is not a dict').t, undefined)
  assert.is(rejected(concat(bytes('d1:t2:aa'), new Uint8Array(MAX_PACKET)), 'packet too large').t, undefined)
})

rejections('krpc - an unusual but valid message still decodes: extra keys, unsorted keys', () => {
  const msg = decoded(bytes('d1:y1:r1:t2:aa1:rd2:id20:mnopqrstuvwxyz1234565:extrai1ee2:roi1ee'))
  assert.equal(msg, { y: 'r', t: TID, r: { id: ID_M, extra: 1 } })
  assert.equal(decoded(encodeQuery(TID, 'ping', { id: filledId(0) })).y, 'q')
})

rejections.run()
