/**
 * How a refused inbound query is answered: a KRPC error whose number says the kind (203 for a
 * bad or forged message, 201 for a policy refusal) and whose text starts with our error code, so
 * the querier can tell a bad token from a stale sequence. Every refusal is counted by code.
 */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, KrpcProtocolError } from '@peerconnect/protocol'
import type { ErrorData, ErrorReply, Message } from '@peerconnect/protocol'
import type { Context } from './context.js'
import type { Counts } from './counters.js'

/** Codes answered with KRPC 201 (generic: the message was fine, the holder will not keep it); all others are 203. */
export const POLICY_CODES: ReadonlySet<string> = new Set(['ERR_STALE_SEQUENCE', 'ERR_LIST_FULL', 'ERR_IP_CAP', 'ERR_RECORD_EXPIRED',
  'ERR_NOT_HOLDER', 'ERR_NOT_CLOSEST'])
/** Codes answered with KRPC 202 (server: try later). */
export const BUSY_CODES: ReadonlySet<string> = new Set(['ERR_BUSY'])

/** The ErrorData code the transport maps to each KRPC error number. */
const KRPC_CODES = { 201: 'ERR_KRPC_GENERIC', 202: 'ERR_KRPC_SERVER', 203: 'ERR_KRPC_PROTOCOL' } as const

/** Counts `error` under its code and answers `req` with the matching KRPC error. */
export function refuse (req: Message, error: ErrorData, rejected: Counts): ErrorReply {
  rejected.add(error.code)
  const krpc = BUSY_CODES.has(error.code) ? 202 : POLICY_CODES.has(error.code) ? 201 : 203
  return errorReply(req, { name: error.name, code: KRPC_CODES[krpc], message: `${error.code} ${error.message}` })
}

/** The answer to an rpc.* ask whose request or arguments failed their guard: KRPC 203 (nothing for a published message). */
export function badQuery (msg: Message, ctx: Context, reason = 'malformed request'): Observable<Message> {
  if (msg.cid === undefined) return of()
  return of(refuse(msg, new KrpcProtocolError(reason).toData(), ctx.rejected))
}

/** A server-side failure (202), not counted as a rejection. */
export function serverError (req: Message, error: ErrorData): ErrorReply {
  return errorReply(req, { name: error.name, code: KRPC_CODES[202], message: `${error.code} ${error.message}` })
}

/** The ErrorData of an Error with a code. */
export function dataOf (err: Error & { code: string }): ErrorData {
  return { name: err.name, code: err.code, message: err.message }
}

/** The lists error code at the start of a remote KRPC error's text ("203 ERR_BAD_TOKEN bad or foreign token"), if any. */
export function remoteCode (err: unknown): string | undefined {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined
  if (typeof message !== 'string') return undefined
  const m = /^(?:\d{3} )?(ERR_[A-Z0-9_]+)/.exec(message)
  return m?.[1]
}
