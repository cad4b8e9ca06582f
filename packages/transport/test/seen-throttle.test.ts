import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createSeenThrottle } from '../src/seen-throttle.js'

const id = (b: number): Uint8Array => new Uint8Array(20).fill(b)
const seen = suite('seen-throttle')

seen('seen-throttle - the first sighting passes, repeats within the interval do not', () => {
  const s = createSeenThrottle({ interval: 1000 })
  assert.ok(s.pass('1.1.1.1:1', id(1), 0))
  assert.not.ok(s.pass('1.1.1.1:1', id(1), 10))
  assert.not.ok(s.pass('1.1.1.1:1', id(1), 999))
  assert.ok(s.pass('1.1.1.1:1', id(1), 1000))
  assert.not.ok(s.pass('1.1.1.1:1', id(1), 1500))
  assert.ok(s.pass('1.1.1.1:1', id(1), 2000))
})

seen('seen-throttle - contacts are throttled separately', () => {
  const s = createSeenThrottle({ interval: 1000 })
  assert.ok(s.pass('1.1.1.1:1', id(1), 0))
  assert.ok(s.pass('1.1.1.1:2', id(2), 0))
  assert.ok(s.pass('2.2.2.2:1', id(3), 0))
})

seen('seen-throttle - idAt gives the id last reported at an address, a copy', () => {
  const s = createSeenThrottle({ interval: 1000, maxContacts: 2 })
  assert.is(s.idAt('1.1.1.1:1'), undefined)
  const mine = id(1)
  s.pass('1.1.1.1:1', mine, 0)
  mine[0] = 9
  assert.equal(s.idAt('1.1.1.1:1'), id(1))
  s.pass('1.1.1.1:1', id(2), 1)
  assert.equal(s.idAt('1.1.1.1:1'), id(2))
  s.pass('2.2.2.2:1', id(3), 2)
  s.pass('3.3.3.3:1', id(4), 3)
  assert.is(s.idAt('1.1.1.1:1'), undefined, 'the oldest is forgotten')
  assert.equal(s.idAt('3.3.3.3:1'), id(4))
})

seen('seen-throttle - a new id at the same address passes at once', () => {
  const s = createSeenThrottle({ interval: 1000 })
  assert.ok(s.pass('1.1.1.1:1', id(1), 0))
  assert.ok(s.pass('1.1.1.1:1', id(2), 1))
  assert.not.ok(s.pass('1.1.1.1:1', id(2), 2))
})

seen('seen-throttle - it keeps its own copy of the id', () => {
  const s = createSeenThrottle({ interval: 1000 })
  const x = id(1)
  s.pass('a', x, 0)
  x.fill(9)
  assert.not.ok(s.pass('a', id(1), 1), 'a caller reusing its buffer does not fool it')
})

seen('seen-throttle - two lanes are throttled apart in one record; idAt prefers lane 0', () => {
  const s = createSeenThrottle({ interval: 1000 })
  assert.ok(s.pass('1.1.1.1:1', id(1), 0, 1), 'a query first')
  assert.is(s.idAt('1.1.1.1:1')?.[0], 1)
  assert.ok(s.pass('1.1.1.1:1', id(1), 10, 0), 'the reply is not hidden by the query')
  assert.not.ok(s.pass('1.1.1.1:1', id(1), 20, 1))
  assert.not.ok(s.pass('1.1.1.1:1', id(1), 20, 0))
  assert.ok(s.pass('1.1.1.1:1', id(2), 30, 1), 'a new id in lane 1 passes at once')
  assert.is(s.idAt('1.1.1.1:1')?.[0], 1, 'lane 0 still says id 1')
  assert.is(s.size, 1)
})

seen('seen-throttle - a caller that hands over its ids (copy: false) shares them', () => {
  const s = createSeenThrottle({ copy: false })
  const x = id(1)
  s.pass('a', x, 0)
  assert.is(s.idAt('a'), x)
})

seen('seen-throttle - ten thousand sightings of one contact in a second give one report', () => {
  const s = createSeenThrottle()
  let n = 0
  for (let t = 0; t < 10_000; t++) if (s.pass('1.1.1.1:1', id(1), t / 10)) n++
  assert.is(n, 1)
})

seen('seen-throttle - memory is bounded', () => {
  const s = createSeenThrottle({ maxContacts: 50 })
  for (let i = 0; i < 5000; i++) s.pass(`k${i}`, id(i & 255), i)
  assert.is(s.size, 50)
})

seen.run()
