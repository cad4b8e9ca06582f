import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Message } from '@peerconnect/protocol'
import { createCorrelation } from '../src/correlation.js'
import type { Asking } from '../src/correlation.js'
import { ActorRestartedError } from '../src/errors.js'

type Any = Message & Record<string, any>

function asker (name: string): Asking & { got: Any[] } {
  const got: Any[] = []
  return { name, got, deliver: (m) => got.push(m as Any) }
}

const table = suite('correlation')

table('correlation - cids are unique across askers whose own cids collide', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const b = asker('b')
  const ga = c.open(a, 1, 'routing')
  const gb = c.open(b, 1, 'routing')
  assert.is.not(ga, gb)
  c.reply('routing', { type: 'r', re: gb, end: true })
  c.reply('routing', { type: 'r', re: ga, end: true })
  assert.equal(a.got, [{ type: 'r', re: 1, end: true }])
  assert.equal(b.got, [{ type: 'r', re: 1, end: true }])
  assert.is(c.size, 0)
})

table('correlation - a stream flows to its asker until end, then the ask is forgotten', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const g = c.open(a, 9, 'lists')
  c.reply('lists', { type: 'item', re: g, end: false })
  c.reply('lists', { type: 'item', re: g, end: false })
  assert.is(c.size, 1)
  c.reply('lists', { type: 'item', re: g, end: true })
  c.reply('lists', { type: 'late', re: g, end: true })
  assert.equal(a.got.map(m => [m.type, m.re, m.end]), [['item', 9, false], ['item', 9, false], ['item', 9, true]])
  assert.is(c.size, 0)
})

table('correlation - an error reply ends the ask even without end', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const g = c.open(a, 2, 'x')
  c.reply('x', { type: 'error', re: g, error: { name: 'E', code: 'ERR_E', message: 'm' } } as Message)
  assert.is(c.size, 0)
  assert.is(a.got[0]!.re, 2)
})

table('correlation - a reply from an actor that does not hold the ask is dropped', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const g = c.open(a, 1, 'routing')
  c.reply('gossip', { type: 'forged', re: g, end: true })
  c.reply('routing', { type: 'unknown', re: g + 100, end: true })
  assert.is(a.got.length, 0)
  assert.is(c.size, 1)
})

table('correlation - a cancel forgets the ask; later replies are dropped', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const g = c.open(a, 5, 'x')
  c.cancel(a, 5)
  c.cancel(a, 5)
  c.cancel(asker('other'), 5)
  c.reply('x', { type: 'r', re: g, end: true })
  assert.is(a.got.length, 0)
  assert.is(c.size, 0)
})

table('correlation - a consumer that dies fails every ask it holds, and only those', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const b = asker('b')
  c.open(a, 1, 'dead')
  c.open(b, 1, 'dead')
  const alive = c.open(a, 2, 'alive')
  c.failConsumer('dead', new ActorRestartedError('gone'))
  assert.equal(a.got, [{ type: 'error', re: 1, end: true,
    error: { name: 'ActorRestartedError', code: 'ERR_ACTOR_RESTARTED', message: 'gone' } }])
  assert.is(b.got[0]!.error.code, 'ERR_ACTOR_RESTARTED')
  assert.is(c.size, 1)
  c.reply('alive', { type: 'ok', re: alive, end: true })
  assert.is(a.got[1]!.type, 'ok')
})

table('correlation - an asker that dies has its asks forgotten without replies', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const g = c.open(a, 1, 'x')
  c.open(a, 2, 'y')
  c.dropAsker(a)
  assert.is(c.size, 0)
  c.reply('x', { type: 'r', re: g, end: true })
  assert.is(a.got.length, 0)
})

table('correlation - fail and failAll answer with error replies', () => {
  const c = createCorrelation<string>()
  const a = asker('a')
  const g = c.open(a, 1, 'x')
  c.open(a, 2, 'y')
  c.fail(g, Object.assign(new Error('full'), { name: 'BacklogFullError', code: 'ERR_BACKLOG_FULL' }))
  c.fail(g, new Error('twice'))
  c.failAll(new Error('all'))
  assert.equal(a.got.map(m => [m.re, m.error.code]), [[1, 'ERR_BACKLOG_FULL'], [2, 'ERR_UNKNOWN']])
  assert.is(c.size, 0)
})

table('correlation - an asker numbering its asks with reserved cids gets replies unchanged', () => {
  const c = createCorrelation<string>()
  const a = asker('outside')
  const cid = c.reserve()
  const other = c.open(asker('b'), 1, 'x')
  assert.is.not(cid, other)
  c.openAs(cid, a, 'x')
  const r = { type: 'r', re: cid, end: true }
  c.reply('x', r)
  assert.is(a.got[0], r, 'the same object: no copy needed')
  c.openAs(c.reserve(), a, 'x')
  c.cancel(a, cid + 2)
  assert.is(c.size, 1, 'only the ask of b is left')
})

table.run()
