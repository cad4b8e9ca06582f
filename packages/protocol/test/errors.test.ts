import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as errors from '../src/errors.js'
import { ERROR_CODES, KrpcMethodUnknownError, KrpcProtocolError, hasErrorCode, krpcErrorData } from '../src/errors.js'
import type { CodedError } from '../src/errors.js'
import { KRPC_CODE_BY_ERROR } from '../src/catalogue/network.js'
import { KRPC_ERROR } from '../src/krpc.js'

type ErrorClass = new(message?: string) => CodedError
const classes = Object.entries(errors).filter(([name, v]) =>
  typeof v === 'function' && name.endsWith('Error') && name !== 'CodedError'
) as Array<[string, ErrorClass]>

const each = suite('errors - one class per condition')

each('errors - every class has its own name and a stable ERR_ code from ERROR_CODES', () => {
  assert.ok(classes.length >= 13, `found ${classes.length}`)
  const codes = new Set<string>()
  for (const [exported, Cls] of classes) {
    const err = new Cls()
    assert.is(err.name, exported)
    assert.ok(err.code.startsWith('ERR_'), err.code)
    assert.ok(Object.values(ERROR_CODES).includes(err.code), err.code)
    assert.ok(err.message.length > 0)
    assert.ok(err instanceof Error)
    codes.add(err.code)
  }
  assert.is(codes.size, classes.length, 'codes are distinct')
  assert.is(codes.size, Object.keys(ERROR_CODES).length, 'every code has a class')
})

each('errors - a custom message is kept; toData is plain data', () => {
  for (const [, Cls] of classes) {
    const err = new Cls('custom')
    assert.equal(err.toData(), { name: err.name, code: err.code, message: 'custom' })
    assert.is(Object.getPrototypeOf(err.toData()), Object.prototype)
  }
})

each('errors - name and code are own enumerable properties (they survive a structured clone)', () => {
  const copy = structuredClone({ ...new KrpcProtocolError('x') })
  assert.is(copy.name, 'KrpcProtocolError')
  assert.is(copy.code, 'ERR_KRPC_PROTOCOL')
})

each.run()

const krpc = suite('errors - KRPC errors')

krpc('errors - krpcErrorData maps 204 to method unknown, other codes to protocol error', () => {
  assert.equal(krpcErrorData(204, 'unknown method x'), new KrpcMethodUnknownError('unknown method x').toData())
  assert.equal(krpcErrorData(203, 'id not 20 bytes'), new KrpcProtocolError('id not 20 bytes').toData())
})

krpc('errors - the transport\'s code table knows every KRPC error class this package defines', () => {
  assert.is(KRPC_CODE_BY_ERROR[ERROR_CODES.KRPC_GENERIC], KRPC_ERROR.GENERIC)
  assert.is(KRPC_CODE_BY_ERROR[ERROR_CODES.KRPC_SERVER], KRPC_ERROR.SERVER)
  assert.is(KRPC_CODE_BY_ERROR[ERROR_CODES.KRPC_PROTOCOL], KRPC_ERROR.PROTOCOL)
  assert.is(KRPC_CODE_BY_ERROR[ERROR_CODES.KRPC_METHOD_UNKNOWN], KRPC_ERROR.METHOD_UNKNOWN)
})

krpc('errors - hasErrorCode checks code on anything', () => {
  assert.ok(hasErrorCode(new KrpcProtocolError().toData(), 'ERR_KRPC_PROTOCOL'))
  assert.ok(hasErrorCode(new KrpcProtocolError(), 'ERR_KRPC_PROTOCOL'))
  for (const x of [null, undefined, 'ERR_KRPC_PROTOCOL', {}]) assert.not.ok(hasErrorCode(x, 'ERR_KRPC_PROTOCOL'))
})

krpc.run()
