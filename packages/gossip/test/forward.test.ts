import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_AGE_LIMITS, forwardProbability, shouldForward } from '../src/forward.js'
import { MAX_AGE, MAX_HOPS, MIN_YOUNG_PROBABILITY, YOUNG_AGE, YOUNG_HOPS } from '../src/constants.js'

const probability = suite('forward - probability by age')

probability('forward - a young rumor is always forwarded (at least 0.6)', () => {
  for (let hops = 0; hops < YOUNG_HOPS; hops++) {
    for (const age of [0, 1, YOUNG_AGE / 2, YOUNG_AGE - 1]) {
      const p = forwardProbability(hops, age)
      assert.ok(p >= 0.6, `hops ${hops}, age ${age}: ${p}`)
      assert.is(p, 1)
    }
  }
})

probability('forward - just past youth it is 0.6, then it decays linearly to 0 by hops', () => {
  assert.is(MIN_YOUNG_PROBABILITY, 0.6)
  assert.is(forwardProbability(YOUNG_HOPS, 0), 0.6)
  let last = 1
  for (let hops = YOUNG_HOPS; hops <= MAX_HOPS; hops++) {
    const p = forwardProbability(hops, 0)
    assert.ok(p < last, `decreasing at ${hops}`)
    last = p
  }
  const mid = (YOUNG_HOPS + MAX_HOPS) / 2
  assert.ok(Math.abs(forwardProbability(mid, 0) - 0.3) < 1e-9)
  assert.is(forwardProbability(MAX_HOPS, 0), 0)
  assert.is(forwardProbability(MAX_HOPS + 10, 0), 0)
})

probability('forward - local age decays it too, to 0 at MAX_AGE', () => {
  assert.is(forwardProbability(0, YOUNG_AGE), 0.6)
  assert.ok(forwardProbability(0, (YOUNG_AGE + MAX_AGE) / 2) < 0.6)
  assert.is(forwardProbability(0, MAX_AGE), 0)
  let last = 1
  for (let age = YOUNG_AGE; age <= MAX_AGE; age += 250) {
    const p = forwardProbability(3, age)
    assert.ok(p < last || (p === 0 && last === 0))
    last = p
  }
})

probability('forward - hops and local age combine', () => {
  const both = forwardProbability(YOUNG_HOPS + 4, YOUNG_AGE + 1000)
  assert.ok(both < forwardProbability(YOUNG_HOPS + 4, 0))
  assert.ok(both < forwardProbability(0, YOUNG_AGE + 1000))
  assert.ok(both > 0)
})

probability('forward - always within [0, 1]; nonsense ages give 0', () => {
  for (let hops = 0; hops < 40; hops++) {
    for (let age = 0; age < 8000; age += 333) {
      const p = forwardProbability(hops, age)
      assert.ok(p >= 0 && p <= 1)
    }
  }
  for (const [h, a] of [[-1, 0], [0, -1], [Number.NaN, 0], [0, Number.NaN]]) assert.is(forwardProbability(h!, a!), 0)
})

probability('forward - custom limits', () => {
  const limits = { ...DEFAULT_AGE_LIMITS, youngHops: 2, maxHops: 4 }
  assert.is(forwardProbability(1, 0, limits), 1)
  assert.is(forwardProbability(2, 0, limits), 0.6)
  assert.ok(Math.abs(forwardProbability(3, 0, limits) - 0.3) < 1e-9)
  assert.is(forwardProbability(4, 0, limits), 0)
})

probability.run()

const draw = suite('forward - shouldForward')

draw('forward - probability 1 never consults random; 0 never forwards', () => {
  let calls = 0
  const random = (): number => {
    calls++
    return 0.999
  }
  assert.ok(shouldForward(0, 0, { random }))
  assert.is(calls, 0)
  assert.not.ok(shouldForward(MAX_HOPS, 0, { random: () => 0 }))
})

draw('forward - in between, a draw below the probability forwards', () => {
  assert.ok(shouldForward(YOUNG_HOPS, 0, { random: () => 0.59 }))
  assert.not.ok(shouldForward(YOUNG_HOPS, 0, { random: () => 0.61 }))
})

draw('forward - over many draws the rate follows the probability', () => {
  let x = 7
  const random = (): number => {
    x = (x * 48271) % 2147483647
    return x / 2147483647
  }
  const hops = YOUNG_HOPS + 8
  const n = 20_000
  let yes = 0
  for (let i = 0; i < n; i++) if (shouldForward(hops, 0, { random })) yes++
  const expected = forwardProbability(hops, 0)
  assert.ok(Math.abs(yes / n - expected) < 0.02, `${yes / n} vs ${expected}`)
})

draw.run()
