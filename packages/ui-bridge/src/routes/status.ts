/** `GET /api/status`: this node, its actors, its lists and its routing table's bucket fill. */
import type { FastifyInstance } from 'fastify'
import type { RouteContext } from './context.js'
import { failed } from './context.js'

export function statusRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/status', { config: { auth: true } }, async (_request, reply) => {
    try {
      return reply.send(await ctx.backend.status())
    } catch (err) {
      return failed(reply, err, ctx, 'status')
    }
  })
}
