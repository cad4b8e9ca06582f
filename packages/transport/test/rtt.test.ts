import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createRttTable } from '../src/rtt.js'
import { RTO_CEILING, RTO_FLOOR, RTO_INITIAL, RTO_UNKNOWN_FLOOR } from '../src/constants.js'

const rto = suite('rtt - per contact')

rto('rtt - an unknown contact gets the initial timeout before anything is measured', () => {
  const t = createRttTable()
  assert.is(t.timeout('10.0.0.1:1'), RTO_INITIAL)
  assert.is(t.srtt('10.0.0.1:1'), undefined)
  assert.is(createRttTable({ initial: 900 }).timeout('x'), 900)
})

rto('rtt - the first sample sets srtt = R and rttvar = R/2 (RFC 6298)', () => {
  const t = createRttTable({ floor: 1 })
  t.observe('a', 100)
  assert.is(t.srtt('a'), 100)
  assert.is(t.timeout('a'), 100 + 4 * 50)
})

rto('rtt - later samples are smoothed with alpha 1/8 and beta 1/4', () => {
  const t = createRttTable({ floor: 1 })
  t.observe('a', 100)
  t.observe('a', 200)
  // rttvar = 0.75·50 + 0.25·|100 − 200| = 62.5; srtt = 0.875·100 + 0.125·200 = 112.5
  assert.is(t.srtt('a'), 112.5)
  assert.is(t.timeout('a'), 112.5 + 4 * 62.5)
})

rto('rtt - a steady contact converges to a short timeout', () => {
  const t = createRttTable({ floor: 1 })
  for (let i = 0; i < 100; i++) t.observe('a', 20)
  assert.ok(Math.abs(t.srtt('a')! - 20) < 1e-6)
  assert.ok(t.timeout('a') < 21, `got ${t.timeout('a')}`)
})

rto('rtt - timeouts are clamped to the floor and the ceiling', () => {
  const t = createRttTable()
  t.observe('fast', 1)
  assert.is(t.timeout('fast'), RTO_FLOOR)
  t.observe('slow', 60_000)
  assert.is(t.timeout('slow'), RTO_CEILING)
  const c = createRttTable({ floor: 10, ceiling: 50, initial: 5000 })
  assert.is(c.timeout('new'), 50, 'the initial value is clamped too')
})

rto('rtt - a fast contact gets a shorter timeout than an unknown one', () => {
  const t = createRttTable()
  for (let i = 0; i < 10; i++) t.observe('near', 30)
  assert.is(t.timeout('near'), RTO_FLOOR)
  assert.is(t.timeout('unknown'), RTO_UNKNOWN_FLOOR, 'a stranger gets the unknown floor, not 3 × 30 ms')
  assert.ok(t.timeout('near') < t.timeout('unknown'))
})

rto('rtt - each timeout doubles the timeout until the next sample', () => {
  const t = createRttTable({ floor: 1, ceiling: 100_000 })
  t.observe('a', 100)
  assert.is(t.timeout('a'), 300)
  t.backoff('a')
  assert.is(t.timeout('a'), 600)
  t.backoff('a')
  assert.is(t.timeout('a'), 1200)
  for (let i = 0; i < 20; i++) t.backoff('a')
  assert.is(t.timeout('a'), 300 * 64, 'at most 64×')
  t.observe('a', 100)
  assert.ok(t.timeout('a') < 400, 'a sample ends the backoff')
  t.backoff('never-seen')
  assert.is(t.size, 1, 'backoff of an unknown contact remembers nothing')
})

rto('rtt - backoff stays within the ceiling', () => {
  const t = createRttTable({ ceiling: 1000 })
  t.observe('a', 200)
  t.backoff('a')
  t.backoff('a')
  assert.is(t.timeout('a'), 1000)
})

rto('rtt - bad samples are ignored', () => {
  const t = createRttTable()
  t.observe('a', -1)
  t.observe('a', Number.NaN)
  t.observe('a', Number.POSITIVE_INFINITY)
  assert.is(t.size, 0)
  assert.is(t.timeout('a'), RTO_INITIAL)
})

const unknown = suite('rtt - unknown contacts')

unknown('rtt - the unknown timeout follows the recent p90 RTT of all contacts', () => {
  const t = createRttTable({ floor: 1, unknownFactor: 3, unknownFloor: 1 })
  for (let i = 0; i < 10; i++) t.observe(`c${i}`, 100)
  assert.is(t.timeout('never-seen'), 300)
  assert.is(t.unknownTimeout(), 300)
})

unknown('rtt - p90 ignores the slowest tenth', () => {
  const t = createRttTable({ floor: 1, unknownFactor: 2, unknownFloor: 1, recentSamples: 20 })
  for (let i = 0; i < 18; i++) t.observe(`c${i}`, 50)
  t.observe('x', 4000)
  assert.is(t.unknownTimeout(), 100, 'one outlier in 19 samples does not move p90')
  t.observe('y', 4000)
  assert.is(t.unknownTimeout(), 8000 > RTO_CEILING ? RTO_CEILING : 8000, 'two in 20 do')
})

unknown('rtt - only the recent samples count', () => {
  const t = createRttTable({ floor: 1, unknownFactor: 1, unknownFloor: 1, recentSamples: 4 })
  for (let i = 0; i < 4; i++) t.observe('a', 1000)
  assert.is(t.unknownTimeout(), 1000)
  for (let i = 0; i < 4; i++) t.observe('b', 10)
  assert.is(t.unknownTimeout(), 10)
})

unknown('rtt - the unknown floor holds when everything measured is fast', () => {
  const t = createRttTable({ unknownFloor: 400 })
  for (let i = 0; i < 50; i++) t.observe(`c${i}`, 2)
  assert.is(t.unknownTimeout(), 400)
  assert.is(createRttTable({ floor: 700, unknownFloor: 400 }).timeout('x'), RTO_INITIAL, 'nothing measured: initial')
  const f = createRttTable({ floor: 700, unknownFloor: 400 })
  f.observe('a', 1)
  assert.is(f.timeout('b'), 700, 'the unknown floor never undercuts the floor')
})

const memory = suite('rtt - bounded memory')

memory('rtt - at most maxContacts are remembered, the least recently updated go first', () => {
  const t = createRttTable({ maxContacts: 3 })
  t.observe('a', 10)
  t.observe('b', 10)
  t.observe('c', 10)
  t.observe('a', 10)
  t.observe('d', 10)
  assert.is(t.size, 3)
  assert.is(t.srtt('b'), undefined, 'b was the least recently updated')
  assert.is(t.srtt('a'), 10)
  assert.is(t.srtt('d'), 10)
})

memory('rtt - a hundred thousand contacts stay within the cap', () => {
  const t = createRttTable({ maxContacts: 1000 })
  for (let i = 0; i < 100_000; i++) t.observe(`10.0.${i >> 8 & 255}.${i & 255}:${i}`, i % 300)
  assert.is(t.size, 1000)
})

rto.run()
unknown.run()
memory.run()
