import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Message } from '@peerconnect/protocol'
import { createBatcher } from '../src/batcher.js'

const tick = async (): Promise<void> => new Promise(resolve => setImmediate(resolve))

const batcher = suite('batcher')

batcher('batcher - everything pushed in one tick is flushed as one batch, in order', async () => {
  const batches: Message[][] = []
  const b = createBatcher(msgs => batches.push(msgs))
  for (let i = 0; i < 1000; i++) b.push({ type: `m${i}` })
  assert.is(b.size, 1000)
  assert.is(batches.length, 0, 'nothing is sent synchronously')
  await tick()
  assert.is(batches.length, 1)
  assert.equal(batches[0]!.map(m => m.type), Array.from({ length: 1000 }, (_, i) => `m${i}`))
  assert.is(b.size, 0)
})

batcher('batcher - pushes in later ticks make later batches', async () => {
  const batches: Message[][] = []
  const b = createBatcher(msgs => batches.push(msgs))
  b.push({ type: 'a' })
  await tick()
  b.push({ type: 'b' })
  b.push({ type: 'c' })
  await tick()
  assert.equal(batches.map(x => x.map(m => m.type)), [['a'], ['b', 'c']])
})

batcher('batcher - microtasks of the same tick join the batch', async () => {
  const batches: Message[][] = []
  const b = createBatcher(msgs => batches.push(msgs))
  b.push({ type: 'a' })
  await Promise.resolve()
  b.push({ type: 'b' })
  await tick()
  assert.equal(batches.map(x => x.map(m => m.type)), [['a', 'b']])
})

batcher('batcher - flush sends now and cancels the scheduled flush', async () => {
  const batches: Message[][] = []
  const b = createBatcher(msgs => batches.push(msgs))
  b.push({ type: 'a' })
  b.flush()
  assert.equal(batches.map(x => x.map(m => m.type)), [['a']])
  await tick()
  assert.is(batches.length, 1, 'no empty batch later')
  b.flush()
  assert.is(batches.length, 1, 'an empty flush sends nothing')
})

batcher('batcher - clear drops what is queued and leaves no immediate pending', async () => {
  const batches: Message[][] = []
  const b = createBatcher(msgs => batches.push(msgs))
  b.push({ type: 'a' })
  assert.ok(process.getActiveResourcesInfo().includes('Immediate'))
  b.clear()
  assert.not.ok(process.getActiveResourcesInfo().includes('Immediate'))
  await tick()
  assert.is(batches.length, 0)
  assert.is(b.size, 0)
})

batcher('batcher - a batch that reaches max goes at once; the rest waits for the tick', async () => {
  const batches: string[][] = []
  const b = createBatcher(msgs => batches.push(msgs.map(m => m.type)), { max: 3 })
  for (let i = 0; i < 7; i++) b.push({ type: `m${i}` })
  assert.equal(batches, [['m0', 'm1', 'm2'], ['m3', 'm4', 'm5']], 'two full batches synchronously')
  await tick()
  assert.equal(batches[2], ['m6'])
  assert.is(batches.length, 3)
})

batcher.run()
