import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { KRPC_METHODS, MAX_FIND_NODE_COUNT, isKrpcMethod, parseQueryArgs, parseReply } from '../src/krpc-methods.js'
import type { KrpcMethod } from '../src/krpc-methods.js'
import { decodeKrpc, encodeQuery, encodeResponse } from '../src/krpc.js'
import { encodeNodes, encodeNodes6 } from '../src/compact.js'
import type { NodeInfo } from '../src/compact.js'
import { createRecord, recordToWire } from '../src/record.js'
import { generateIdentity } from '../src/identity.js'
import { bytes, filledId } from './fixtures.js'

const ID = filledId(0x11)
const TARGET = filledId(0x22)
const me = generateIdentity()
const WIRE = recordToWire(createRecord(me, { name: 'me', host: '10.0.0.1', port: 7000, seq: 1 }))
const NODE: NodeInfo = { id: filledId(3), host: '10.0.0.3', port: 6881 }
const NODE6: NodeInfo = { id: filledId(6), host: 'fe80::6', port: 6886 }

/** Valid arguments for every method, as they look after a trip through the wire. */
const VALID_ARGS: Record<KrpcMethod, Record<string, unknown>> = {
  ping: { id: ID },
  find_node: { id: ID, target: TARGET },
  pc_record: { id: ID },
  pc_list: { id: ID, list: 19, cursor: new Uint8Array([1, 2]) },
  pc_announce: { id: ID, list: 0, record: WIRE, token: bytes('tok') },
  pc_handoff: { id: ID, list: 5, records: [WIRE, WIRE] },
  pc_search: { id: ID, q: 'ålesund', cursor: new Uint8Array([3]) },
  pc_gossip: { id: ID, m: { kind: bytes('note'), hops: 1 } },
  pc_reach: { id: ID, n: new Uint8Array(8) },
  pc_probe: { id: ID, n: new Uint8Array(8) },
  get_peers: { id: ID, info_hash: TARGET },
  announce_peer: { id: ID, info_hash: TARGET, port: 6881, token: bytes('tok') }
}

/** Through the real codec, so values are what an actor will see. */
function wireArgs (q: string, a: Record<string, unknown>): Record<string, unknown> {
  const res = decodeKrpc(encodeQuery(new Uint8Array([7]), q, a))
  if (!res.ok || res.msg.y !== 'q') throw new Error(`fixture does not decode: ${res.ok ? res.msg.y : res.reason}`)
  return res.msg.a
}

function wireReply (r: Record<string, unknown>): Record<string, unknown> {
  const res = decodeKrpc(encodeResponse(new Uint8Array([7]), r))
  if (!res.ok || res.msg.y !== 'r') throw new Error('fixture does not decode')
  return res.msg.r
}

function badArgs (q: string, a: Record<string, unknown>, reason: string): void {
  const res = parseQueryArgs(q, a)
  assert.equal(res, { ok: false, code: 203, reason }, `${q} ${reason}`)
}

function badReply (q: string, r: Record<string, unknown>, reason: string): void {
  assert.equal(parseReply(q, r), { ok: false, code: 203, reason }, `${q} ${reason}`)
}

const methods = suite('krpc-methods - query arguments')

methods('krpc-methods - the table has one entry per method of docs/PROTOCOL.md', () => {
  assert.equal([...KRPC_METHODS].sort(), ['announce_peer', 'find_node', 'get_peers', 'pc_announce', 'pc_gossip', 'pc_handoff', 'pc_list',
    'pc_probe', 'pc_reach', 'pc_record', 'pc_search', 'ping'])
  for (const m of KRPC_METHODS) assert.ok(isKrpcMethod(m))
  for (const m of ['sample_infohashes', 'get', 'put', 'toString', '__proto__', 'constructor', '']) assert.not.ok(isKrpcMethod(m), m)
})

methods('krpc-methods - valid arguments of every method pass, typed', () => {
  for (const m of KRPC_METHODS) {
    const res = parseQueryArgs(m, wireArgs(m, VALID_ARGS[m]))
    assert.ok(res.ok, m)
    if (res.ok) assert.is(res.method, m)
  }
})

methods('krpc-methods - pc_search q becomes a string; optional cursors may be absent', () => {
  const res = parseQueryArgs('pc_search', wireArgs('pc_search', { id: ID, q: 'ålesund' }))
  assert.equal(res, { ok: true, method: 'pc_search', args: { id: ID, q: 'ålesund' } })
  const list = parseQueryArgs('pc_list', wireArgs('pc_list', { id: ID, list: 3 }))
  assert.equal(list, { ok: true, method: 'pc_list', args: { id: ID, list: 3 } })
})

methods('krpc-methods - only known fields are kept; records are clean copies', () => {
  const res = parseQueryArgs('pc_announce', wireArgs('pc_announce', { ...VALID_ARGS.pc_announce, extra: 1, record: { ...WIRE, junk: 2 } }))
  assert.ok(res.ok)
  if (res.ok) {
    assert.equal(Object.keys(res.args).sort(), ['id', 'list', 'record', 'token'])
    assert.equal(res.args.record, WIRE)
  }
})

methods('krpc-methods - pc_gossip m may be bytes or a dict', () => {
  assert.ok(parseQueryArgs('pc_gossip', wireArgs('pc_gossip', { id: ID, m: bytes('raw rumor') })).ok)
  badArgs('pc_gossip', wireArgs('pc_gossip', { id: ID, m: 5 }), 'm is not bytes or a dict')
  badArgs('pc_gossip', wireArgs('pc_gossip', { id: ID, m: [] }), 'm is not bytes or a dict')
  badArgs('pc_gossip', { id: ID }, 'm missing')
})

methods('krpc-methods - pc_reach / pc_probe: a nonce of 1..20 bytes; the pc_reach reply names a compact address', () => {
  for (const m of ['pc_reach', 'pc_probe'] as const) {
    badArgs(m, { id: ID }, 'n missing')
    badArgs(m, { id: ID, n: new Uint8Array(0) }, 'n length not 1..20')
    badArgs(m, { id: ID, n: new Uint8Array(21) }, 'n length not 1..20')
    badArgs(m, { id: ID, n: 5 }, 'n is not a byte string')
  }
  const a = new Uint8Array([10, 231, 0, 200, 0x1b, 0x58])
  assert.equal(parseReply('pc_reach', wireReply({ id: ID, a })), { ok: true, method: 'pc_reach',
    reply: { id: ID, a: { host: '10.231.0.200', port: 7000 } } })
  badReply('pc_reach', { id: ID }, 'a missing')
  badReply('pc_reach', { id: ID, a: new Uint8Array(5) }, 'a is not a compact address (6 or 18 bytes)')
})

methods('krpc-methods - an unknown method is a 204', () => {
  for (const q of ['sample_infohashes', 'get', 'put', 'PING', 'hasOwnProperty']) {
    assert.equal(parseQueryArgs(q, { id: ID }), { ok: false, code: 204, reason: `unknown method ${q}` })
  }
})

methods('krpc-methods - id missing or not 20 bytes, for every method', () => {
  for (const m of KRPC_METHODS) {
    badArgs(m, { ...VALID_ARGS[m], id: undefined }, 'id missing')
    badArgs(m, { ...VALID_ARGS[m], id: ID.subarray(1) }, 'id not 20 bytes')
    badArgs(m, { ...VALID_ARGS[m], id: 1 }, 'id not 20 bytes')
  }
})

methods('krpc-methods - find_node target', () => {
  badArgs('find_node', { id: ID }, 'target missing')
  badArgs('find_node', { id: ID, target: new Uint8Array(21) }, 'target not 20 bytes')
})

methods('krpc-methods - find_node n: an integer 1..20 passed on, pad tolerated and dropped', () => {
  for (const n of [1, 8, 20]) {
    const res = parseQueryArgs('find_node', wireArgs('find_node', { id: ID, target: TARGET, n, pad: new Uint8Array(120) }))
    assert.equal(res, { ok: true, method: 'find_node', args: { id: ID, target: TARGET, n } })
  }
  assert.is(MAX_FIND_NODE_COUNT, 20)
})

methods('krpc-methods - find_node n out of range or not an integer is a 203', () => {
  for (const n of [0, -1, 21, 1.5, bytes('8'), [8]]) badArgs('find_node', { id: ID, target: TARGET, n }, 'n is not an integer 1..20')
})

methods('krpc-methods - find_node without n stays BEP 5 (no n in the args), any pad accepted', () => {
  const plain = parseQueryArgs('find_node', wireArgs('find_node', { id: ID, target: TARGET }))
  assert.equal(plain, { ok: true, method: 'find_node', args: { id: ID, target: TARGET } })
  for (const pad of [new Uint8Array(0), 5, [1, 2], { x: 1 }]) {
    assert.equal(parseQueryArgs('find_node', { id: ID, target: TARGET, pad }), { ok: true, method: 'find_node',
      args: { id: ID, target: TARGET } })
  }
})

methods('krpc-methods - find_node want (BEP 32) is kept as a list, a non-list is a 203', () => {
  const res = parseQueryArgs('find_node', wireArgs('find_node', { id: ID, target: TARGET, want: ['n4', 'n6'] }))
  assert.equal(res, { ok: true, method: 'find_node', args: { id: ID, target: TARGET, want: [bytes('n4'), bytes('n6')] } })
  badArgs('find_node', { id: ID, target: TARGET, want: bytes('n4') }, 'want is not a list')
})

methods('krpc-methods - list must be an integer 0..19', () => {
  for (const m of ['pc_list', 'pc_announce', 'pc_handoff'] as const) {
    badArgs(m, { ...VALID_ARGS[m], list: undefined }, 'list missing')
    for (const list of [-1, 20, bytes('1'), 1.5]) badArgs(m, { ...VALID_ARGS[m], list }, 'list is not a list index 0..19')
  }
})

methods('krpc-methods - cursors must be bytes', () => {
  badArgs('pc_list', { ...VALID_ARGS.pc_list, cursor: 3 }, 'cursor is not a byte string')
  badArgs('pc_search', { ...VALID_ARGS.pc_search, q: bytes('x'), cursor: [] }, 'cursor is not a byte string')
})

methods('krpc-methods - pc_announce record and token', () => {
  badArgs('pc_announce', { ...VALID_ARGS.pc_announce, record: undefined }, 'record missing')
  badArgs('pc_announce', { ...VALID_ARGS.pc_announce, record: { ...WIRE, k: new Uint8Array(31) } }, 'record is not a peer record')
  badArgs('pc_announce', { ...VALID_ARGS.pc_announce, record: bytes('x') }, 'record is not a peer record')
  badArgs('pc_announce', { ...VALID_ARGS.pc_announce, token: undefined }, 'token missing')
  badArgs('pc_announce', { ...VALID_ARGS.pc_announce, token: new Uint8Array(0) }, 'token length not 1..64')
  badArgs('pc_announce', { ...VALID_ARGS.pc_announce, token: new Uint8Array(65) }, 'token length not 1..64')
  badArgs('pc_announce', { ...VALID_ARGS.pc_announce, token: 7 }, 'token is not a byte string')
})

methods('krpc-methods - pc_handoff records', () => {
  assert.ok(parseQueryArgs('pc_handoff', { ...VALID_ARGS.pc_handoff, records: [] }).ok, 'an empty handoff is well-formed')
  badArgs('pc_handoff', { id: ID, list: 1 }, 'records missing')
  badArgs('pc_handoff', { id: ID, list: 1, records: WIRE }, 'records is not a list')
  badArgs('pc_handoff', { id: ID, list: 1, records: [WIRE, { ...WIRE, s: -1 }] }, 'records holds something that is not a peer record')
})

methods('krpc-methods - pc_search q: 1..64 bytes of UTF-8', () => {
  assert.ok(parseQueryArgs('pc_search', { id: ID, q: bytes('é'.repeat(32)) }).ok)
  badArgs('pc_search', { id: ID }, 'q missing')
  badArgs('pc_search', { id: ID, q: new Uint8Array(0) }, 'q length not 1..64 bytes')
  badArgs('pc_search', { id: ID, q: bytes('é'.repeat(32) + 'a') }, 'q length not 1..64 bytes')
  badArgs('pc_search', { id: ID, q: new Uint8Array([0x66, 0xff]) }, 'q is not UTF-8')
  badArgs('pc_search', { id: ID, q: 5 }, 'q is not a byte string')
})

methods('krpc-methods - pc_search args that passed the guard pass again unchanged (an actor may check them twice)', () => {
  const once = parseQueryArgs('pc_search', wireArgs('pc_search', { id: ID, q: 'Zoë éloïse', cursor: filledId(1) }))
  assert.ok(once.ok)
  if (!once.ok) return
  assert.equal(parseQueryArgs('pc_search', once.args as unknown as Record<string, unknown>), once)
  assert.ok(parseQueryArgs('pc_search', { id: ID, q: 'é'.repeat(32) }).ok)
  badArgs('pc_search', { id: ID, q: 'é'.repeat(32) + 'a' }, 'q length not 1..64 bytes')
  badArgs('pc_search', { id: ID, q: '' }, 'q length not 1..64 bytes')
  badArgs('pc_search', { id: ID, q: 'a\uD800b' }, 'q is not UTF-8')
})

methods('krpc-methods - pc_search may carry a cursor and a token proving the querier', () => {
  const res = parseQueryArgs('pc_search', wireArgs('pc_search', { id: ID, q: 'ada lov', cursor: filledId(0x44), token: bytes('12345678') }))
  assert.equal(res, { ok: true, method: 'pc_search', args: { id: ID, q: 'ada lov', cursor: filledId(0x44), token: bytes('12345678') } })
  badArgs('pc_search', { id: ID, q: bytes('ada'), token: new Uint8Array(0) }, 'token length not 1..64')
  badArgs('pc_search', { id: ID, q: bytes('ada'), token: new Uint8Array(65) }, 'token length not 1..64')
  badArgs('pc_search', { id: ID, q: bytes('ada'), token: 5 }, 'token is not a byte string')
})

methods('krpc-methods - pc_list may carry a token proving the querier', () => {
  const res = parseQueryArgs('pc_list', wireArgs('pc_list', { id: ID, list: 4, token: bytes('12345678') }))
  assert.equal(res, { ok: true, method: 'pc_list', args: { id: ID, list: 4, token: bytes('12345678') } })
  badArgs('pc_list', { id: ID, list: 4, token: new Uint8Array(0) }, 'token length not 1..64')
  badArgs('pc_list', { id: ID, list: 4, token: new Uint8Array(65) }, 'token length not 1..64')
  badArgs('pc_list', { id: ID, list: 4, token: 'tok' }, 'token is not a byte string')
})

methods('krpc-methods - pc_record may carry a token too', () => {
  assert.equal(parseQueryArgs('pc_record', wireArgs('pc_record', { id: ID, token: bytes('t') })), { ok: true, method: 'pc_record',
    args: { id: ID, token: bytes('t') } })
  assert.equal(parseQueryArgs('pc_record', wireArgs('pc_record', { id: ID, pad: new Uint8Array(40) })), { ok: true, method: 'pc_record',
    args: { id: ID } })
  badArgs('pc_record', { id: ID, token: 5 }, 'token is not a byte string')
})

methods('krpc-methods - pc_handoff ages: one count per record, or absent', () => {
  const res = parseQueryArgs('pc_handoff', wireArgs('pc_handoff', { id: ID, list: 5, records: [WIRE, WIRE], ages: [0, 1500] }))
  assert.equal(res, { ok: true, method: 'pc_handoff', args: { id: ID, list: 5, records: [WIRE, WIRE], ages: [0, 1500] } })
  badArgs('pc_handoff', { id: ID, list: 5, records: [WIRE, WIRE], ages: [1] }, 'ages and records differ in length')
  badArgs('pc_handoff', { id: ID, list: 5, records: [WIRE], ages: [-1] }, 'ages is not a list of counts')
  badArgs('pc_handoff', { id: ID, list: 5, records: [WIRE], ages: 3 }, 'ages is not a list of counts')
  badArgs('pc_handoff', { id: ID, list: 5, records: [WIRE], ages: [bytes('1')] }, 'ages is not a list of counts')
})

methods('krpc-methods - get_peers (BEP 5): a 20-byte info_hash, BEP 32 want kept, BEP 33 noseed / scrape dropped', () => {
  const res = parseQueryArgs('get_peers', wireArgs('get_peers', { id: ID, info_hash: TARGET, want: ['n4'], noseed: 1, scrape: 1 }))
  assert.equal(res, { ok: true, method: 'get_peers', args: { id: ID, info_hash: TARGET, want: [bytes('n4')] } })
  badArgs('get_peers', { id: ID }, 'info_hash missing')
  badArgs('get_peers', { id: ID, info_hash: new Uint8Array(19) }, 'info_hash not 20 bytes')
  badArgs('get_peers', { id: ID, info_hash: TARGET, want: bytes('n4') }, 'want is not a list')
})

methods('krpc-methods - announce_peer (BEP 5): token, port 1..65535 unless implied_port, which is an integer', () => {
  const res = parseQueryArgs('announce_peer',
    wireArgs('announce_peer', { id: ID, info_hash: TARGET, port: 6881, token: bytes('tok'), seed: 1, name: 'x' }))
  assert.equal(res, { ok: true, method: 'announce_peer', args: { id: ID, info_hash: TARGET, port: 6881, token: bytes('tok') } })
  const implied = parseQueryArgs('announce_peer',
    wireArgs('announce_peer', { id: ID, info_hash: TARGET, port: 0, token: bytes('tok'), implied_port: 1 }))
  assert.equal(implied, { ok: true, method: 'announce_peer',
    args: { id: ID, info_hash: TARGET, port: 0, token: bytes('tok'), implied_port: 1 } })
  assert.ok(parseQueryArgs('announce_peer', { id: ID, info_hash: TARGET, token: bytes('tok'), implied_port: 1 }).ok,
    'no port with implied_port')
  if (implied.ok) assert.equal(parseQueryArgs('announce_peer', implied.args as unknown as Record<string, unknown>), implied, 'idempotent')
  const base = VALID_ARGS.announce_peer
  badArgs('announce_peer', { ...base, port: undefined }, 'port missing')
  badArgs('announce_peer', { ...base, port: 0 }, 'port is not 1..65535')
  badArgs('announce_peer', { ...base, port: 65536 }, 'port is not 1..65535')
  badArgs('announce_peer', { ...base, port: 0, implied_port: 0 }, 'port is not 1..65535')
  badArgs('announce_peer', { ...base, port: bytes('1') }, 'port is not an integer')
  badArgs('announce_peer', { ...base, implied_port: bytes('1') }, 'implied_port is not an integer')
  badArgs('announce_peer', { ...base, token: undefined }, 'token missing')
  badArgs('announce_peer', { ...base, token: new Uint8Array(0) }, 'token length not 1..64')
  badArgs('announce_peer', { ...base, info_hash: undefined }, 'info_hash missing')
})

methods('krpc-methods - a that is not a dict is a 203, never a throw', () => {
  for (const a of [null, undefined, [], bytes('x'), 3]) {
    assert.equal(parseQueryArgs('ping', a as unknown as Record<string, unknown>), { ok: false, code: 203, reason: 'a is not a dict' })
  }
})

methods.run()

const replies = suite('krpc-methods - replies')

replies('krpc-methods - ping reply', () => {
  assert.equal(parseReply('ping', wireReply({ id: ID, extra: 1 })), { ok: true, method: 'ping', reply: { id: ID } })
  badReply('ping', {}, 'id missing')
})

replies('krpc-methods - find_node reply decodes nodes and nodes6', () => {
  const res = parseReply('find_node', wireReply({ id: ID, nodes: encodeNodes([NODE, NODE]), nodes6: encodeNodes6([NODE6]) }))
  assert.equal(res, { ok: true, method: 'find_node', reply: { id: ID, nodes: [NODE, NODE], nodes6: [NODE6] } })
})

replies('krpc-methods - find_node reply with only one of nodes / nodes6, or an empty nodes', () => {
  assert.equal(parseReply('find_node', { id: ID, nodes: encodeNodes([NODE]) }), { ok: true, method: 'find_node',
    reply: { id: ID, nodes: [NODE], nodes6: [] } })
  assert.equal(parseReply('find_node', { id: ID, nodes6: encodeNodes6([NODE6]) }), { ok: true, method: 'find_node',
    reply: { id: ID, nodes: [], nodes6: [NODE6] } })
  assert.equal(parseReply('find_node', { id: ID, nodes: new Uint8Array(0) }), { ok: true, method: 'find_node',
    reply: { id: ID, nodes: [], nodes6: [] } })
})

replies('krpc-methods - find_node reply: nodes a multiple of 26, nodes6 of 38', () => {
  badReply('find_node', { id: ID }, 'nodes missing')
  badReply('find_node', { id: ID, nodes: bytes('def456...') }, 'nodes is not compact IPv4 nodes (26 bytes each)')
  badReply('find_node', { id: ID, nodes: new Uint8Array(27) }, 'nodes is not compact IPv4 nodes (26 bytes each)')
  badReply('find_node', { id: ID, nodes: 'x'.repeat(26) }, 'nodes is not compact IPv4 nodes (26 bytes each)')
  badReply('find_node', { id: ID, nodes: encodeNodes([NODE]), nodes6: encodeNodes([NODE]) },
    'nodes6 is not compact IPv6 nodes (38 bytes each)')
  badReply('find_node', { id: ID, nodes6: new Uint8Array(76) }, 'nodes6 is not compact IPv6 nodes (38 bytes each)')
})

replies('krpc-methods - the BEP 5 find_node response example is rejected by the reply guard (9-byte nodes)', () => {
  const res = decodeKrpc(bytes('d1:rd2:id20:0123456789abcdefghij5:nodes9:def456...e1:t2:aa1:y1:re'))
  assert.ok(res.ok && res.msg.y === 'r')
  if (res.ok && res.msg.y === 'r') assert.is(parseReply('find_node', res.msg.r).ok, false)
})

replies('krpc-methods - pc_record, pc_announce, pc_handoff, pc_gossip replies', () => {
  assert.equal(parseReply('pc_record', wireReply({ id: ID, record: WIRE })), { ok: true, method: 'pc_record',
    reply: { id: ID, record: WIRE } })
  badReply('pc_record', { id: ID }, 'record missing')
  assert.ok(parseReply('pc_announce', { id: ID }).ok)
  assert.equal(parseReply('pc_handoff', { id: ID, stored: 2 }), { ok: true, method: 'pc_handoff', reply: { id: ID, stored: 2 } })
  badReply('pc_handoff', { id: ID }, 'stored missing')
  badReply('pc_handoff', { id: ID, stored: -1 }, 'stored is not a count')
  assert.ok(parseReply('pc_gossip', { id: ID }).ok)
})

replies('krpc-methods - pc_list reply: a token, then records or nodes', () => {
  const withRecords = parseReply('pc_list', wireReply({ id: ID, token: bytes('t'), records: [WIRE], next: new Uint8Array([0, 1]) }))
  assert.equal(withRecords, { ok: true, method: 'pc_list',
    reply: { id: ID, token: bytes('t'), records: [WIRE], next: new Uint8Array([0, 1]) } })
  const withNodes = parseReply('pc_list', wireReply({ id: ID, token: bytes('t'), nodes: encodeNodes([NODE]) }))
  assert.equal(withNodes, { ok: true, method: 'pc_list', reply: { id: ID, token: bytes('t'), nodes: [NODE] } })
  badReply('pc_list', { id: ID }, 'token missing')
  badReply('pc_list', { id: ID, token: bytes('t'), records: [1] }, 'records holds something that is not a peer record')
  badReply('pc_list', { id: ID, token: bytes('t'), nodes: new Uint8Array(5) }, 'nodes is not compact IPv4 nodes (26 bytes each)')
})

replies('krpc-methods - pc_list reply ages: one count per record', () => {
  const res = parseReply('pc_list', wireReply({ id: ID, token: bytes('t'), records: [WIRE], ages: [250] }))
  assert.equal(res, { ok: true, method: 'pc_list', reply: { id: ID, token: bytes('t'), records: [WIRE], ages: [250] } })
  badReply('pc_list', { id: ID, token: bytes('t'), records: [WIRE], ages: [1, 2] }, 'ages and records differ in length')
  badReply('pc_list', { id: ID, token: bytes('t'), ages: [1] }, 'ages and records differ in length')
  badReply('pc_list', { id: ID, token: bytes('t'), records: [WIRE], ages: [1.5] }, 'ages is not a list of counts')
})

replies('krpc-methods - pc_search reply', () => {
  assert.equal(parseReply('pc_search', { id: ID, records: [] }), { ok: true, method: 'pc_search', reply: { id: ID, records: [] } })
  badReply('pc_search', { id: ID }, 'records missing')
  badReply('pc_search', { id: ID, records: [], next: 1 }, 'next is not a byte string')
})

replies('krpc-methods - pc_search reply: records, next and token through the wire', () => {
  const next = filledId(0x33)
  const res = parseReply('pc_search', wireReply({ id: ID, records: [WIRE], next, token: bytes('12345678') }))
  assert.equal(res, { ok: true, method: 'pc_search', reply: { id: ID, records: [WIRE], next, token: bytes('12345678') } })
  badReply('pc_search', { id: ID, records: [], token: new Uint8Array(0) }, 'token length not 1..64')
  badReply('pc_search', { id: ID, records: [], token: 'tok' }, 'token is not a byte string')
  badReply('pc_search', { id: ID, records: [{ ...WIRE, sig: new Uint8Array(3) }] }, 'records holds something that is not a peer record')
})

replies('krpc-methods - get_peers reply: token, compact values (6 / 18 bytes) decoded, nodes and nodes6', () => {
  const v4 = new Uint8Array([10, 0, 0, 1, 0x1a, 0xe1])
  const v6 = new Uint8Array([0xfe, 0x80, ...new Uint8Array(13), 1, 0x1a, 0xe2])
  const res = parseReply('get_peers', wireReply({ id: ID, token: bytes('tok'), values: [v4, v6], nodes: encodeNodes([NODE]) }))
  assert.equal(res, { ok: true, method: 'get_peers',
    reply: { id: ID, token: bytes('tok'), values: [{ host: '10.0.0.1', port: 6881 }, { host: 'fe80::1', port: 6882 }], nodes: [NODE],
      nodes6: [] } })
  assert.equal(parseReply('get_peers', { id: ID }), { ok: true, method: 'get_peers', reply: { id: ID, nodes: [], nodes6: [] } })
  badReply('get_peers', { id: ID, values: v4 }, 'values is not a list')
  badReply('get_peers', { id: ID, values: [new Uint8Array(7)] }, 'values holds something that is not a compact peer (6 or 18 bytes)')
  badReply('get_peers', { id: ID, values: [new Uint8Array([10, 0, 0, 1, 0, 0])] },
    'values holds something that is not a compact peer (6 or 18 bytes)')
  badReply('get_peers', { id: ID, nodes: new Uint8Array(5) }, 'nodes is not compact IPv4 nodes (26 bytes each)')
  assert.equal(parseReply('announce_peer', { id: ID }), { ok: true, method: 'announce_peer', reply: { id: ID } })
})

replies('krpc-methods - an unknown method or a non-dict r is a 203', () => {
  badReply('sample_infohashes', { id: ID }, 'no reply guard for method sample_infohashes')
  assert.equal(parseReply('ping', null as unknown as Record<string, unknown>), { ok: false, code: 203, reason: 'r is not a dict' })
})

replies.run()
