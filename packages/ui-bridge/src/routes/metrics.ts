/** `GET /metrics`: Prometheus text. A failing backend leaves its numbers out (`peerconnect_backend_metrics_up 0`). */
import type { FastifyInstance } from 'fastify'
import type { RouteContext } from './context.js'

export function metricsRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/metrics', { config: { auth: true } }, async (_request, reply) => {
    const text = await ctx.metrics.render()
    return reply.type(ctx.metrics.contentType).header('cache-control', 'no-store').send(text)
  })
}
