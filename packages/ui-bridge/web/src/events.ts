/**
 * The live events WebSocket, reconnected with exponential backoff and jitter. The backoff
 * resets only after a connection has stayed up for a while, so a server that accepts and then
 * drops the socket is not hammered.
 */
import type { PeerEvent } from '../../src/backend.js'

export const RECONNECT_MIN = 500
export const RECONNECT_MAX = 15_000
const STABLE_AFTER = 5_000
const JITTER = 0.2

export type ConnState = { state: 'connecting' } | { state: 'live' } | { state: 'waiting', retryAt: number }

export interface EventsOptions {
  url: () => string
  /** A new connection opened: the server now sends its snapshot of live peers. */
  onOpen: () => void
  onEvent: (e: PeerEvent) => void
  onState: (s: ConnState) => void
}

export function connectEvents (opts: EventsOptions): { close: () => void } {
  let attempt = 0
  let socket: WebSocket | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  let stableTimer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const open = (): void => {
    opts.onState({ state: 'connecting' })
    const ws = new WebSocket(opts.url())
    socket = ws
    ws.addEventListener('open', () => {
      opts.onState({ state: 'live' })
      opts.onOpen()
      stableTimer = setTimeout(() => {
        attempt = 0
      }, STABLE_AFTER)
    })
    ws.addEventListener('message', m => {
      const e = parse(m.data)
      if (e !== undefined) opts.onEvent(e)
    })
    ws.addEventListener('close', () => {
      clearTimeout(stableTimer)
      if (stopped) return
      const delay = backoff(attempt++)
      opts.onState({ state: 'waiting', retryAt: Date.now() + delay })
      timer = setTimeout(open, delay)
    })
  }
  open()

  return {
    close () {
      stopped = true
      clearTimeout(timer)
      clearTimeout(stableTimer)
      socket?.close()
    }
  }
}

/** RECONNECT_MIN · 2^attempt, capped at RECONNECT_MAX, ±20 % so reloaded pages do not reconnect in step. */
export function backoff (attempt: number): number {
  const base = Math.min(RECONNECT_MAX, RECONNECT_MIN * 2 ** Math.min(attempt, 16))
  return Math.round(base * (1 - JITTER + Math.random() * 2 * JITTER))
}

function parse (data: unknown): PeerEvent | undefined {
  if (typeof data !== 'string') return undefined
  try {
    const e = JSON.parse(data) as { type?: unknown, peer?: unknown }
    if ((e.type === 'peer.added' || e.type === 'peer.removed' || e.type === 'peer.status') && isPeer(e.peer)) return e as PeerEvent
  } catch {}
  return undefined
}

function isPeer (x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false
  const p = x as Record<string, unknown>
  return typeof p.id === 'string' && typeof p.name === 'string' && typeof p.address === 'string' &&
    (p.status === 'online' || p.status === 'offline') && typeof p.lastSeen === 'number'
}
