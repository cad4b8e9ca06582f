/**
 * `GET /api/events` (WebSocket): on connect one `peer.added` per live peer, then every change as
 * `{type, peer}`. Events that arrive while the snapshot is being read are held and sent after
 * it. A client that falls WS_MAX_BUFFERED bytes behind is closed (1013); a backend failure
 * closes the socket with 1011. A plain GET gets 426.
 */
import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import type { PeerEvent } from '../backend.js'
import type { RouteContext } from './context.js'
import { describe } from './context.js'
import { errorBody } from '../errors.js'
import { WS_MAX_BUFFERED } from '../constants.js'

/** Events held while the snapshot is read; beyond this the client is told to reconnect. */
const MAX_PENDING = 10_000
const OPEN = 1

export function eventsRoutes (app: FastifyInstance, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/api/events',
    config: { auth: true, queryToken: true },
    handler: async (_request, reply) =>
      reply.code(426).header('upgrade', 'websocket')
        .send(errorBody('ERR_UPGRADE_REQUIRED', 'connect to /api/events with a WebSocket')),
    wsHandler: (socket) => {
      void serve(socket, ctx)
    }
  })
}

async function serve (socket: WebSocket, ctx: RouteContext): Promise<void> {
  ctx.metrics.wsClients.inc()
  let ready = false
  let unsubscribe = (): void => {}
  const pending: PeerEvent[] = []
  const close = (code: number, reason: string): void => {
    if (socket.readyState === OPEN) socket.close(code, reason)
  }
  const send = (e: PeerEvent): void => {
    if (socket.readyState !== OPEN) return
    if (socket.bufferedAmount > WS_MAX_BUFFERED) return close(1013, 'too slow; reconnect')
    socket.send(JSON.stringify({ type: e.type, peer: e.peer }))
  }
  socket.once('close', () => {
    ctx.metrics.wsClients.dec()
    unsubscribe()
  })
  socket.on('message', () => {})

  try {
    unsubscribe = once(ctx.backend.events(e => {
      if (!isPeerEvent(e)) return
      if (ready) return send(e)
      if (pending.length >= MAX_PENDING) return close(1013, 'too many events; reconnect')
      pending.push(e)
    }))
    if (socket.readyState !== OPEN) return unsubscribe()
    const peers = await ctx.backend.livePeers()
    for (const peer of peers) send({ type: 'peer.added', peer })
    ready = true
    for (const e of pending.splice(0)) send(e)
  } catch (err) {
    ctx.log.warn('events: backend failed', { err: describe(err) })
    close(1011, 'the node failed to answer')
  }
}

function once (fn: () => void): () => void {
  let called = false
  return () => {
    if (called) return
    called = true
    fn()
  }
}

function isPeerEvent (x: unknown): x is PeerEvent {
  if (typeof x !== 'object' || x === null) return false
  const { type, peer } = x as { type?: unknown, peer?: unknown }
  return (type === 'peer.added' || type === 'peer.removed' || type === 'peer.status') &&
    typeof peer === 'object' && peer !== null && typeof (peer as { id?: unknown }).id === 'string'
}
