/**
 * `GET /api/peers?cursor=&limit=` (one directory page), `GET /api/peers/:id` (lookup by id),
 * `GET /api/peers/:id/details` (its record and how this node sees it) and `GET /api/lookup/:id`
 * (an iterative lookup as NDJSON: progress lines, then `{done: true, peer, queries, ms}`).
 */
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { RouteContext } from './context.js'
import { badRequest, failed, notFound, tooMany } from './context.js'
import { parseId, parsePageParams } from '../params.js'
import { NDJSON } from './search.js'
import { FIND_TIMEOUT } from '../constants.js'
import { backendFailure } from '../errors.js'

export function peersRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/peers', { config: { auth: true } }, async (request, reply) => {
    const page = parsePageParams(request.query)
    if (!page.ok) return badRequest(reply, page.error)
    if (!ctx.lookups.take()) return tooMany(reply, 'ERR_TOO_MANY_LOOKUPS', 'directory pages and lookups')
    try {
      const { peers, next } = await ctx.backend.peers(page.value)
      return reply.send({ peers, next })
    } catch (err) {
      return failed(reply, err, ctx, 'peers')
    } finally {
      ctx.lookups.release()
    }
  })

  app.get('/api/peers/:id', { config: { auth: true } }, async (request, reply) => {
    const id = parseId((request.params as { id?: unknown }).id)
    if (!id.ok) return badRequest(reply, id.error)
    if (!ctx.lookups.take()) return tooMany(reply, 'ERR_TOO_MANY_LOOKUPS', 'directory pages and lookups')
    try {
      const peer = await ctx.backend.peer(id.value)
      if (peer === null) return notFound(reply, 'ERR_PEER_NOT_FOUND', 'no peer with that id was found')
      return reply.send(peer)
    } catch (err) {
      return failed(reply, err, ctx, 'peer')
    } finally {
      ctx.lookups.release()
    }
  })

  app.get('/api/peers/:id/details', { config: { auth: true } }, async (request, reply) => {
    const id = parseId((request.params as { id?: unknown }).id)
    if (!id.ok) return badRequest(reply, id.error)
    if (!ctx.lookups.take()) return tooMany(reply, 'ERR_TOO_MANY_LOOKUPS', 'directory pages and lookups')
    try {
      const details = await ctx.backend.details(id.value)
      if (details === null) return notFound(reply, 'ERR_PEER_NOT_FOUND', 'this node knows no peer with that id')
      return reply.send(details)
    } catch (err) {
      return failed(reply, err, ctx, 'details')
    } finally {
      ctx.lookups.release()
    }
  })

  app.get('/api/lookup/:id', { config: { auth: true } }, async (request, reply) => {
    const id = parseId((request.params as { id?: unknown }).id)
    if (!id.ok) return badRequest(reply, id.error)
    if (!ctx.lookups.take()) return tooMany(reply, 'ERR_TOO_MANY_LOOKUPS', 'directory pages and lookups')
    const controller = new AbortController()
    const abort = (): void => controller.abort()
    const deadline = setTimeout(abort, FIND_TIMEOUT)
    const onClose = (): void => { if (!reply.raw.writableFinished) abort() }
    reply.raw.on('close', onClose)
    ctx.closing.addEventListener('abort', abort)
    const cleanup = (): void => {
      clearTimeout(deadline)
      reply.raw.off('close', onClose)
      ctx.closing.removeEventListener('abort', abort)
      ctx.lookups.release()
      abort()
    }
    let steps: AsyncIterator<unknown>
    let first: IteratorResult<unknown>
    try {
      steps = ctx.backend.lookup(id.value, controller.signal)[Symbol.asyncIterator]()
      first = await steps.next()
    } catch (err) {
      cleanup()
      return failed(reply, err, ctx, 'lookup')
    }
    const out = new PassThrough()
    const line = (x: unknown): void => { if (!out.destroyed && !out.writableEnded) out.write(JSON.stringify(x) + '\n') }
    void (async () => {
      for (let step = first; step.done !== true; step = await steps.next()) line(step.value)
    })().catch((err: unknown) => {
      const { body } = backendFailure(err)
      line({ done: true, peer: null, error: body.error })
    }).finally(() => {
      out.end()
      cleanup()
    })
    return reply.type(NDJSON).header('cache-control', 'no-store').header('x-accel-buffering', 'no').send(out)
  })
}
