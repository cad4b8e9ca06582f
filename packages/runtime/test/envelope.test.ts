import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Message } from '@peerconnect/protocol'
import { encodeBatch, threadCodec } from '../src/envelope.js'
import { createLogger } from '../src/logger.js'
import type { LogEntry } from '../src/logger.js'

const codec = suite('envelope: the thread codec (protocol envelope)')

codec('codec - a batch round-trips, with bytes, nesting and correlation fields', () => {
  const c = threadCodec()
  const msgs = [
    { type: 'a', cid: 3, n: 1.5, s: 'é', list: [1, null, true], nested: { id: new Uint8Array([1, 2, 3]) } },
    { type: 'b', re: 3, end: true }
  ] as Message[]
  const back = c.decode(c.encode(msgs))!
  assert.equal(back, msgs)
  assert.ok((back[0] as unknown as { nested: { id: unknown } }).nested.id instanceof Uint8Array)
})

codec('codec - undefined fields are left out', () => {
  const c = threadCodec()
  const back = c.decode(c.encode([{ type: 'a', cid: undefined, x: undefined } as Message]))!
  assert.equal(Object.keys(back[0]!), ['type'])
})

codec('codec - encode returns an owned, right-sized buffer each time', () => {
  const c = threadCodec()
  const one = c.encode([{ type: 'first' }])
  const two = c.encode([{ type: 'second', pad: 'x'.repeat(100) } as Message])
  assert.is(one.byteOffset, 0)
  assert.is(one.buffer.byteLength, one.byteLength)
  assert.is.not(one.buffer, two.buffer)
  assert.equal(c.decode(one), [{ type: 'first' }], 'the first buffer is not overwritten by the second encode')
})

codec('codec - the buffer can be transferred', () => {
  const c = threadCodec()
  const buf = c.encode([{ type: 'moved' }])
  const copy = structuredClone(buf, { transfer: [buf.buffer] })
  assert.is(buf.byteLength, 0, 'detached after transfer')
  assert.equal(c.decode(copy), [{ type: 'moved' }])
})

codec('codec - decode never throws: garbage, non-arrays and non-messages give undefined', () => {
  const c = threadCodec()
  assert.is(c.decode(new Uint8Array([0xc1])), undefined)
  assert.is(c.decode(new Uint8Array([])), undefined)
  assert.is(c.decode(c.encode({ type: 'x' } as unknown as Message[])), undefined)
  assert.is(c.decode(c.encode([{ type: 'ok' }, { notype: 1 }] as unknown as Message[])), undefined)
  assert.is(c.decode(c.encode([{ type: 7 }] as unknown as Message[])), undefined)
  assert.equal(c.decode(c.encode([])), [])
})

codec('codec - decode takes an ArrayBuffer too', () => {
  const c = threadCodec()
  const buf = c.encode([{ type: 'ab' }])
  assert.equal(c.decode(buf.buffer), [{ type: 'ab' }])
})

codec.run()

const batch = suite('envelope: encodeBatch')

batch('encodeBatch - a message msgpack cannot carry is dropped and logged; the rest still goes', () => {
  const entries: LogEntry[] = []
  const log = createLogger('t', { level: 'error', sink: e => entries.push(e) })
  const buf = encodeBatch([{ type: 'ok1' }, { type: 'bad', fn: () => 1 } as Message, { type: 'ok2' }], log)!
  assert.equal(threadCodec().decode(buf), [{ type: 'ok1' }, { type: 'ok2' }])
  assert.is(entries.length, 1)
  assert.is(entries[0]!.fields?.type, 'bad')
})

batch('encodeBatch - undefined when nothing can be encoded', () => {
  const entries: LogEntry[] = []
  const log = createLogger('t', { level: 'error', sink: e => entries.push(e) })
  assert.is(encodeBatch([{ type: 'bad', fn: () => 1 } as Message], log), undefined)
  assert.is(entries.length, 1)
})

batch.run()
