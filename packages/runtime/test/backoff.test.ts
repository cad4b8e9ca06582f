import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createBackoff } from '../src/backoff.js'
import { RESTART_MAX_DELAY, RESTART_MIN_DELAY } from '../src/constants.js'

const backoff = suite('backoff')

backoff('backoff - doubles from the minimum while crashes come quickly', () => {
  const b = createBackoff({ min: 100, max: 10_000, reset: 30_000 })
  const delays: number[] = []
  let now = 0
  for (let i = 0; i < 5; i++) {
    b.started(now)
    now += 10
    delays.push(b.crashed(now))
  }
  assert.equal(delays, [100, 200, 400, 800, 1600])
})

backoff('backoff - never waits longer than the maximum', () => {
  const b = createBackoff({ min: 100, max: 1000, reset: 30_000 })
  let last = 0
  for (let i = 0; i < 100; i++) {
    b.started(i)
    last = b.crashed(i)
  }
  assert.is(last, 1000)
})

backoff('backoff - a quiet period resets to the minimum', () => {
  const b = createBackoff({ min: 100, max: 10_000, reset: 30_000 })
  b.started(0)
  b.crashed(1)
  b.started(2)
  assert.is(b.crashed(3), 200)
  b.started(1000)
  assert.is(b.crashed(1000 + 30_000), 100, 'ran for the whole reset period')
  b.started(40_000)
  assert.is(b.crashed(40_001), 200)
})

backoff('backoff - the first crash waits the minimum; defaults are 100 ms to 10 s', () => {
  const b = createBackoff()
  assert.is(b.crashed(0), RESTART_MIN_DELAY)
  assert.is(RESTART_MIN_DELAY, 100)
  assert.is(RESTART_MAX_DELAY, 10_000)
})

backoff.run()
