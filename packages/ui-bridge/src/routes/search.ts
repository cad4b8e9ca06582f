/**
 * `GET /api/search?q=&via=&timeout=`: NDJSON, one `{peer, via}` line per hit as it arrives, then
 * `{done: true, hits, ms}`. The search is aborted (through the backend's signal) when the client
 * disconnects, when the server closes, and SEARCH_GRACE after its time bound. A backend that
 * fails before the first hit gets a 500/503 JSON answer; later, `error` on the done line.
 */
import { PassThrough } from 'node:stream'
import { performance } from 'node:perf_hooks'
import type { FastifyInstance } from 'fastify'
import type { RouteContext } from './context.js'
import { badRequest, failed, sendNdjson, streamSignal, tooMany } from './context.js'
import { parseSearchParams } from '../params.js'
import { pumpSearch } from '../search-stream.js'
import type { SearchPump } from '../search-stream.js'
import { SEARCH_GRACE } from '../constants.js'

export function searchRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/api/search', { config: { auth: true } }, async (request, reply) => {
    const params = parseSearchParams(request.query)
    if (!params.ok) return badRequest(reply, params.error)
    const { q, via, timeoutMs } = params.value
    if (!ctx.searches.take()) return tooMany(reply, 'ERR_TOO_MANY_SEARCHES', 'searches')

    const stream = streamSignal(reply, ctx, timeoutMs + SEARCH_GRACE)
    ctx.metrics.searches.inc()
    let pump: SearchPump | undefined
    const cleanup = (): void => {
      stream.dispose()
      ctx.metrics.searches.dec()
      ctx.searches.release()
      pump?.release()
    }

    try {
      pump = pumpSearch(ctx.backend.search(q, { via, timeoutMs, signal: stream.signal }), stream.signal, { now: () => performance.now() })
    } catch (err) {
      cleanup()
      return failed(reply, err, ctx, 'search')
    }
    const first = await pump.first
    if (first.kind === 'failed') {
      cleanup()
      return failed(reply, first.err, ctx, 'search')
    }

    const out = new PassThrough()
    const line = (x: unknown): void => {
      if (!out.destroyed && !out.writableEnded) out.write(JSON.stringify(x) + '\n')
    }
    const write = (hit: { via: string }): void => {
      ctx.metrics.searchHits.inc({ via: hit.via })
      line(hit)
    }
    if (first.kind === 'hit') write(first.hit)
    void pump.rest(write).then(done => {
      line(done)
      out.end()
    }, () => out.end()).finally(cleanup)
    return sendNdjson(reply, out)
  })
}
