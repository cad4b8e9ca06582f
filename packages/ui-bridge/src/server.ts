/**
 * The HTTP and WebSocket server of the web page and the API (docs/API.md), on fastify. Every
 * answer to bad input is a JSON error; nothing a client sends can crash the process.
 *
 *   const server = await createUiServer(backend, { port: 8080 })
 *   console.log(server.url)   // http://127.0.0.1:8080
 *   await server.close()
 */
import type { AddressInfo, Socket } from 'node:net'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply } from 'fastify'
import websocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import type { Logger } from '@peerconnect/runtime'
import type { UiBackend } from './backend.js'
import { isLoopback, tokenCheck } from './auth.js'
import { BODY_LIMIT, DEFAULT_HOST, DEFAULT_PORT, MAX_LOOKUPS, MAX_PARAM_LENGTH, MAX_SEARCHES, REQUEST_TIMEOUT, WS_HEARTBEAT,
  WS_MAX_PAYLOAD } from './constants.js'
import { InvalidServerOptionError, TokenRequiredError, backendFailure, errorBody } from './errors.js'
import { silentLogger } from './logger.js'
import { createHostGuard } from './origin.js'
import type { HostGuard } from './origin.js'
import { createMetrics } from './metrics.js'
import { loadAssets } from './static-files.js'
import type { RouteContext } from './routes/context.js'
import { createSlots, describe } from './routes/context.js'
import { eventsRoutes } from './routes/events.js'
import { metricsRoutes } from './routes/metrics.js'
import { pageRoutes } from './routes/page.js'
import { peersRoutes } from './routes/peers.js'
import { searchRoutes } from './routes/search.js'
import { statusRoutes } from './routes/status.js'

export interface UiServerOptions {
  /** Default 127.0.0.1. Any other than a loopback host needs `token`. */
  host?: string
  /** Default 0: a free port. */
  port?: number
  /** Required as `Authorization: Bearer <token>` on /api and /metrics (WebSocket: or `?token=`). */
  token?: string
  logger?: Logger
  /** Where the built page is; default the package's `assets/`. */
  assetsDir?: string
  /** Expose process metrics (CPU, memory, event loop) on /metrics. Default true. */
  processMetrics?: boolean
  /** Host names the server answers to besides its bound address and `localhost` (DNS rebinding guard). */
  allowedHosts?: readonly string[]
  /** Searches running at once; more get 429. Default MAX_SEARCHES. */
  maxSearches?: number
  /** Lookups by id and directory pages running at once; more get 429. Default MAX_LOOKUPS. */
  maxLookups?: number
}

export interface UiServer {
  /** `http://host:port`, the port the server actually got. */
  readonly url: string
  /** Ends searches, closes WebSockets and connections. Safe to call twice. */
  close(): Promise<void>
}

/**
 * Starts the server. Rejects with `ERR_TOKEN_REQUIRED` for a non-loopback host without a
 * token, `ERR_INVALID_SERVER_OPTION` for a bad port or token, or the listen error.
 */
export async function createUiServer (backend: UiBackend, opts: UiServerOptions = {}): Promise<UiServer> {
  const host = opts.host ?? DEFAULT_HOST
  const port = opts.port ?? DEFAULT_PORT
  const log = (opts.logger ?? silentLogger).child('http')
  checkOptions(host, port, opts.token)

  const closing = new AbortController()
  const ctx: RouteContext = {
    backend,
    log,
    metrics: createMetrics(backend, log, { process: opts.processMetrics }),
    assets: loadAssets(opts.assetsDir),
    closing: closing.signal,
    searches: createSlots(opts.maxSearches ?? MAX_SEARCHES),
    lookups: createSlots(opts.maxLookups ?? MAX_LOOKUPS)
  }
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    requestTimeout: REQUEST_TIMEOUT,
    forceCloseConnections: true,
    return503OnClosing: true,
    frameworkErrors: (err, _request, reply) => {
      void (reply as unknown as FastifyReply).code(400).send(errorBody('ERR_BAD_REQUEST', err.message))
    },
    clientErrorHandler: answerClientError
  })
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } })
  let boundPort = port
  const guard = createHostGuard(host, () => boundPort, opts.allowedHosts)
  installHooks(app, ctx, opts.token, guard)
  pageRoutes(app, ctx)
  statusRoutes(app, ctx)
  peersRoutes(app, ctx)
  searchRoutes(app, ctx)
  eventsRoutes(app, ctx)
  metricsRoutes(app, ctx)

  await app.listen({ host, port })
  boundPort = (app.server.address() as AddressInfo).port
  guard.listening((app.server.address() as AddressInfo).address)
  app.server.headersTimeout = REQUEST_TIMEOUT
  const heartbeat = startHeartbeat(app)
  const url = urlOf(app.server.address() as AddressInfo)
  log.info('listening', { url, auth: opts.token !== undefined })

  let closed: Promise<void> | undefined
  return {
    url,
    close () {
      closed ??= (async () => {
        clearInterval(heartbeat)
        closing.abort()
        await app.close()
      })()
      return closed
    }
  }
}

function checkOptions (host: string, port: number, token: string | undefined): void {
  if (typeof host !== 'string' || host.length === 0) throw new InvalidServerOptionError('host must be a non-empty string')
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidServerOptionError(`port must be an integer 0..65535, got ${String(port)}`)
  }
  if (token !== undefined && (typeof token !== 'string' || !/^\S{1,1024}$/.test(token))) {
    throw new InvalidServerOptionError('token must be 1..1024 characters without spaces')
  }
  if (token === undefined && !isLoopback(host)) {
    throw new TokenRequiredError(`refusing to serve the API on ${host} without a token: pass a token or bind 127.0.0.1`)
  }
}

function installHooks (app: FastifyInstance, ctx: RouteContext, token: string | undefined, guard: HostGuard): void {
  const allowed = token === undefined ? undefined : tokenCheck(token)
  app.addHook('onRequest', async (request, reply) => {
    if (request.raw.url?.startsWith('/') !== true) {
      return reply.code(400).send(errorBody('ERR_BAD_REQUEST', 'the request target must be a path'))
    }
    if (!guard.hostAllowed(request.headers.host)) {
      return reply.code(421).send(errorBody('ERR_BAD_HOST', 'this server does not answer to that Host name (use its address or localhost)'))
    }
    if (PRIVATE.test(request.raw.url) &&
      (!guard.originAllowed(request.headers.origin) || !guard.fetchSiteAllowed(request.headers['sec-fetch-site']))) {
      return reply.code(403).send(errorBody('ERR_FOREIGN_ORIGIN', 'requests from other sites are refused'))
    }
    const config = request.routeOptions.config
    if (allowed === undefined || config.auth !== true) return
    const queryToken = config.queryToken === true ? (request.query as { token?: unknown } | undefined)?.token : undefined
    if (allowed(request.headers.authorization, queryToken)) return
    return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('ERR_UNAUTHORIZED', 'this node needs its access token'))
  })
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer')
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store')
  })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    ctx.metrics.request(route, request.method, reply.statusCode, reply.elapsedTime / 1000)
    ctx.log.debug('request', { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) })
  })
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBody('ERR_NOT_FOUND', 'no such route')))
  app.setErrorHandler((err, _request, reply) => {
    const status = (err as { statusCode?: unknown }).statusCode
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send(
        errorBody('ERR_BAD_REQUEST',
          (err as { message?: unknown }).message === undefined ? 'bad request' : String((err as { message?: unknown }).message))
      )
    }
    ctx.log.error('request failed', { err: describe(err) })
    const failure = backendFailure(err)
    return reply.code(failure.status).send(failure.body)
  })
}

/** The routes a page of another site must not read or drive: the API (the events socket too) and the metrics. */
const PRIVATE = /^\/(api|metrics)(\/|\?|$)/

/** Pings every WebSocket each WS_HEARTBEAT; one that did not answer the previous ping is dropped. */
function startHeartbeat (app: FastifyInstance): NodeJS.Timeout {
  const alive = new WeakSet<WebSocket>()
  app.websocketServer.on('connection', (socket: WebSocket) => {
    alive.add(socket)
    socket.on('pong', () => alive.add(socket))
  })
  const timer = setInterval(() => {
    for (const socket of app.websocketServer.clients) {
      if (!alive.has(socket)) {
        socket.terminate()
        continue
      }
      alive.delete(socket)
      socket.ping()
    }
  }, WS_HEARTBEAT)
  timer.unref()
  return timer
}

/** A request Node could not parse (bad request line, huge headers, timeout): a JSON error, then close. */
function answerClientError (err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const [status, code, reason] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'ERR_HEADERS_TOO_LARGE', 'Request Header Fields Too Large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? [408, 'ERR_REQUEST_TIMEOUT', 'Request Timeout']
    : [400, 'ERR_BAD_REQUEST', 'Bad Request']
  const body = JSON.stringify(errorBody(code, reason.toLowerCase()))
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ` +
      `${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}

function urlOf (address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
}
