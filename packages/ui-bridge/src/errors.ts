/**
 * Errors of the HTTP API. A failed request answers `{error: {code, message}}` with a stable
 * `code`; the one thrown condition (starting a reachable server without a token) is a class
 * with `name` and `code`. Callers check `code`, never `instanceof`.
 */
import { UNAVAILABLE_CODES } from './constants.js'

export interface ApiError {
  code: string
  message: string
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: ApiError
}

export class TokenRequiredError extends Error {
  override readonly name = 'TokenRequiredError'
  readonly code = 'ERR_TOKEN_REQUIRED'
}

export class InvalidServerOptionError extends Error {
  override readonly name = 'InvalidServerOptionError'
  readonly code = 'ERR_INVALID_SERVER_OPTION'
}

export function errorBody (code: string, message: string): ErrorBody {
  return { error: { code, message } }
}

/**
 * Maps anything the backend threw to a status and an error body: `ERR_BAD_CURSOR` is the
 * client's fault (400), "not available now" codes are 503, the rest 500. A 500 does not echo
 * the backend's message; the server logs it instead.
 */
export function backendFailure (err: unknown): { status: number, body: ErrorBody } {
  const code = codeOf(err)
  if (code === 'ERR_BAD_CURSOR') return { status: 400, body: errorBody(code, 'the cursor cannot be read') }
  if (code !== undefined && UNAVAILABLE_CODES.includes(code)) {
    return { status: 503, body: errorBody(code, 'the node cannot answer right now; try again') }
  }
  return { status: 500, body: errorBody(code ?? 'ERR_INTERNAL', 'the node failed to answer') }
}

/** The error's `code` if it is a well-formed one (`ERR_…`), else undefined. */
export function codeOf (err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' && ERR_CODE.test(code) ? code : undefined
}

const ERR_CODE = /^ERR_[A-Z0-9_]{1,60}$/

/** An actor answered an ask with a reply of the wrong shape. */
export class UnexpectedReplyError extends Error {
  override readonly name = 'UnexpectedReplyError'
  readonly code = 'ERR_UNEXPECTED_REPLY'
}

/** The work was given up: the client went away or the actor stopped. */
export class AbortedError extends Error {
  override readonly name = 'AbortedError'
  readonly code = 'ERR_ABORTED'
}

/** The API's address is taken by another program. */
export class AddressInUseError extends Error {
  override readonly name = 'AddressInUseError'
  readonly code = 'ERR_ADDRESS_IN_USE'
}

/** The API could not listen (a bad host, no permission for the port, …). */
export class ApiListenError extends Error {
  override readonly name = 'ApiListenError'
  readonly code = 'ERR_API_LISTEN'
}
