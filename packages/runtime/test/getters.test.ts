import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withGetters } from '../src/getters.js'

const getters = suite('withGetters')

getters('withGetters - the getters read live state, the methods stay, each object keeps its own state', () => {
  const make = (): { add: (n: number) => void, readonly size: number, readonly twice: number } => {
    let n = 0
    return withGetters({ add: (k: number) => {
      n += k
    } }, { size: () => n, twice: () => n * 2 })
  }
  const a = make()
  const b = make()
  a.add(3)
  assert.is(a.size, 3)
  assert.is(a.twice, 6)
  assert.is(b.size, 0)
  b.add(1)
  assert.is(b.size, 1)
  assert.is(a.size, 3)
})

getters('withGetters - the getters are read-only and not own properties; objects with the same names share a prototype', () => {
  const a = withGetters({ x: 1 }, { size: () => 7 })
  const b = withGetters({ x: 2 }, { size: () => 8 })
  assert.is(Object.getPrototypeOf(a), Object.getPrototypeOf(b))
  assert.equal(Object.keys(a), ['x'])
  assert.throws(() => {
    ;(a as unknown as { size: number }).size = 1 // modules are strict: a getter without a setter throws
  })
  assert.is(a.size, 7)
  assert.is(b.size, 8)
})

getters.run()
