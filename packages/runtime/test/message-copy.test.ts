import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Message } from '@peerconnect/protocol'
import { withField } from '../src/message-copy.js'

const copy = suite('message copy')

copy('withField - a new object with every field of the message and the one set', () => {
  const id = new Uint8Array([1, 2])
  const msg = { type: 'routing.closest', target: id, k: 8, cid: 3 } as Message
  const out = withField(msg, 'cid', 99) as Message & { target: Uint8Array, k: number }
  assert.is.not(out, msg)
  assert.equal(out, { type: 'routing.closest', target: id, k: 8, cid: 99 })
  assert.is(out.target, id, 'fields are shared, not deep-copied')
  assert.is(msg.cid, 3, 'the original is untouched')
})

copy('withField - adds re to a reply that had none', () => {
  const out = withField({ type: 'x', end: true }, 're', 7)
  assert.equal(out, { type: 'x', end: true, re: 7 })
})

copy.run()
