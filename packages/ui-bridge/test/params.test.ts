import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parseCursor, parseId, parseLimit, parsePageParams, parseQuery, parseSearchParams, parseTimeout, parseVia } from '../src/params.js'
import type { Parsed } from '../src/params.js'

function code<T> (r: Parsed<T>): string | undefined {
  return r.ok ? undefined : r.error.code
}
function value<T> (r: Parsed<T>): T {
  assert.ok(r.ok, r.ok ? '' : r.error.message)
  return r.value
}
const WEIRD: unknown[] = [undefined, null, 0, 1, true, {}, [], ['a'], { toString: () => 'x' }, Symbol('s'), () => 1]

const id = suite('params id')

id('id - 40 hex characters, lower-cased', () => {
  assert.is(value(parseId('ab'.repeat(20))), 'ab'.repeat(20))
  assert.is(value(parseId('AB'.repeat(20))), 'ab'.repeat(20))
  assert.is(value(parseId('0123456789abcdefABCDEF0123456789abcdef01')), '0123456789abcdefabcdef0123456789abcdef01')
})

id('id - anything else is ERR_BAD_ID', () => {
  for (const x of ['', 'a', 'a'.repeat(39), 'a'.repeat(41), 'g'.repeat(40), ' ' + 'a'.repeat(39), 'a'.repeat(39) + '\n',
    '0x' + 'a'.repeat(38), ...WEIRD]) {
    assert.is(code(parseId(x)), 'ERR_BAD_ID', String(typeof x === 'symbol' ? 'symbol' : x))
  }
})

id.run()

const query = suite('params query')

query('query - trimmed, 1..64 UTF-8 bytes', () => {
  assert.is(value(parseQuery('  alice ')), 'alice')
  assert.is(value(parseQuery('a'.repeat(64))), 'a'.repeat(64))
  assert.is(value(parseQuery('é'.repeat(32))), 'é'.repeat(32))
  assert.is(value(parseQuery('日本')), '日本')
  assert.is(value(parseQuery('🙂 a')), '🙂 a')
  assert.is(value(parseQuery('!7')), '!7')
})

query('query - one without a letter or digit matches no name: ERR_BAD_QUERY', () => {
  for (const x of ['!!!', '🙂'.repeat(16), '-- ..', '\'"', '·']) assert.is(code(parseQuery(x)), 'ERR_BAD_QUERY', JSON.stringify(x))
})

query('query - empty, too long, control characters or not a string is ERR_BAD_QUERY', () => {
  for (const x of ['', '   ', '\t', 'a'.repeat(65), 'é'.repeat(33), 'a' + '🙂'.repeat(16), 'a\u0000b', 'a\nb', 'a\u007fb', ...WEIRD]) {
    assert.is(code(parseQuery(x)), 'ERR_BAD_QUERY', typeof x === 'string' ? JSON.stringify(x) : typeof x)
  }
})

query.run()

const small = suite('params via timeout cursor limit')

small('via - hybrid by default, else one of the three', () => {
  assert.is(value(parseVia(undefined)), 'hybrid')
  assert.is(value(parseVia('')), 'hybrid')
  for (const v of ['hybrid', 'lists', 'gossip']) assert.is(value(parseVia(v)), v)
  for (const x of ['dht', 'Lists', 'lists ', 'local', ...WEIRD.filter(w => w !== undefined)]) assert.is(code(parseVia(x)), 'ERR_BAD_VIA')
})

small('timeout - 3000 by default, else an integer 100..30000', () => {
  assert.is(value(parseTimeout(undefined)), 3000)
  assert.is(value(parseTimeout('100')), 100)
  assert.is(value(parseTimeout('30000')), 30000)
  assert.is(value(parseTimeout('0250')), 250)
  for (const x of ['99', '30001', '-1', '1.5', '1e3', ' 500', '500 ', '0x100', 'Infinity', 'NaN', '9'.repeat(20),
    ...WEIRD.filter(w => w !== undefined)]) {
    assert.is(code(parseTimeout(x)), 'ERR_BAD_TIMEOUT', typeof x === 'symbol' ? 'symbol' : JSON.stringify(x))
  }
})

small('limit - 50 by default, else an integer 1..200', () => {
  assert.is(value(parseLimit(undefined)), 50)
  assert.is(value(parseLimit('')), 50)
  assert.is(value(parseLimit('1')), 1)
  assert.is(value(parseLimit('200')), 200)
  for (const x of ['0', '201', '-5', '2.0', 'ten', ...WEIRD.filter(w => w !== undefined)]) assert.is(code(parseLimit(x)), 'ERR_BAD_LIMIT')
})

small('cursor - absent or empty is the first page; printable ASCII up to 512', () => {
  assert.is(value(parseCursor(undefined)), undefined)
  assert.is(value(parseCursor('')), undefined)
  assert.is(value(parseCursor('3:17')), '3:17')
  assert.is(value(parseCursor('x'.repeat(512))), 'x'.repeat(512))
  for (const x of ['x'.repeat(513), 'a b', 'é', 'a\u0000', ...WEIRD.filter(w => w !== undefined)]) {
    assert.is(code(parseCursor(x)), 'ERR_BAD_CURSOR')
  }
})

small.run()

const whole = suite('params whole queries')

whole('page params - defaults and values', () => {
  assert.equal(value(parsePageParams({})), { limit: 50 })
  assert.equal(value(parsePageParams(undefined)), { limit: 50 })
  assert.equal(value(parsePageParams({ cursor: 'p3', limit: '10' })), { cursor: 'p3', limit: 10 })
  assert.is(code(parsePageParams({ cursor: 'a b' })), 'ERR_BAD_CURSOR')
  assert.is(code(parsePageParams({ limit: '0' })), 'ERR_BAD_LIMIT')
})

whole('search params - defaults and values; the first bad field is reported', () => {
  assert.equal(value(parseSearchParams({ q: 'bob' })), { q: 'bob', via: 'hybrid', timeoutMs: 3000 })
  assert.equal(value(parseSearchParams({ q: 'bob', via: 'lists', timeout: '500' })), { q: 'bob', via: 'lists', timeoutMs: 500 })
  assert.is(code(parseSearchParams({})), 'ERR_BAD_QUERY')
  assert.is(code(parseSearchParams(null)), 'ERR_BAD_QUERY')
  assert.is(code(parseSearchParams({ q: 'a', via: 'x', timeout: '1' })), 'ERR_BAD_VIA')
  assert.is(code(parseSearchParams({ q: 'a', timeout: '1' })), 'ERR_BAD_TIMEOUT')
})

whole('guards never throw, whatever they are given', () => {
  const inputs: unknown[] = [...WEIRD, Object.create(null), new Proxy({}, { get: () => 'x' }), { q: { toString: () => {
    throw new Error('x')
  } } }]
  for (const x of inputs) {
    for (const fn of [parseId, parseQuery, parseVia, parseTimeout, parseCursor, parseLimit, parsePageParams, parseSearchParams]) {
      const r = fn(x) as Parsed<unknown>
      assert.type(r.ok, 'boolean')
    }
  }
})

whole.run()
