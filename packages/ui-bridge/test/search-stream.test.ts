import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import { isHit, pumpSearch } from '../src/search-stream.js'
import type { Hit } from '../src/search-stream.js'
import { coded, gate, peer } from './fake-backend.js'

const T = 5_000
let t = 0
const clock = { now: () => t }

async function* hits (...list: unknown[]): AsyncGenerator<unknown> {
  yield* list
}

const pump = suite('search pump')

pump('pump - first hit, then the rest, then done with count and time', withTimeout(T, async () => {
  t = 1000
  const p = pumpSearch(hits({ peer: peer(1), via: 'local' }, { peer: peer(2), via: 'lists' }), new AbortController().signal, clock)
  const first = await p.first
  assert.equal(first, { kind: 'hit', hit: { peer: peer(1), via: 'local' } })
  const rest: Hit[] = []
  t = 1250
  const done = await p.rest(h => rest.push(h))
  assert.equal(rest, [{ peer: peer(2), via: 'lists' }])
  assert.equal(done, { done: true, hits: 2, ms: 250 })
}))

pump('pump - an empty search ends at once and rest() does not pull again', withTimeout(T, async () => {
  let pulls = 0
  const source: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({ next: async () => {
      pulls++
      return { done: true, value: undefined }
    } })
  }
  const p = pumpSearch(source, new AbortController().signal, clock)
  assert.equal(await p.first, { kind: 'end' })
  assert.equal((await p.rest(() => assert.unreachable())).hits, 0)
  assert.is(pulls, 1)
}))

pump('pump - a failure before the first hit is reported as failed', withTimeout(T, async () => {
  // eslint-disable-next-line require-yield -- a search that finds nothing (it waits, or fails)
  const p = pumpSearch((async function* () {
    throw coded('ERR_NO_CONSUMER')
  })(), new AbortController().signal, clock)
  const first = await p.first
  assert.is(first.kind, 'failed')
  assert.is((first as { err: { code: string } }).err.code, 'ERR_NO_CONSUMER')
}))

pump('pump - a failure later is the error on the done line', withTimeout(T, async () => {
  const p = pumpSearch((async function* () {
    yield { peer: peer(1), via: 'local' }
    throw new Error('x')
  })(), new AbortController().signal, clock)
  await p.first
  const done = await p.rest(() => {})
  assert.is(done.hits, 1)
  assert.equal(done.error, { code: 'ERR_INTERNAL', message: 'the node failed to answer' })
}))

pump('pump - abort ends a stuck iterator at once and release() returns it', withTimeout(T, async () => {
  const controller = new AbortController()
  const pending = gate<IteratorResult<unknown>>()
  let returned = false
  const source: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => await pending.promise,
      return: async () => {
        returned = true
        return { done: true, value: undefined }
      }
    })
  }
  const p = pumpSearch(source, controller.signal, clock)
  controller.abort()
  assert.equal(await p.first, { kind: 'end' })
  p.release()
  p.release()
  assert.ok(returned)
  pending.open({ done: false, value: { peer: peer(1), via: 'local' } })
}))

pump('pump - release survives an iterator whose return throws or is missing', withTimeout(T, async () => {
  const throwing: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }), return: () => {
      throw new Error('x')
    } })
  }
  const p1 = pumpSearch(throwing, new AbortController().signal, clock)
  await p1.first
  p1.release()
  const rejecting: AsyncIterable<unknown> = {
    [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }), return: async () => {
      throw new Error('x')
    } })
  }
  const p2 = pumpSearch(rejecting, new AbortController().signal, clock)
  await p2.first
  p2.release()
  const bare: AsyncIterable<unknown> = { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) }
  const p3 = pumpSearch(bare, new AbortController().signal, clock)
  await p3.first
  p3.release()
  await new Promise(resolve => setImmediate(resolve))
  assert.ok(true)
}))

pump('pump - duplicates and malformed values are skipped', withTimeout(T, async () => {
  const p = pumpSearch(hits(
    { peer: peer(1), via: 'local' },
    42,
    { via: 'local' },
    { peer: peer(1), via: 'gossip' },
    { peer: peer(2), via: 'gossip' }
  ), new AbortController().signal, clock)
  const got: Hit[] = []
  const first = await p.first
  if (first.kind === 'hit') got.push(first.hit)
  const done = await p.rest(h => got.push(h))
  assert.equal(got.map(h => [h.peer.id, h.via]), [[peer(1).id, 'local'], [peer(2).id, 'gossip']])
  assert.is(done.hits, 2)
}))

pump('pump - an iterable whose iterator getter throws fails cleanly', withTimeout(T, async () => {
  const source = { [Symbol.asyncIterator]: () => {
    throw new Error('nope')
  } } as AsyncIterable<unknown>
  const p = pumpSearch(source, new AbortController().signal, clock)
  assert.is((await p.first).kind, 'failed')
}))

pump.run()

const guard = suite('search hit guard')

guard('isHit - shape check', () => {
  assert.ok(isHit({ peer: peer(1), via: 'local' }))
  for (const x of [null, undefined, 1, 'x', {}, { peer: peer(1) }, { via: 'local' }, { peer: null, via: 'x' }, { peer: { id: 1 },
    via: 'x' }, { peer: peer(1), via: 3 }]) {
    assert.not.ok(isHit(x), JSON.stringify(x))
  }
})

guard.run()
