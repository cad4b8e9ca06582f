import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import codec from 'bencode'
import { decodeKrpc, encodeError, encodeKrpc, encodeQuery, encodeResponse } from '../src/krpc.js'
import type { KrpcDecodeResult, KrpcMessage } from '../src/krpc.js'
import { encodeNodes, encodeNodes6 } from '../src/compact.js'
import { bytes, concat, filledId, prng } from './fixtures.js'
import type { Prng } from './fixtures.js'

/**
 * Deterministic fuzzing of `decodeKrpc`: it must never throw, and every result must be either a
 * well-typed message (that also survives a re-encode) or a 203 with a reason.
 */

const RUNS = 30_000

interface Tally {
  ok: number
  rejected: number
  reasons: Map<string, number>
}

function check (buf: Uint8Array, tally: Tally): void {
  let res: KrpcDecodeResult
  try {
    res = decodeKrpc(buf)
  } catch (err) {
    assert.unreachable(`decodeKrpc threw on ${Buffer.from(buf).toString('hex')}: ${String(err)}`)
    return
  }
  if (res.ok) {
    tally.ok++
    assertWellTyped(res.msg)
    const again = decodeKrpc(encodeKrpc(res.msg))
    assert.ok(again.ok, 're-encoded message decodes')
    if (again.ok) assert.equal(again.msg, res.msg)
  } else {
    tally.rejected++
    tally.reasons.set(res.reason, (tally.reasons.get(res.reason) ?? 0) + 1)
    assert.is(res.code, 203)
    assert.type(res.reason, 'string')
    assert.ok(res.reason.length > 0)
    if (res.t !== undefined) assert.ok(res.t instanceof Uint8Array && res.t.length >= 1 && res.t.length <= 16, 'readable t')
  }
}

function assertWellTyped (msg: KrpcMessage): void {
  assert.ok(msg.t instanceof Uint8Array && msg.t.length >= 1 && msg.t.length <= 16, 't')
  if (msg.v !== undefined) assert.instance(msg.v, Uint8Array)
  if (msg.y === 'q') {
    assert.ok(/^[\x21-\x7e]{1,64}$/.test(msg.q), 'q')
    assert.ok(isPlainDict(msg.a), 'a')
    assert.ok(msg.a.id instanceof Uint8Array && msg.a.id.length === 20, 'a.id')
  } else if (msg.y === 'r') {
    assert.ok(isPlainDict(msg.r), 'r')
    assert.ok(msg.r.id instanceof Uint8Array && msg.r.id.length === 20, 'r.id')
  } else if (msg.y === 'e') {
    assert.is(msg.e.length, 2)
    assert.ok(Number.isSafeInteger(msg.e[0]), 'e code')
    assert.type(msg.e[1], 'string')
  } else {
    assert.unreachable(`bad y: ${String((msg as { y: unknown }).y)}`)
  }
  assertBValues(msg.y === 'q' ? msg.a : msg.y === 'r' ? msg.r : {}, 0)
}

/** Inside a and r: only Uint8Array, safe integers, lists and dicts. */
function assertBValues (x: unknown, depth: number): void {
  assert.ok(depth <= 8, 'depth')
  if (x instanceof Uint8Array || Number.isSafeInteger(x)) return
  if (Array.isArray(x)) {
    for (const v of x) assertBValues(v, depth + 1)
    return
  }
  assert.ok(isPlainDict(x), `unexpected value ${String(x)}`)
  for (const v of Object.values(x as object)) assertBValues(v, depth + 1)
}

function isPlainDict (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype
}

function newTally (): Tally {
  return { ok: 0, rejected: 0, reasons: new Map() }
}

const random = suite('krpc fuzz - random buffers')

random('krpc fuzz - uniform random bytes, 0..1600 long', () => {
  const rnd = prng(0x5eed)
  const tally = newTally()
  for (let i = 0; i < RUNS / 3; i++) check(rnd.bytes(rnd.int(4) === 0 ? rnd.int(1600) : rnd.int(64)), tally)
  assert.is(tally.ok + tally.rejected, RUNS / 3)
  assert.ok(tally.reasons.has('packet too large'), 'some were too large')
})

random('krpc fuzz - bencode-alphabet soup', () => {
  const rnd = prng(0xa1fa)
  const alphabet = [...bytes('ildeqrytav0123456789:-')]
  const tally = newTally()
  for (let i = 0; i < RUNS / 3; i++) {
    const b = new Uint8Array(rnd.int(120))
    for (let j = 0; j < b.length; j++) b[j] = rnd.next() < 0.9 ? rnd.pick(alphabet) : rnd.int(256)
    check(b, tally)
  }
  assert.ok(tally.reasons.size >= 5, `varied rejections: ${[...tally.reasons.keys()].join(', ')}`)
})

random('krpc fuzz - random KRPC-shaped dicts from the bencode package', () => {
  const rnd = prng(0xd1c7)
  const tally = newTally()
  for (let i = 0; i < RUNS / 3; i++) check(codec.encode(randomKrpcShape(rnd)), tally)
  assert.ok(tally.ok > RUNS / 30, `a fair share decodes (${tally.ok})`)
  assert.ok(tally.rejected > RUNS / 30, `a fair share is rejected (${tally.rejected})`)
})

random.run()

const mutations = suite('krpc fuzz - mutations of valid packets')

mutations('krpc fuzz - bit flips, truncations, insertions, deletions, length-prefix edits', () => {
  const rnd = prng(0xf1f1)
  const corpus = validCorpus()
  for (const buf of corpus) assert.ok(decodeKrpc(buf).ok, 'corpus is valid')
  const tally = newTally()
  const kinds = [flipBits, truncate, insert, remove, editLengthPrefix, editInteger, duplicateSlice]
  for (let i = 0; i < RUNS; i++) {
    let buf = rnd.pick(corpus)
    const rounds = 1 + rnd.int(3)
    for (let r = 0; r < rounds; r++) buf = rnd.pick(kinds)(rnd, buf)
    check(buf, tally)
  }
  assert.ok(tally.ok > 0 && tally.rejected > RUNS / 2, `ok ${tally.ok}, rejected ${tally.rejected}`)
  assert.ok(tally.reasons.size >= 10, `varied rejections: ${[...tally.reasons.keys()].join(', ')}`)
})

mutations.run()

// ── generators ───────────────────────────────────────────────────────────────────────────────

function validCorpus (): Uint8Array[] {
  const t = new Uint8Array([0x12, 0x34])
  const id = filledId(0x41)
  const nodes = encodeNodes([{ id: filledId(1), host: '10.0.0.1', port: 6881 }, { id: filledId(2), host: '192.168.1.20', port: 51413 }])
  const nodes6 = encodeNodes6([{ id: filledId(3), host: '2001:db8::7', port: 6881 }])
  return [
    bytes('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe'),
    bytes('d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe'),
    bytes('d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee'),
    encodeResponse(t, { id, nodes, nodes6 }, { ip: new Uint8Array([1, 2, 3, 4, 0x1a, 0xe1]) }),
    encodeQuery(t, 'pc_list', { id, list: 7, cursor: new Uint8Array([7, 0, 12]) }),
    encodeQuery(t, 'pc_announce', { id, list: 3, token: bytes('token123'),
      record: { id, k: new Uint8Array(32).fill(9), n: bytes('alice'), a: new Uint8Array([127, 0, 0, 1, 0x1f, 0x90]), s: 12,
        sig: new Uint8Array(64).fill(5) } }),
    encodeQuery(t, 'pc_gossip', { id, m: { kind: bytes('search'), hops: 2, q: bytes('bob'), origin: [bytes('x'), [1, [2]]] } }),
    encodeResponse(t, { id, records: [{ id, n: bytes('a') }, { id, n: bytes('b') }], next: new Uint8Array([1, 2]) }),
    encodeError(new Uint8Array([9]), 204, 'Method Unknown')
  ]
}

function randomKrpcShape (rnd: Prng): Record<string, unknown> {
  const msg: Record<string, unknown> = {}
  const maybe = (p: number): boolean => rnd.next() < p
  if (maybe(0.9)) msg.t = maybe(0.85) ? rnd.bytes(1 + rnd.int(maybe(0.9) ? 4 : 20)) : randomJunk(rnd)
  if (maybe(0.9)) msg.y = maybe(0.85) ? rnd.pick(['q', 'r', 'e']) : randomJunk(rnd)
  if (maybe(0.3)) msg.v = maybe(0.8) ? rnd.bytes(4) : randomJunk(rnd)
  const args = (): unknown => {
    if (maybe(0.1)) return randomJunk(rnd)
    const a: Record<string, unknown> = {}
    if (maybe(0.9)) a.id = maybe(0.85) ? rnd.bytes(20) : randomJunk(rnd)
    for (let i = rnd.int(4); i > 0; i--) a[rnd.pick(['target', 'nodes', 'list', 'token', 'x'])] = randomJunk(rnd)
    return a
  }
  if (maybe(0.6)) msg.q = maybe(0.85) ? rnd.pick(['ping', 'find_node', 'pc_list', 'get_peers']) : randomJunk(rnd)
  if (maybe(0.6)) msg.a = args()
  if (maybe(0.5)) msg.r = args()
  if (maybe(0.3)) msg.e = maybe(0.7) ? [200 + rnd.int(10), 'oops'] : randomJunk(rnd)
  return msg
}

function randomJunk (rnd: Prng, depth = 0): unknown {
  const kind = rnd.int(depth > 3 ? 3 : 5)
  if (kind === 0) return rnd.int(1000) - 500
  if (kind === 1) return rnd.bytes(rnd.int(24))
  if (kind === 2) return 'str'.repeat(rnd.int(3))
  if (kind === 3) return Array.from({ length: rnd.int(3) }, () => randomJunk(rnd, depth + 1))
  return { id: rnd.bytes(20), x: randomJunk(rnd, depth + 1) }
}

function flipBits (rnd: Prng, buf: Uint8Array): Uint8Array {
  const out = buf.slice()
  if (out.length === 0) return out
  for (let n = 1 + rnd.int(3); n > 0; n--) {
    const i = rnd.int(out.length)
    out[i] = (out[i] ?? 0) ^ (1 << rnd.int(8))
  }
  return out
}

function truncate (rnd: Prng, buf: Uint8Array): Uint8Array {
  return buf.slice(0, rnd.int(buf.length + 1))
}

function insert (rnd: Prng, buf: Uint8Array): Uint8Array {
  const at = rnd.int(buf.length + 1)
  const extra = rnd.int(2) === 0
    ? rnd.bytes(1 + rnd.int(8))
    : bytes(rnd.pick(['i1e', 'le', 'de', '0:', '1:x', 'l', 'd', 'e', ':', '-', '0']))
  const out = new Uint8Array(buf.length + extra.length)
  out.set(buf.subarray(0, at))
  out.set(extra, at)
  out.set(buf.subarray(at), at + extra.length)
  return out
}

function remove (rnd: Prng, buf: Uint8Array): Uint8Array {
  const at = rnd.int(buf.length + 1)
  return concat(buf.subarray(0, at), buf.subarray(Math.min(buf.length, at + 1 + rnd.int(6))))
}

/** Rewrites one `<digits>:` length prefix: bigger, smaller, zero-padded or huge. */
function editLengthPrefix (rnd: Prng, buf: Uint8Array): Uint8Array {
  return editDigits(rnd, buf, 0x3a,
    (n) => rnd.pick([String(n + 1), String(Math.max(0, n - 1)), '0' + String(n), String(n * 1000), '99999999999999999', '']))
}

/** Rewrites one `i<digits>e` integer: leading zero, negative zero, huge, empty. */
function editInteger (rnd: Prng, buf: Uint8Array): Uint8Array {
  return editDigits(rnd, buf, 0x65,
    (n) => rnd.pick(['0' + String(n), '-0', '-' + String(n), '12345678901234567890', '', '1.5', String(n + 1)]))
}

function editDigits (rnd: Prng, buf: Uint8Array, terminator: number, replace: (n: number) => string): Uint8Array {
  const runs: Array<[number, number]> = []
  for (let i = 0; i < buf.length;) {
    if (buf[i]! < 0x30 || buf[i]! > 0x39) {
      i++
      continue
    }
    let j = i
    while (j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39) j++
    if (buf[j] === terminator) runs.push([i, j])
    i = j
  }
  if (runs.length === 0) return buf
  const [from, to] = rnd.pick(runs)
  const n = Number(String.fromCharCode(...buf.subarray(from, to)))
  const text = bytes(replace(n))
  const out = new Uint8Array(buf.length - (to - from) + text.length)
  out.set(buf.subarray(0, from))
  out.set(text, from)
  out.set(buf.subarray(to), from + text.length)
  return out
}

function duplicateSlice (rnd: Prng, buf: Uint8Array): Uint8Array {
  const from = rnd.int(buf.length + 1)
  const to = from + rnd.int(buf.length - from + 1)
  const at = rnd.int(buf.length + 1)
  const slice = buf.slice(from, to)
  const out = new Uint8Array(buf.length + slice.length)
  out.set(buf.subarray(0, at))
  out.set(slice, at)
  out.set(buf.subarray(at), at + slice.length)
  return out
}
