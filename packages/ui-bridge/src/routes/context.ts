/** What every route group gets, and the replies they share. */
import type { FastifyReply } from 'fastify'
import type { Logger } from '@peerconnect/runtime'
import type { UiBackend } from '../backend.js'
import type { ServerMetrics } from '../metrics.js'
import type { AssetMap } from '../static-files.js'
import type { ApiError } from '../errors.js'
import { backendFailure, errorBody } from '../errors.js'

export interface RouteContext {
  readonly backend: UiBackend
  readonly log: Logger
  readonly metrics: ServerMetrics
  readonly assets: AssetMap
  /** Aborts when the server starts closing: long-running answers end early. */
  readonly closing: AbortSignal
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs the token (when the server has one). */
    auth?: boolean
    /** The token may also come as `?token=` (WebSocket clients cannot set headers in browsers). */
    queryToken?: boolean
  }
}

export function badRequest (reply: FastifyReply, error: ApiError): FastifyReply {
  return reply.code(400).send({ error })
}

export function notFound (reply: FastifyReply, code: string, message: string): FastifyReply {
  return reply.code(404).send(errorBody(code, message))
}

/** Answers a backend failure (400 for a bad cursor, 503 when unavailable, else 500) and logs it. */
export function failed (reply: FastifyReply, err: unknown, ctx: RouteContext, what: string): FastifyReply {
  const { status, body } = backendFailure(err)
  const fields = { what, code: body.error.code, err: describe(err) }
  if (status >= 500) ctx.log.warn('backend failed', fields)
  else ctx.log.debug('backend refused', fields)
  return reply.code(status).send(body)
}

export function describe (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
