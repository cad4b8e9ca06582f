import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { MessageChannel } from 'node:worker_threads'
import { Encoder } from '@msgpack/msgpack'
import { createEnvelopeCodec } from '../src/envelope.js'
import type { Message } from '../src/message.js'
import { withTimeout } from '@peerconnect/test-helpers'
import { bytes, filledId, prng } from './fixtures.js'

const codec = createEnvelopeCodec()

/** Decodes and views the batch as messages of shape T (the test knows what it encoded). */
function decodeAs<T> (buf: Uint8Array, c = codec): T[] {
  const batch = c.decode(buf)
  if (batch === undefined) throw new Error('batch did not decode')
  return batch as unknown as T[]
}

const trips = suite('envelope - round trips')

trips('envelope - a batch of plain messages', () => {
  const batch: Message[] = [
    { type: 'routing.closest', cid: 1 },
    { type: 'routing.closest.reply', re: 1, end: true },
    { type: 'x', n: 1.5, neg: -7, big: 2 ** 40, s: 'żółw', ok: true, no: false, nil: null, list: [1, 'a', null],
      nested: { deep: { deeper: [[]] } } } as Message
  ]
  assert.equal(codec.decode(codec.encode(batch)), batch)
})

trips('envelope - Uint8Array fields survive as Uint8Array, nested too', () => {
  const msg = { type: 'transport.seen', id: filledId(7),
    a: { record: { k: new Uint8Array(32).fill(3), sig: new Uint8Array(64) }, list: [bytes('x'), [new Uint8Array(0)]] } }
  const [out] = decodeAs<typeof msg>(codec.encode([msg]))
  assert.equal(out, msg)
  assert.is(Object.getPrototypeOf(out!.id), Uint8Array.prototype)
  assert.is(Object.getPrototypeOf(out!.a.record.k), Uint8Array.prototype)
  assert.is(Object.getPrototypeOf(out!.a.list[0]), Uint8Array.prototype)
})

trips('envelope - Buffers go in, plain Uint8Arrays come out', () => {
  const [out] = decodeAs<{ data: Uint8Array }>(codec.encode([{ type: 'b', data: Buffer.from('hi') } as Message]))
  assert.is(Object.getPrototypeOf(out!.data), Uint8Array.prototype)
  assert.equal(out!.data, bytes('hi'))
})

trips('envelope - decoded bytes are copies by default, views only when asked', () => {
  const buf = codec.encode([{ type: 'b', id: filledId(1) } as Message])
  const [copied] = decodeAs<{ id: Uint8Array }>(buf)
  assert.is(copied!.id.buffer.byteLength, 20, 'its own buffer')
  const [viewed] = decodeAs<{ id: Uint8Array }>(buf, createEnvelopeCodec({ copyBytes: false }))
  assert.equal(viewed!.id, filledId(1))
  assert.is(viewed!.id.buffer, buf.buffer, 'a view of the batch')
})

trips('envelope - undefined fields are left out', () => {
  const [out] = codec.decode(codec.encode([{ type: 'u', cid: undefined, x: undefined, y: 1 } as Message]))!
  assert.equal(Object.keys(out!).sort(), ['type', 'y'])
})

trips('envelope - an empty batch', () => {
  assert.equal(codec.decode(codec.encode([])), [])
})

trips('envelope - a bigger batch: 5,000 messages with ids', () => {
  const rnd = prng(11)
  const batch = Array.from({ length: 5000 },
    (_, i) => ({ type: 'routing.peer.added', cid: i,
      contact: { id: rnd.bytes(20), host: `10.0.${i >> 8}.${i & 255}`, port: 1 + rnd.int(65535), lastSeen: 1_700_000_000_000 + i } }))
  const buf = codec.encode(batch)
  assert.equal(codec.decode(buf), batch)
})

trips('envelope - one codec reused many times gives identical bytes each time', () => {
  const batch = [{ type: 'a', id: filledId(2) }]
  const first = codec.encode(batch)
  for (let i = 0; i < 100; i++) assert.equal(codec.encode(batch), first)
})

trips('envelope - an ArrayBuffer can be decoded directly', () => {
  const buf = codec.encode([{ type: 'ab' }])
  assert.equal(codec.decode(buf.buffer), [{ type: 'ab' }])
})

trips.run()

const transfer = suite('envelope - transferable buffers')

transfer('envelope - the encoded buffer is exactly the bytes (offset 0, own length)', () => {
  for (const batch of [[], [{ type: 'a' }], Array.from({ length: 3000 }, (_, i) => ({ type: 'x', i, id: filledId(i & 255) }))]) {
    const buf = codec.encode(batch)
    assert.is(buf.byteOffset, 0)
    assert.is(buf.buffer.byteLength, buf.byteLength)
  }
})

transfer('envelope - two encodings never share a buffer', () => {
  const a = codec.encode([{ type: 'a' }])
  const b = codec.encode([{ type: 'b' }])
  assert.is.not(a.buffer, b.buffer)
  assert.equal(codec.decode(a), [{ type: 'a' }])
})

transfer('envelope - transferred through a MessageChannel, it decodes on the other side', withTimeout(5000, async () => {
  const { port1, port2 } = new MessageChannel()
  try {
    const batch = [{ type: 'transport.seen', id: filledId(9), host: '1.2.3.4', port: 5 }]
    const buf = codec.encode(batch)
    const received = new Promise<Uint8Array>(resolve => port2.once('message', resolve))
    port1.postMessage(buf, [buf.buffer])
    assert.is(buf.byteLength, 0, 'detached on the sending side')
    assert.equal(codec.decode(await received), batch)
  } finally {
    port1.close()
    port2.close()
  }
}))

transfer.run()

const garbage = suite('envelope - garbage')

garbage('envelope - not an array of messages gives undefined', () => {
  const enc = new Encoder()
  for (const x of [{ type: 'a' }, 'a', 1, null, [1], [{ type: 1 }], [{ type: 'ok' }, {}], [{ type: 'ok' }, null], [[{ type: 'a' }]]]) {
    assert.is(codec.decode(enc.encode(x)), undefined, JSON.stringify(x))
  }
})

garbage('envelope - truncated, empty and random bytes give undefined, never a throw', () => {
  const batch: Message[] = [{ type: 'a', id: filledId(1) } as Message, { type: 'b', list: [1, 2, 3] } as Message]
  const good = codec.encode(batch)
  for (let n = 0; n < good.length; n++) assert.is(codec.decode(good.slice(0, n)), undefined, `truncated at ${n}`)
  assert.is(codec.decode(new Uint8Array(0)), undefined)
  const rnd = prng(12)
  for (let i = 0; i < 5000; i++) {
    const res = codec.decode(rnd.bytes(rnd.int(200)))
    assert.ok(res === undefined || (Array.isArray(res) && res.every(m => typeof m.type === 'string')))
  }
})

garbage('envelope - trailing bytes after a batch give undefined', () => {
  const good = codec.encode([{ type: 'a' }])
  const longer = new Uint8Array(good.length + 1)
  longer.set(good)
  assert.is(codec.decode(longer), undefined)
})

garbage('envelope - a hostile message nested 100,000 deep does not throw', () => {
  const depth = 100_000
  const head = [0x91, 0x82, 0xa4, ...bytes('type'), 0xa1, 0x78, 0xa1, 0x64] // [ { type: 'x', d: ...
  const buf = new Uint8Array(head.length + depth + 1)
  buf.set(head)
  buf.fill(0x91, head.length, head.length + depth) // [[[[…
  buf[buf.length - 1] = 0xc4 // bin 8 … truncated
  assert.is(codec.decode(buf), undefined)
  buf[buf.length - 1] = 0xc0 // nil
  const res = codec.decode(buf)
  assert.ok(res !== undefined && res.length === 1 && res[0]!.type === 'x')
})

garbage.run()
