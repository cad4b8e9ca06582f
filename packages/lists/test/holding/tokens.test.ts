import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createHmac } from 'node:crypto'
import { createTokens } from '../../src/holding/tokens.js'

const ROTATE = 300_000
const T0 = 10 * ROTATE // the start of an epoch

function fixedSecrets (...secrets: string[]): () => Uint8Array {
  let i = 0
  return () => new TextEncoder().encode(secrets[i++] ?? `secret-${i}`)
}

const issue = suite('tokens - issue and check')

issue('tokens - a token is 8 bytes and checks for the address it was issued to', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8 })
  const token = t.issue('10.0.0.1', 6881, T0)
  assert.is(token.length, 8)
  assert.ok(t.check(token, '10.0.0.1', 6881, T0 + 1))
})

issue('tokens - a token is foreign to any other address', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8 })
  const token = t.issue('10.0.0.1', 6881, T0)
  assert.not.ok(t.check(token, '10.0.0.1', 6882, T0), 'other port')
  assert.not.ok(t.check(token, '10.0.0.2', 6881, T0), 'other host')
  assert.not.ok(t.check(token, '::1', 6881, T0), 'other family')
})

issue('tokens - another node (another secret) does not accept our tokens', () => {
  const a = createTokens({ rotate: ROTATE, bytes: 8 })
  const b = createTokens({ rotate: ROTATE, bytes: 8 })
  assert.not.ok(b.check(a.issue('10.0.0.1', 1, T0), '10.0.0.1', 1, T0))
})

issue('tokens - the token is the HMAC-SHA1 of the secret over "host:port", cut to size', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8, secret: fixedSecrets('k1') })
  const want = createHmac('sha1', 'k1').update('10.0.0.1:6881').digest().subarray(0, 8)
  assert.equal(t.issue('10.0.0.1', 6881, T0), new Uint8Array(want))
})

issue('tokens - a v4-mapped IPv6 host is the same address as its IPv4 form', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8 })
  assert.ok(t.check(t.issue('::ffff:10.0.0.1', 5, T0), '10.0.0.1', 5, T0))
})

issue('tokens - garbage never checks and never throws', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8 })
  const good = t.issue('10.0.0.1', 1, T0)
  for (const bad of [undefined, null, 'abcdefgh', 12345678, [], {}, new Uint8Array(0), good.subarray(1), new Uint8Array([...good, 0]),
    new Uint8Array(8)]) {
    assert.not.ok(t.check(bad, '10.0.0.1', 1, T0), JSON.stringify(bad))
  }
  assert.not.ok(t.check(good, 'not a host', 1, T0))
})

issue.run()

const rotation = suite('tokens - rotation')

rotation('tokens - a token stays good through the next secret and dies with the one after', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8, secret: fixedSecrets('a', 'b', 'c', 'd') })
  const token = t.issue('10.0.0.1', 1, T0 + ROTATE - 1) // issued at the very end of epoch 10
  assert.ok(t.check(token, '10.0.0.1', 1, T0 + ROTATE), 'epoch 11 accepts the previous secret')
  assert.ok(t.check(token, '10.0.0.1', 1, T0 + 2 * ROTATE - 1))
  assert.not.ok(t.check(token, '10.0.0.1', 1, T0 + 2 * ROTATE), 'epoch 12 does not')
})

rotation('tokens - a token is good for at least one rotation period after it is issued, wherever in its epoch', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8 })
  for (const offset of [0, 1, ROTATE / 2, ROTATE - 1]) {
    const at = T0 + offset
    const token = t.issue('10.0.0.1', 9, at)
    assert.ok(t.check(token, '10.0.0.1', 9, at + ROTATE - 1), `issued at +${offset}`)
  }
})

rotation('tokens - the secret changes each period', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8 })
  const first = t.issue('10.0.0.1', 1, T0)
  assert.equal(t.issue('10.0.0.1', 1, T0 + ROTATE - 1), first, 'same period, same token')
  assert.not.equal(t.issue('10.0.0.1', 1, T0 + ROTATE), first)
})

rotation('tokens - a token checked before any was issued in the previous period is refused', () => {
  const t = createTokens({ rotate: ROTATE, bytes: 8 })
  const other = createTokens({ rotate: ROTATE, bytes: 8 })
  assert.not.ok(t.check(other.issue('10.0.0.1', 1, T0), '10.0.0.1', 1, T0 + ROTATE))
})

rotation.run()
