/**
 * `GET /api/peers?cursor=&limit=` (one directory page), `GET /api/peers/:id` (lookup by id),
 * `GET /api/peers/:id/details` (its record and how this node sees it) and `GET /api/lookup/:id`
 * (an iterative lookup as NDJSON: progress lines, then `{done: true, peer, queries, ms}`).
 */
import { PassThrough } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { RouteContext } from './context.js'
import { badRequest, failed, notFound, sendNdjson, streamSignal, tooMany } from './context.js'
import { parseId, parsePageParams } from '../params.js'
import { FIND_TIMEOUT } from '../constants.js'
import { backendFailure } from '../errors.js'

export function peersRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/peers', { config: { auth: true } }, async (request, reply) => {
    const page = parsePageParams(request.query)
    if (!page.ok) return badRequest(reply, page.error)
    if (!ctx.lookups.take()) return tooMany(reply, 'ERR_TOO_MANY_LOOKUPS', 'directory pages and lookups')
    try {
      const { peers, next, holders } = await ctx.backend.peers(page.value)
      return reply.send(holders === undefined ? { peers, next } : { peers, next, holders })
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
    const stream = streamSignal(reply, ctx, FIND_TIMEOUT)
    const cleanup = (): void => {
      stream.dispose()
      ctx.lookups.release()
    }
    let steps: AsyncIterator<unknown>
    let first: IteratorResult<unknown>
    try {
      steps = ctx.backend.lookup(id.value, stream.signal)[Symbol.asyncIterator]()
      first = await steps.next()
    } catch (err) {
      cleanup()
      return failed(reply, err, ctx, 'lookup')
    }
    const out = new PassThrough()
    const line = (x: unknown): void => {
      if (!out.destroyed && !out.writableEnded) out.write(JSON.stringify(x) + '\n')
    }
    void (async () => {
      for (let step = first; step.done !== true; step = await steps.next()) line(step.value)
    })().catch((err: unknown) => {
      const { body } = backendFailure(err)
      line({ done: true, peer: null, error: body.error })
    }).finally(() => {
      out.end()
      cleanup()
    })
    return sendNdjson(reply, out)
  })
}
