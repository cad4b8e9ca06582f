import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createSeenCache } from '../src/seen-cache.js'
import { SEEN_MAX, SEEN_TTL } from '../src/constants.js'

const basics = suite('seen-cache - first receipt and duplicates')

basics('seen-cache - the first add is new, the second a duplicate', () => {
  const seen = createSeenCache({ ttl: 1000, max: 10 })
  assert.ok(seen.add('a', 0))
  assert.not.ok(seen.add('a', 5))
  assert.is(seen.size, 1)
})

basics('seen-cache - get gives the local receipt time of the first add', () => {
  const seen = createSeenCache({ ttl: 1000, max: 10 })
  seen.add('a', 100)
  seen.add('a', 300)
  assert.is(seen.get('a', 400), 100)
  assert.is(seen.get('b', 400), undefined)
})

basics('seen-cache - the defaults are a minute and ten thousand ids', () => {
  assert.is(SEEN_TTL, 60_000)
  assert.is(SEEN_MAX, 10_000)
})

basics('seen-cache - bad options are refused', () => {
  for (const opts of [{ ttl: 0, max: 5 }, { ttl: -1, max: 5 }, { ttl: 10, max: 0 }, { ttl: 10, max: 2.5 }, { ttl: Number.NaN, max: 5 }]) {
    try {
      createSeenCache(opts)
      assert.unreachable(JSON.stringify(opts))
    } catch (err) {
      assert.instance(err, RangeError)
    }
  }
})

basics.run()

const expiry = suite('seen-cache - expiry')

expiry('seen-cache - an id expires ttl after its first receipt', () => {
  const seen = createSeenCache({ ttl: 1000, max: 10 })
  seen.add('a', 0)
  assert.is(seen.get('a', 999), 0)
  assert.is(seen.get('a', 1000), undefined)
  assert.is(seen.size, 0, 'get removed the expired id')
})

expiry('seen-cache - a duplicate does not extend the life of an id', () => {
  const seen = createSeenCache({ ttl: 1000, max: 10 })
  seen.add('a', 0)
  seen.add('a', 900)
  assert.ok(seen.add('a', 1000), 'new again after ttl from the FIRST receipt')
  assert.is(seen.get('a', 1500), 1000)
})

expiry('seen-cache - adding prunes every expired id, not just the one added', () => {
  const seen = createSeenCache({ ttl: 100, max: 1000 })
  for (let i = 0; i < 50; i++) seen.add(`old${i}`, i)
  seen.add('new', 200)
  assert.is(seen.size, 1)
})

expiry('seen-cache - a clock that goes back does not break it', () => {
  const seen = createSeenCache({ ttl: 100, max: 10 })
  seen.add('a', 1000)
  seen.add('b', 500)
  assert.is(seen.get('a', 1050), 1000)
  assert.not.ok(seen.add('b', 550))
  assert.ok(seen.size <= 10)
})

expiry.run()

const bound = suite('seen-cache - hard bound')

bound('seen-cache - stays within its bound under a flood of distinct rumors', () => {
  const max = 1000
  const seen = createSeenCache({ ttl: 60_000, max })
  let most = 0
  for (let i = 0; i < 200_000; i++) {
    seen.add(`rumor-${i}`, i / 100)
    most = Math.max(most, seen.size)
  }
  assert.is(most, max)
  assert.is(seen.size, max)
})

bound('seen-cache - when full, the oldest id goes first', () => {
  const seen = createSeenCache({ ttl: 60_000, max: 3 })
  seen.add('a', 1)
  seen.add('b', 2)
  seen.add('c', 3)
  seen.add('d', 4)
  assert.is(seen.get('a', 5), undefined)
  assert.is(seen.get('b', 5), 2)
  assert.is(seen.get('d', 5), 4)
})

bound('seen-cache - an evicted id counts as new again', () => {
  const seen = createSeenCache({ ttl: 60_000, max: 2 })
  seen.add('a', 1)
  seen.add('b', 2)
  seen.add('c', 3)
  assert.ok(seen.add('a', 4))
})

bound('seen-cache - max 1 keeps only the latest id', () => {
  const seen = createSeenCache({ ttl: 60_000, max: 1 })
  for (const k of ['x', 'y', 'z']) seen.add(k, 0)
  assert.is(seen.size, 1)
  assert.is(seen.get('z', 0), 0)
})

bound.run()
