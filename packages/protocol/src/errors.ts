/**
 * One error class per condition, each with a `name` and a stable `code`. Errors cross threads as
 * `ErrorData` (plain data), so code and tests compare `code`, never `instanceof`. Decoders and
 * guards do not throw these: they return them as data (`toData()` / `errorData(...)`).
 */
import type { ErrorData } from './message.js'

/** Every error code this package defines. */
export const ERROR_CODES = {
  INVALID_ID: 'ERR_INVALID_ID',
  RECORD_MALFORMED: 'ERR_RECORD_MALFORMED',
  BAD_SIGNATURE: 'ERR_BAD_SIGNATURE',
  ID_MISMATCH: 'ERR_ID_MISMATCH',
  NAME_TOO_LONG: 'ERR_NAME_TOO_LONG',
  BAD_ADDRESS: 'ERR_BAD_ADDRESS',
  STALE_SEQUENCE: 'ERR_STALE_SEQUENCE',
  BAD_PRIVATE_KEY: 'ERR_BAD_PRIVATE_KEY',
  KRPC_ENCODE: 'ERR_KRPC_ENCODE',
  KRPC_GENERIC: 'ERR_KRPC_GENERIC',
  KRPC_SERVER: 'ERR_KRPC_SERVER',
  KRPC_PROTOCOL: 'ERR_KRPC_PROTOCOL',
  KRPC_METHOD_UNKNOWN: 'ERR_KRPC_METHOD_UNKNOWN',
  BAD_REQUEST: 'ERR_BAD_REQUEST',
  UNEXPECTED_REPLY: 'ERR_UNEXPECTED_REPLY'
} as const

export type ErrorCode = typeof ERROR_CODES[keyof typeof ERROR_CODES]

/** The base of this package's errors: `toData()` gives the plain-data form. */
export abstract class CodedError extends Error {
  abstract readonly code: ErrorCode
  toData (): ErrorData {
    return { name: this.name, code: this.code, message: this.message }
  }
}

/** A string that should be 40 hex characters (a node id) is not. */
export class InvalidIdError extends CodedError {
  override readonly name = 'InvalidIdError'
  readonly code = ERROR_CODES.INVALID_ID
  constructor (message = 'invalid node id: expected 40 hex characters') {
    super(message)
  }
}

/** A peer record does not have the structure of docs/PROTOCOL.md's signed peer record (missing or mistyped fields). */
export class RecordMalformedError extends CodedError {
  override readonly name = 'RecordMalformedError'
  readonly code = ERROR_CODES.RECORD_MALFORMED
  constructor (message = 'malformed peer record') {
    super(message)
  }
}

/** A peer record's signature does not verify with its key. */
export class BadSignatureError extends CodedError {
  override readonly name = 'BadSignatureError'
  readonly code = ERROR_CODES.BAD_SIGNATURE
  constructor (message = 'peer record signature does not verify') {
    super(message)
  }
}

/** A peer record's id is not SHA-1 of its public key. */
export class IdMismatchError extends CodedError {
  override readonly name = 'IdMismatchError'
  readonly code = ERROR_CODES.ID_MISMATCH
  constructor (message = 'peer record id is not SHA-1 of its public key') {
    super(message)
  }
}

/** A peer name is longer than 64 bytes of UTF-8. */
export class NameTooLongError extends CodedError {
  override readonly name = 'NameTooLongError'
  readonly code = ERROR_CODES.NAME_TOO_LONG
  constructor (message = 'peer name is longer than 64 bytes of UTF-8') {
    super(message)
  }
}

/** A compact address is not 6 or 18 bytes with a port in 1..65535, or a host is not an IP. */
export class BadAddressError extends CodedError {
  override readonly name = 'BadAddressError'
  readonly code = ERROR_CODES.BAD_ADDRESS
  constructor (message = 'bad peer address') {
    super(message)
  }
}

/** A peer record is older than (or conflicts at the same sequence with) the one held. */
export class StaleSequenceError extends CodedError {
  override readonly name = 'StaleSequenceError'
  readonly code = ERROR_CODES.STALE_SEQUENCE
  constructor (message = 'peer record sequence is older than the one held') {
    super(message)
  }
}

/** A private key is not an ed25519 PKCS#8 DER key. */
export class BadPrivateKeyError extends CodedError {
  override readonly name = 'BadPrivateKeyError'
  readonly code = ERROR_CODES.BAD_PRIVATE_KEY
  constructor (message = 'not an ed25519 PKCS#8 private key') {
    super(message)
  }
}

/** A value handed to a KRPC encoder cannot be bencoded (float, boolean, bigint, null in a list …). */
export class KrpcEncodeError extends CodedError {
  override readonly name = 'KrpcEncodeError'
  readonly code = ERROR_CODES.KRPC_ENCODE
  constructor (message = 'value cannot be bencoded') {
    super(message)
  }
}

/** KRPC error 201, as an error reply from the actor answering a query. */
export class KrpcGenericError extends CodedError {
  override readonly name = 'KrpcGenericError'
  readonly code = ERROR_CODES.KRPC_GENERIC
  constructor (message = 'Generic Error') {
    super(message)
  }
}

/** KRPC error 202. */
export class KrpcServerError extends CodedError {
  override readonly name = 'KrpcServerError'
  readonly code = ERROR_CODES.KRPC_SERVER
  constructor (message = 'Server Error') {
    super(message)
  }
}

/** KRPC error 203: malformed packet, invalid arguments or bad token. */
export class KrpcProtocolError extends CodedError {
  override readonly name = 'KrpcProtocolError'
  readonly code = ERROR_CODES.KRPC_PROTOCOL
  constructor (message = 'Protocol Error') {
    super(message)
  }
}

/** KRPC error 204. */
export class KrpcMethodUnknownError extends CodedError {
  override readonly name = 'KrpcMethodUnknownError'
  readonly code = ERROR_CODES.KRPC_METHOD_UNKNOWN
  constructor (message = 'Method Unknown') {
    super(message)
  }
}

/** An ask to an actor (crawler.*, lists.*, gossip.*, transport.* …) failed its guard. */
export class BadRequestError extends CodedError {
  override readonly name = 'BadRequestError'
  readonly code = ERROR_CODES.BAD_REQUEST
  constructor (message = 'bad request') {
    super(message)
  }
}

/** An ask got a reply of a type it does not expect (say, `transport.info` answered with something else). */
export class UnexpectedReplyError extends CodedError {
  override readonly name = 'UnexpectedReplyError'
  readonly code = ERROR_CODES.UNEXPECTED_REPLY
  constructor (message = 'unexpected reply') {
    super(message)
  }
}

/** The error (as data) for a failed KRPC guard: 204 → method unknown, else protocol error (203). */
export function krpcErrorData (code: number, reason: string): ErrorData {
  return code === 204 ? new KrpcMethodUnknownError(reason).toData() : new KrpcProtocolError(reason).toData()
}

/** True when `data` (an ErrorData or anything else) carries `code`. */
export function hasErrorCode (data: unknown, code: string): boolean {
  return typeof data === 'object' && data !== null && (data as { code?: unknown }).code === code
}
