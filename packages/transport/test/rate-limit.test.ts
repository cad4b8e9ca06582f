import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRateLimiter, isLoopback, prefixOf, VERDICT } from '../src/rate-limit.js'

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

const shared = suite('rate-limit - new sources, prefixes, global ceiling, notices')

shared('rate-limit - a new source starts with `initial` tokens, not the whole burst', () => {
  const l = createRateLimiter({ rate: 1, burst: 500, initial: 20, exemptLoopback: false })
  let allowed = 0
  for (let i = 0; i < 100; i++) if (l.allow('1.2.3.4', 0)) allowed++
  assert.is(allowed, 20)
  assert.ok(l.allow('1.2.3.4', 1000), 'and refills at `rate` from there')
})

shared('rate-limit - the addresses of one /24 share a bucket (256 rotating addresses get what one prefix gets)', () => {
  const l = createRateLimiter({ rate: 100, burst: 100, initial: 10, prefixRate: 50, prefixBurst: 100 })
  let allowed = 0
  for (let round = 0; round < 4; round++) for (let i = 0; i < 256; i++) if (l.allow(`10.9.8.${i}`, 0)) allowed++
  assert.is(allowed, 40, 'the /24 starts with 4 × initial')
  assert.ok(l.allow('10.9.7.1', 0), 'the next /24 is not affected')
  let later = 0
  for (let i = 0; i < 256; i++) if (l.allow(`10.9.8.${i}`, 1000)) later++
  assert.is(later, 50, 'one second later: prefixRate more')
  assert.is(l.prefixes, 2)
})

shared('rate-limit - the addresses of one /64 share a bucket', () => {
  const l = createRateLimiter({ rate: 100, burst: 100, initial: 5, prefixRate: 1, prefixBurst: 100 })
  let allowed = 0
  for (let i = 1; i <= 100; i++) if (l.allow(`2001:db8:0:1::${i.toString(16)}`, 0)) allowed++
  assert.is(allowed, 20)
  assert.ok(l.allow('2001:db8:0:2::1', 0), 'another /64')
  assert.ok(l.allow('::ffff:10.0.0.1', 0), 'IPv4-mapped addresses count under their /24')
})

shared('rate-limit - the global ceiling bounds everyone together', () => {
  const l = createRateLimiter({ rate: 100, burst: 100, globalRate: 100, globalBurst: 200 })
  let allowed = 0
  for (let i = 0; i < 2000; i++) if (l.allow(`10.${i >> 8}.${i & 255}.1`, 0)) allowed++
  assert.is(allowed, 200, 'the global burst')
  let later = 0
  for (let i = 0; i < 2000; i++) if (l.allow(`11.${i >> 8}.${i & 255}.1`, 1000)) later++
  assert.is(later, 100, 'then globalRate per second')
})

shared('rate-limit - a refused query takes no token from the other buckets', () => {
  const l = createRateLimiter({ rate: 0.001, burst: 1, initial: 1, globalRate: 0.001, globalBurst: 2 })
  assert.ok(l.allow('1.1.1.1', 0))
  for (let i = 0; i < 100; i++) assert.not.ok(l.allow('1.1.1.1', 0), 'its own bucket is empty')
  assert.ok(l.allow('2.2.2.2', 0), 'the global bucket still had its second token')
})

shared('rate-limit - a limited source is due one notice per interval, the rest is dropped', () => {
  const l = createRateLimiter({ rate: 0.001, burst: 1, initial: 1, noticeInterval: 1000 })
  const at = (t: number): number => l.check('1.2.3.4', t)
  assert.equal([at(0), at(0), at(10), at(999), at(1000), at(1500), at(2000)], [VERDICT.ALLOW, VERDICT.NOTICE, VERDICT.DROP, VERDICT.DROP,
    VERDICT.NOTICE, VERDICT.DROP, VERDICT.NOTICE])
})

shared('rate-limit - a limited prefix or the global ceiling gives one notice per interval, not one per address', () => {
  const l = createRateLimiter({ rate: 100, burst: 100, initial: 10, prefixRate: 0.001, prefixBurst: 40, noticeInterval: 1000 })
  const verdicts = Array.from({ length: 256 }, (_, i) => l.check(`10.9.8.${i}`, 0))
  assert.is(verdicts.filter(v => v === VERDICT.ALLOW).length, 40)
  assert.is(verdicts.filter(v => v === VERDICT.NOTICE).length, 1, 'the /24 refused: one notice for all its addresses')
  assert.is(l.check('10.9.8.77', 1000), VERDICT.NOTICE, 'the next interval')
  const g = createRateLimiter({ globalRate: 0.001, globalBurst: 5 })
  const gv = Array.from({ length: 100 }, (_, i) => g.check(`10.${i}.0.1`, 0))
  assert.equal([gv.filter(v => v === VERDICT.ALLOW).length, gv.filter(v => v === VERDICT.NOTICE).length], [5, 1])
})

shared('rate-limit - prefixOf', () => {
  assert.is(prefixOf('10.1.2.3'), '10.1.2')
  assert.is(prefixOf('::ffff:10.1.2.3'), '10.1.2')
  assert.is(prefixOf('2001:db8:0:1::5'), '2001:db8:0:1::/64')
  assert.is(prefixOf('2001:0db8:0000:0001:ffff::1'), '2001:db8:0:1::/64')
  assert.is(prefixOf('2001:db8::1'), '2001:db8:0:0::/64')
  assert.is(prefixOf('::1'), '0:0:0:0::/64')
  assert.is(prefixOf('fe80::1%eth0'), 'fe80:0:0:0::/64')
})

const bounded = suite('rate-limit - bounded map')

bounded('rate-limit - at most maxSources are tracked', () => {
  const l = createRateLimiter({ maxSources: 100 })
  for (let i = 0; i < 10_000; i++) l.allow(`10.0.${i >> 8 & 255}.${i & 255}`, i)
  assert.is(l.size, 100)
  for (let i = 0; i < 10_000; i++) l.allow(`10.${i >> 8 & 255}.${i & 255}.1`, i)
  assert.is(l.prefixes, 100)
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

bucket('rate-limit - the same verdicts on an epoch clock as on one from zero (times are kept relative, in whole ms)', () => {
  const run = (origin: number): number[] => {
    const l = createRateLimiter({ rate: 10, burst: 20, initial: 5, exemptLoopback: false, noticeInterval: 1000 })
    const out: number[] = []
    for (let i = 0; i < 400; i++) out.push(l.check(`10.0.${i % 3}.1`, origin + i * 7.25))
    return out
  }
  const zero = run(0)
  assert.equal(run(1_765_000_000_000), zero)
  assert.equal(run(123), zero)
  assert.ok(zero.includes(VERDICT.NOTICE) && zero.includes(VERDICT.DROP) && zero.includes(VERDICT.ALLOW))
})

bucket.run()
loop.run()
shared.run()
bounded.run()
