import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { randomId } from '@peerconnect/protocol'
import { decodeCursor, encodeCursor } from '../../src/directory/cursor.js'
import type { CursorResult } from '../../src/directory/cursor.js'

function codeOf (r: CursorResult): string {
  return r.ok ? 'ok' : r.error.code
}

const codec = suite('cursor - round trip')

codec('cursor - every list, with and without an id, survives the trip', () => {
  for (let list = 0; list < 20; list++) {
    for (const after of [null, randomId()]) {
      const s = encodeCursor({ list, after })
      assert.equal(decodeCursor(s), { ok: true, cursor: { list, after } })
    }
  }
})

codec('cursor - the string is short URL-safe base64 with no padding', () => {
  const s = encodeCursor({ list: 19, after: new Uint8Array(20).fill(0xff) })
  assert.match(s, /^[A-Za-z0-9_-]+$/)
  assert.ok(s.length <= 30, s)
  assert.match(encodeCursor({ list: 0, after: null }), /^[A-Za-z0-9_-]{3}$/)
})

codec('cursor - it is plain data: a new process decodes what an old one made', () => {
  assert.equal(decodeCursor('AQc'), { ok: true, cursor: { list: 7, after: null } })
})

codec.run()

const garbage = suite('cursor - garbage')

garbage('cursor - garbage gets ERR_BAD_CURSOR, never a throw', () => {
  const bad: unknown[] = [
    '',
    ' ',
    '!!!!',
    'AQc=',
    'AQc===',
    'a b',
    'AQ',
    'A',
    'x'.repeat(65),
    'AQ\u00e9',
    undefined,
    null,
    7,
    {},
    [],
    new Uint8Array(3)
  ]
  for (const x of bad) assert.is(codeOf(decodeCursor(x)), 'ERR_BAD_CURSOR', String(x))
})

garbage('cursor - a wrong version, a list out of range or a wrong length is refused', () => {
  const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64url')
  assert.is(codeOf(decodeCursor(b64([2, 3]))), 'ERR_BAD_CURSOR', 'version 2')
  assert.is(codeOf(decodeCursor(b64([1, 20]))), 'ERR_BAD_CURSOR', 'list 20')
  assert.is(codeOf(decodeCursor(b64([1, 255]))), 'ERR_BAD_CURSOR', 'list 255')
  assert.is(codeOf(decodeCursor(b64([1, 3, 9]))), 'ERR_BAD_CURSOR', 'a 1-byte id')
  assert.is(codeOf(decodeCursor(b64([1, 3, ...new Array(21).fill(1)]))), 'ERR_BAD_CURSOR', 'a 21-byte id')
  assert.is(codeOf(decodeCursor(b64([1, 3, ...new Array(20).fill(1)]))), 'ok')
})

garbage('cursor - a non-canonical spelling of valid bytes is refused', () => {
  assert.is(codeOf(decodeCursor('AQc')), 'ok')
  assert.is(codeOf(decodeCursor('AQd')), 'ERR_BAD_CURSOR', 'the same bytes with stray low bits')
})

garbage('cursor - random strings never throw and never decode to an out-of-range list', () => {
  let seed = 7
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ .!'
  for (let i = 0; i < 2000; i++) {
    const len = Math.floor(rnd() * 40)
    let s = ''
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)]
    const r = decodeCursor(s)
    if (r.ok) {
      assert.ok(r.cursor.list >= 0 && r.cursor.list < 20)
      assert.is(encodeCursor(r.cursor), s)
    } else {
      assert.is(r.error.code, 'ERR_BAD_CURSOR')
    }
  }
})

garbage.run()
