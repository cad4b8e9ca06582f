import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ACTOR_TYPES, isActorCancel, isActorConfigure, isActorSnapshot, isErrorData, isErrorMessage } from '../src/catalogue/actor.js'
import * as catalogue from '../src/catalogue/index.js'
import * as protocol from '../src/index.js'
import { createEnvelopeCodec } from '../src/envelope.js'
import { errorReply, isErrorReply } from '../src/message.js'
import type { Message } from '../src/message.js'
import { StaleSequenceError } from '../src/errors.js'

const codec = createEnvelopeCodec()
const trip = (m: unknown): unknown => codec.decode(codec.encode([m as Message]))![0]

const actor = suite('catalogue - actor messages')

actor('catalogue - the type names match the runtime contract', () => {
  assert.equal(ACTOR_TYPES, { SNAPSHOT: 'actor.snapshot', CONFIGURE: 'actor.configure', CANCEL: 'actor.cancel', ERROR: 'error' })
})

actor('catalogue - actor.snapshot carries any state, even none', () => {
  assert.ok(isActorSnapshot({ type: 'actor.snapshot', state: { contacts: [1, 2] } }))
  assert.ok(isActorSnapshot({ type: 'actor.snapshot', state: null }))
  assert.ok(isActorSnapshot(trip({ type: 'actor.snapshot', state: undefined })), 'after msgpack drops an undefined state')
  assert.not.ok(isActorSnapshot({ type: 'actor.configure', state: 1 }))
})

actor('catalogue - actor.configure needs a patch object', () => {
  assert.ok(isActorConfigure({ type: 'actor.configure', patch: { k: 20 } }))
  assert.ok(isActorConfigure(trip({ type: 'actor.configure', cid: 4, patch: {} })))
  for (const patch of [undefined, null, 1, 'k=20', [], new Uint8Array(1)]) {
    assert.not.ok(isActorConfigure({ type: 'actor.configure', patch }), String(patch))
  }
})

actor('catalogue - actor.cancel needs the cancelled ask id', () => {
  assert.ok(isActorCancel({ type: 'actor.cancel', ask: 12 }))
  for (const ask of [undefined, -1, 1.5, '12']) assert.not.ok(isActorCancel({ type: 'actor.cancel', ask }), String(ask))
})

actor('catalogue - guards take unknown and never throw', () => {
  for (const x of [undefined, null, 0, 'actor.snapshot', [], {}, { type: 5 }]) {
    assert.not.ok(isActorSnapshot(x))
    assert.not.ok(isActorConfigure(x))
    assert.not.ok(isActorCancel(x))
    assert.not.ok(isErrorMessage(x))
  }
})

actor.run()

const errors = suite('catalogue - error replies')

errors('catalogue - errorReply builds a message isErrorMessage accepts, also after msgpack', () => {
  const reply = errorReply({ type: 'lists.announce', cid: 9 }, new StaleSequenceError())
  assert.ok(isErrorMessage(reply))
  assert.ok(isErrorReply(reply))
  const copied = trip(reply)
  assert.ok(isErrorMessage(copied))
  if (isErrorMessage(copied)) assert.is(copied.error.code, 'ERR_STALE_SEQUENCE')
})

errors('catalogue - a request without cid gets re -1, still a valid error message', () => {
  assert.ok(isErrorMessage(errorReply({ type: 'x' }, new Error('boom'))))
})

errors('catalogue - error messages need re, end: true and ErrorData', () => {
  const good = { type: 'error', re: 1, end: true, error: { name: 'E', code: 'ERR_X', message: 'm' } }
  assert.ok(isErrorMessage(good))
  assert.not.ok(isErrorMessage({ ...good, re: undefined }))
  assert.not.ok(isErrorMessage({ ...good, end: false }))
  assert.not.ok(isErrorMessage({ ...good, error: { name: 'E', code: 1, message: 'm' } }))
  assert.not.ok(isErrorMessage({ ...good, type: 'errors' }))
})

errors('catalogue - isErrorData', () => {
  assert.ok(isErrorData({ name: 'E', code: 'ERR_X', message: '' }))
  assert.ok(isErrorData(new StaleSequenceError().toData()))
  for (const x of [null, {}, { name: 'E', code: 'ERR_X' }, 'ERR_X']) assert.not.ok(isErrorData(x))
})

errors.run()

const exports = suite('catalogue - exports')

exports('catalogue - the catalogue index and the package index export the actor area', () => {
  assert.is(catalogue.isActorConfigure, isActorConfigure)
  assert.is(protocol.isActorConfigure, isActorConfigure)
  assert.is(protocol.ACTOR_TYPES, ACTOR_TYPES)
})

exports('catalogue - the package index exports the whole protocol API', () => {
  for (const name of ['decodeKrpc', 'encodeQuery', 'encodeResponse', 'encodeError', 'encodeNodes', 'decodeNodes', 'encodeNodes6',
    'decodeNodes6', 'encodeAddress', 'decodeAddress', 'parseQueryArgs', 'parseReply', 'bdecode', 'bencode', 'LIST_IDS', 'closestListId',
    'generateIdentity', 'identityFromPrivateKey', 'createRecord', 'verifyRecord', 'recordToWire', 'recordFromWire', 'recordAddress',
    'createEnvelopeCodec', 'InvalidIdError', 'ERROR_CODES', 'KRPC_ERROR', 'MAX_PACKET', 'CLIENT_VERSION', 'isObj', 'isMessage']) {
    assert.ok(name in protocol, name)
  }
})

exports.run()
