/** What every route group gets, and the replies they share. */
import type { Readable } from 'node:stream'
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
  /** Searches running at once (each makes the node send queries). */
  readonly searches: Slots
  /** Lookups by id and directory pages running at once (each may walk the network). */
  readonly lookups: Slots
}

/** A count of work running at once, up to a cap. */
export interface Slots {
  /** Takes a slot; false when all are taken. */
  take(): boolean
  release(): void
  readonly running: number
}

export function createSlots (max: number): Slots {
  let running = 0
  return {
    take () {
      if (running >= max) return false
      running++
      return true
    },
    release () {
      running = Math.max(0, running - 1)
    },
    get running () {
      return running
    }
  }
}

/** 429 for work refused because `max` of its kind are running. */
export function tooMany (reply: FastifyReply, code: string, what: string): FastifyReply {
  return reply.code(429).header('retry-after', '1').send(errorBody(code, `too many ${what} at once; try again in a moment`))
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

/**
 * The signal of a streamed answer: it aborts when the client goes away, when the server starts
 * closing, and `ms` after now. `dispose()` removes the listeners and the timer, and aborts.
 */
export function streamSignal (reply: FastifyReply, ctx: RouteContext, ms: number): { signal: AbortSignal, dispose: () => void } {
  const controller = new AbortController()
  const abort = (): void => controller.abort()
  const deadline = setTimeout(abort, ms)
  const onClose = (): void => {
    if (!reply.raw.writableFinished) abort()
  }
  reply.raw.on('close', onClose)
  ctx.closing.addEventListener('abort', abort)
  return {
    signal: controller.signal,
    dispose () {
      clearTimeout(deadline)
      reply.raw.off('close', onClose)
      ctx.closing.removeEventListener('abort', abort)
      abort()
    }
  }
}

export const NDJSON = 'application/x-ndjson; charset=utf-8'

/** Sends a stream of JSON lines, uncached and unbuffered by proxies. */
export function sendNdjson (reply: FastifyReply, out: Readable): FastifyReply {
  return reply.type(NDJSON).header('cache-control', 'no-store').header('x-accel-buffering', 'no').send(out)
}
