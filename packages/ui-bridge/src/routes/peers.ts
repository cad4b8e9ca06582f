/** `GET /api/peers?cursor=&limit=` (one directory page) and `GET /api/peers/:id` (lookup by id). */
import type { FastifyInstance } from 'fastify'
import type { RouteContext } from './context.js'
import { badRequest, failed, notFound, tooMany } from './context.js'
import { parseId, parsePageParams } from '../params.js'

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
}
