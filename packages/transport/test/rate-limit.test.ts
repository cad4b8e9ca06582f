import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRateLimiter, isLoopback } from '../src/rate-limit.js'

const bucket = suite('rate-limit - token bucket')

bucket('rate-limit - a burst is allowed, then the bucket is empty', () => {
  const l = createRateLimiter({ rate: 10, burst: 5, exemptLoopback: false })
  const got = Array.from({ length: 8 }, () => l.allow('1.2.3.4', 0))
  assert.equal(got, [true, true, true, true, true, false, false, false])
})

bucket('rate-limit - tokens come back at `rate` per second', () => {
  const l = createRateLimiter({ rate: 10, burst: 5 })
  for (let i = 0; i < 5; i++) l.allow('1.2.3.4', 0)
  assert.not.ok(l.allow('1.2.3.4', 50), 'half a token after 50 ms')
  assert.ok(l.allow('1.2.3.4', 100), 'one token after 100 ms')
  assert.not.ok(l.allow('1.2.3.4', 100))
  assert.ok(l.allow('1.2.3.4', 10_000))
})

bucket('rate-limit - refills never exceed the burst', () => {
  const l = createRateLimiter({ rate: 1000, burst: 3 })
  l.allow('1.2.3.4', 0)
  const got = Array.from({ length: 5 }, () => l.allow('1.2.3.4', 60_000))
  assert.equal(got, [true, true, true, false, false])
})

bucket('rate-limit - sources are limited separately', () => {
  const l = createRateLimiter({ rate: 1, burst: 1 })
  assert.ok(l.allow('1.1.1.1', 0))
  assert.not.ok(l.allow('1.1.1.1', 0))
  assert.ok(l.allow('2.2.2.2', 0))
})

bucket('rate-limit - a sustained flood gets about rate per second through', () => {
  const l = createRateLimiter({ rate: 100, burst: 10 })
  let allowed = 0
  for (let t = 0; t < 10_000; t++) if (l.allow('9.9.9.9', t)) allowed++
  assert.ok(allowed >= 1000 && allowed <= 1011, `allowed ${allowed} in 10 s`)
})

const loop = suite('rate-limit - loopback')

loop('rate-limit - loopback is exempt by default', () => {
  const l = createRateLimiter({ rate: 1, burst: 1 })
  for (let i = 0; i < 100; i++) assert.ok(l.allow('127.0.0.1', 0))
  for (let i = 0; i < 100; i++) assert.ok(l.allow('::1', 0))
  assert.is(l.size, 0, 'exempt sources are not tracked')
})

loop('rate-limit - the exemption can be switched off', () => {
  const l = createRateLimiter({ rate: 1, burst: 2, exemptLoopback: false })
  assert.equal([l.allow('127.0.0.1', 0), l.allow('127.0.0.1', 0), l.allow('127.0.0.1', 0)], [true, true, false])
})

loop('rate-limit - isLoopback', () => {
  for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(ip), ip)
  for (const ip of ['10.0.0.1', '128.0.0.1', '::2', '1.127.0.0', '::ffff:10.0.0.1']) assert.not.ok(isLoopback(ip), ip)
})

const bounded = suite('rate-limit - bounded map')

bounded('rate-limit - at most maxSources are tracked', () => {
  const l = createRateLimiter({ maxSources: 100 })
  for (let i = 0; i < 10_000; i++) l.allow(`10.0.${i >> 8 & 255}.${i & 255}`, i)
  assert.is(l.size, 100)
})

bounded('rate-limit - a source that keeps sending is not the one forgotten', () => {
  const l = createRateLimiter({ rate: 0.001, burst: 1, maxSources: 3 })
  assert.ok(l.allow('1.1.1.1', 0))
  l.allow('2.2.2.2', 1)
  l.allow('3.3.3.3', 2)
  assert.not.ok(l.allow('1.1.1.1', 3), 'empty, and now the most recently seen')
  l.allow('4.4.4.4', 4)
  assert.not.ok(l.allow('1.1.1.1', 5), 'still tracked, still empty')
  assert.ok(l.allow('2.2.2.2', 6), '2.2.2.2 was forgotten and starts full')
})

bucket.run()
loop.run()
bounded.run()
