import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { errorReply, isErrorReply, isMessage, reply, toErrorData } from '../src/message.js'
import { BadSignatureError } from '../src/errors.js'

const shape = suite('message - shape')

shape('message - isMessage: an object with a string type', () => {
  assert.ok(isMessage({ type: 'a' }))
  assert.ok(isMessage({ type: '', extra: 1 }))
  for (const x of [null, undefined, 'a', 1, [], {}, { type: 1 }, { type: null }]) assert.not.ok(isMessage(x), JSON.stringify(x))
})

shape('message - isErrorReply needs type error and a numeric re', () => {
  assert.ok(isErrorReply({ type: 'error', re: 3 }))
  assert.not.ok(isErrorReply({ type: 'error' }))
  assert.not.ok(isErrorReply({ type: 'reply', re: 3 }))
})

shape.run()

const replies = suite('message - replies')

replies('message - reply copies the body and correlates with cid', () => {
  const req = { type: 'routing.closest', cid: 42 }
  assert.equal(reply(req, { type: 'routing.closest.reply', contacts: [] }), { type: 'routing.closest.reply', contacts: [], re: 42,
    end: true })
  assert.equal(reply(req, { type: 'crawler.progress' }, false), { type: 'crawler.progress', re: 42, end: false })
})

replies('message - a request without cid is answered with re -1', () => {
  assert.is(reply({ type: 'x' }, { type: 'y' }).re, -1)
  assert.is(errorReply({ type: 'x' }, new Error('e')).re, -1)
})

replies('message - errorReply carries the error as data', () => {
  const r = errorReply({ type: 'x', cid: 7 }, new BadSignatureError())
  assert.equal(r, { type: 'error', re: 7, end: true,
    error: { name: 'BadSignatureError', code: 'ERR_BAD_SIGNATURE', message: 'peer record signature does not verify' } })
})

replies.run()

const data = suite('message - toErrorData')

data('message - from a coded error, a plain Error, a string, null, an object', () => {
  assert.equal(toErrorData(new BadSignatureError('x')), { name: 'BadSignatureError', code: 'ERR_BAD_SIGNATURE', message: 'x' })
  assert.equal(toErrorData(new TypeError('t')), { name: 'TypeError', code: 'ERR_UNKNOWN', message: 't' })
  assert.equal(toErrorData('boom'), { name: 'Error', code: 'ERR_UNKNOWN', message: 'boom' })
  assert.equal(toErrorData(null), { name: 'Error', code: 'ERR_UNKNOWN', message: 'null' })
  assert.equal(toErrorData({ code: 'ERR_X', message: 'm' }), { name: 'Error', code: 'ERR_X', message: 'm' })
})

data('message - ErrorData survives JSON (plain data, no prototype needed)', () => {
  const d = toErrorData(new BadSignatureError())
  assert.equal(JSON.parse(JSON.stringify(d)), d)
})

data.run()
