/**
 * `GET /` (the page) and `GET /static/*` (its fingerprinted scripts and styles), from memory.
 * The page loads without a token; it asks for one when the API answers 401.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RouteContext } from './context.js'
import { notFound } from './context.js'
import { errorBody } from '../errors.js'
import type { Asset } from '../static-files.js'

/** No inline script or style, no framing, connections only back to this server. */
export const PAGE_CSP = [
  'default-src \'self\'',
  'script-src \'self\'',
  'style-src \'self\'',
  'img-src \'self\' data:',
  'connect-src \'self\'',
  'object-src \'none\'',
  'base-uri \'none\'',
  'form-action \'none\'',
  'frame-ancestors \'none\''
].join('; ')

export function pageRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/', async (request, reply) => {
    const page = ctx.assets.get('/index.html')
    if (page === undefined) {
      return reply.code(503).send(
        errorBody('ERR_PAGE_NOT_BUILT', 'the page is not built: run `pnpm --filter @peerconnect/ui-bridge run build:web`')
      )
    }
    reply.header('content-security-policy', PAGE_CSP).header('x-frame-options', 'DENY')
    return serveAsset(request, reply, page)
  })

  app.get('/static/*', async (request, reply) => {
    const rest = (request.params as { '*'?: unknown })['*']
    const path = '/static/' + (typeof rest === 'string' ? rest : '')
    const asset = ctx.assets.get(path)
    if (asset === undefined) return notFound(reply, 'ERR_NOT_FOUND', 'no such file')
    return serveAsset(request, reply, asset)
  })

  const favicon = ctx.assets.get('/favicon.svg')
  if (favicon !== undefined) app.get('/favicon.svg', async (request, reply) => serveAsset(request, reply, favicon))
}

function serveAsset (request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply
    .header('etag', asset.etag)
    .header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .type(asset.type)
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
  return reply.send(asset.body)
}
