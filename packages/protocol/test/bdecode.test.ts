import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import codec from 'bencode'
import { bdecode, isBDict, BDECODE_REASON } from '../src/bdecode.js'
import type { BValue, BdecodeResult } from '../src/bdecode.js'
import { BDECODE_MAX_DEPTH } from '../src/constants.js'
import { bytes, prng } from './fixtures.js'
import type { Prng } from './fixtures.js'

function ok (text: string | Uint8Array): BValue {
  const res = bdecode(typeof text === 'string' ? bytes(text) : text)
  if (!res.ok) throw new Error(`expected ${String(text)} to decode, got ${res.reason} at ${res.offset}`)
  return res.value
}

function rejects (text: string | Uint8Array, reason: string, opts = {}): BdecodeResult {
  const res = bdecode(typeof text === 'string' ? bytes(text) : text, opts)
  assert.is(res.ok, false, `expected ${String(text)} to be rejected`)
  if (!res.ok) assert.is(res.reason, reason, `reason for ${String(text)}`)
  return res
}

const values = suite('bdecode - values')

values('bdecode - integers', () => {
  assert.is(ok('i0e'), 0)
  assert.is(ok('i42e'), 42)
  assert.is(ok('i-42e'), -42)
  assert.is(ok('i9007199254740991e'), Number.MAX_SAFE_INTEGER)
  assert.is(ok('i-9007199254740991e'), -Number.MAX_SAFE_INTEGER)
})

values('bdecode - byte strings are fresh Uint8Arrays', () => {
  const input = bytes('4:spam')
  const v = ok(input)
  assert.instance(v, Uint8Array)
  assert.equal(v, bytes('spam'))
  input[2] = 0x21
  assert.equal(v, bytes('spam'), 'not a view of the input')
  assert.equal(ok('0:'), new Uint8Array(0))
})

values('bdecode - a Buffer input gives plain Uint8Arrays, not Buffers', () => {
  const v = ok(Buffer.from('l4:spame'))
  assert.ok(Array.isArray(v))
  const first = v[0]!
  assert.is(Object.getPrototypeOf(first), Uint8Array.prototype)
})

values('bdecode - a subarray input is read at its own offset', () => {
  const whole = bytes('xxxi7eyy')
  assert.is(ok(whole.subarray(3, 6)), 7)
})

values('bdecode - lists and dicts, nested', () => {
  assert.equal(ok('le'), [])
  assert.equal(ok('de'), {})
  assert.equal(ok('li1e4:spamli2eee'), [1, bytes('spam'), [2]])
  assert.equal(ok('d3:bar4:spam3:fooi42ee'), { bar: bytes('spam'), foo: 42 })
  assert.equal(ok('d1:ad1:bd1:cleeee'), { a: { b: { c: [] } } })
})

values('bdecode - unsorted keys are accepted (other clients send them)', () => {
  assert.equal(ok('d1:bi2e1:ai1ee'), { b: 2, a: 1 })
})

values('bdecode - keys decode as UTF-8', () => {
  const v = ok(new Uint8Array([0x64, 0x32, 0x3a, 0xc3, 0xa9, 0x69, 0x31, 0x65, 0x65])) as Record<string, unknown>
  assert.equal(Object.keys(v), ['\u00e9'])
  assert.equal(codec.encode(v), new Uint8Array([0x64, 0x32, 0x3a, 0xc3, 0xa9, 0x69, 0x31, 0x65, 0x65]))
})

values('bdecode - key names of Object.prototype are own data', () => {
  const v = ok('d11:constructori1e8:toStringi2ee') as Record<string, unknown>
  assert.is(v.constructor, 1)
  assert.is(v.toString, 2)
})

values('bdecode - exactly the depth bound is accepted', () => {
  const text = 'l'.repeat(BDECODE_MAX_DEPTH) + 'e'.repeat(BDECODE_MAX_DEPTH)
  let v = ok(text)
  for (let i = 1; i < BDECODE_MAX_DEPTH; i++) v = (v as BValue[])[0]!
  assert.equal(v, [])
})

values('bdecode - isBDict tells dicts from lists and bytes', () => {
  assert.ok(isBDict(ok('de')))
  assert.not.ok(isBDict(ok('le')))
  assert.not.ok(isBDict(ok('0:')))
  assert.not.ok(isBDict(ok('i1e')))
})

values.run()

const rejections = suite('bdecode - rejections')

rejections('bdecode - empty input', () => {
  rejects('', BDECODE_REASON.EMPTY)
})

rejections('bdecode - input over maxLength', () => {
  rejects('4:spam', BDECODE_REASON.TOO_LONG, { maxLength: 5 })
  assert.ok(bdecode(bytes('4:spam'), { maxLength: 6 }).ok)
})

rejections('bdecode - truncated input', () => {
  for (const t of ['i12', 'i', 'i-', '4', '12', 'l', 'li1e', 'd', 'd1:a', 'd1:ai1e', 'd1:ad']) rejects(t, BDECODE_REASON.TRUNCATED)
})

rejections('bdecode - trailing bytes', () => {
  rejects('i1ei2e', BDECODE_REASON.TRAILING)
  rejects('dex', BDECODE_REASON.TRAILING)
  rejects('4:spam\n', BDECODE_REASON.TRAILING)
})

rejections('bdecode - unexpected bytes where a value belongs', () => {
  for (const t of ['x', 'e', '-1:a', 'lxe', 'd1:axe', ' i1e']) rejects(t, BDECODE_REASON.UNEXPECTED)
})

rejections('bdecode - malformed integers: empty, leading zeros, negative zero, junk', () => {
  for (const t of ['ie', 'i-e', 'i03e', 'i00e', 'i-0e', 'i-01e', 'i1.5e', 'i+1e', 'i--1e', 'i1-e', 'i e', 'i0xffe']) {
    rejects(t, BDECODE_REASON.BAD_INTEGER)
  }
})

rejections('bdecode - integers beyond the safe range', () => {
  rejects('i9007199254740992e', BDECODE_REASON.INTEGER_RANGE)
  rejects('i-9007199254740992e', BDECODE_REASON.INTEGER_RANGE)
  rejects('i12345678901234567890e', BDECODE_REASON.INTEGER_RANGE)
})

rejections('bdecode - malformed length prefixes', () => {
  for (const t of ['01:a', '00:', '1a:b', '1-:b', '12345678901234567:x']) rejects(t, BDECODE_REASON.BAD_LENGTH)
})

rejections('bdecode - a length prefix larger than what remains', () => {
  rejects('5:abc', BDECODE_REASON.LENGTH_OVERRUN)
  rejects('4:ab', BDECODE_REASON.LENGTH_OVERRUN)
  rejects('l99:abce', BDECODE_REASON.LENGTH_OVERRUN)
  rejects('9999999999:x', BDECODE_REASON.LENGTH_OVERRUN)
})

rejections('bdecode - nesting deeper than the bound', () => {
  const n = BDECODE_MAX_DEPTH + 1
  rejects('l'.repeat(n) + 'e'.repeat(n), BDECODE_REASON.TOO_DEEP)
  rejects('d1:a'.repeat(n) + 'i1e' + 'e'.repeat(n), BDECODE_REASON.TOO_DEEP)
  rejects('l'.repeat(100_000), BDECODE_REASON.TOO_DEEP, { maxLength: 200_000 })
  rejects('lle' + 'e', BDECODE_REASON.TOO_DEEP, { maxDepth: 1 })
})

rejections('bdecode - more values than maxItems', () => {
  rejects('li1ei2ei3ee', BDECODE_REASON.TOO_MANY, { maxItems: 3 })
  assert.ok(bdecode(bytes('li1ei2ei3ee'), { maxItems: 4 }).ok)
})

rejections('bdecode - dict keys must be byte strings', () => {
  rejects('di1ei2ee', BDECODE_REASON.BAD_KEY)
  rejects('dlei1ee', BDECODE_REASON.BAD_KEY)
  rejects(new Uint8Array([0x64, 0x31, 0x3a, 0xff, 0x69, 0x31, 0x65, 0x65]), BDECODE_REASON.BAD_KEY)
  rejects(new Uint8Array([0x64, 0x31, 0x3a, 0xc3, 0x69, 0x31, 0x65, 0x65]), BDECODE_REASON.BAD_KEY)
})

rejections('bdecode - duplicate keys', () => {
  rejects('d1:ai1e1:ai2ee', BDECODE_REASON.DUPLICATE_KEY)
})

rejections('bdecode - __proto__ keys', () => {
  const res = rejects('d9:__proto__d1:xi1eee', BDECODE_REASON.FORBIDDEN_KEY)
  assert.is(({} as Record<string, unknown>).x, undefined)
  assert.is(res.ok, false)
})

rejections('bdecode - offsets point at the problem', () => {
  const res = rejects('li1ei03ee', BDECODE_REASON.BAD_INTEGER)
  if (!res.ok) assert.is(res.offset, 7)
  const dup = rejects('d1:ai1e1:ai2ee', BDECODE_REASON.DUPLICATE_KEY)
  if (!dup.ok) assert.is(dup.offset, 7)
})

rejections('bdecode - partial top-level dict on failure', () => {
  const res = rejects('d1:t2:aa1:yi03ee', BDECODE_REASON.BAD_INTEGER)
  if (!res.ok) assert.equal(res.partial, { t: bytes('aa') })
  const none = rejects('li03ee', BDECODE_REASON.BAD_INTEGER)
  if (!none.ok) assert.is(none.partial, undefined)
})

rejections.run()

const crossCheck = suite('bdecode - against the bencode package')

crossCheck('bdecode - decodes what bencode encodes (2,000 random values)', () => {
  const rnd = prng(0xbdec0de)
  for (let i = 0; i < 2000; i++) {
    const value = randomValue(rnd, 0)
    const encoded = codec.encode(value)
    assert.equal(ok(encoded), value)
  }
})

crossCheck('bdecode - agrees with bencode.decode on what it accepts', () => {
  const rnd = prng(7)
  for (let i = 0; i < 2000; i++) {
    const encoded = codec.encode(randomValue(rnd, 0))
    assert.equal(ok(encoded), codec.decode(encoded))
  }
})

crossCheck('bdecode - never throws on random bytes', () => {
  const rnd = prng(99)
  const alphabet = bytes('ilde0123456789:-')
  for (let i = 0; i < 5000; i++) {
    const n = rnd.int(40)
    const b = new Uint8Array(n)
    for (let j = 0; j < n; j++) b[j] = rnd.next() < 0.8 ? rnd.pick([...alphabet]) : rnd.int(256)
    const res = bdecode(b)
    assert.type(res.ok, 'boolean')
    if (!res.ok) assert.ok(Object.values(BDECODE_REASON).includes(res.reason))
  }
})

crossCheck.run()

function randomValue (rnd: Prng, depth: number): BValue {
  const kind = rnd.int(depth >= 4 ? 2 : 4)
  if (kind === 0) return rnd.int(3) === 0 ? -rnd.int(1e9) : rnd.int(2 ** 31)
  if (kind === 1) return rnd.bytes(rnd.int(30))
  if (kind === 2) return Array.from({ length: rnd.int(5) }, () => randomValue(rnd, depth + 1))
  const dict: Record<string, BValue> = {}
  const n = rnd.int(5)
  for (let i = 0; i < n; i++) dict['k' + String(rnd.int(100))] = randomValue(rnd, depth + 1)
  return dict
}
