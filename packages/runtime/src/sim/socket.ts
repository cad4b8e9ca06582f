/**
 * A datagram socket of a simulated network: the part of `dgram.Socket` a KRPC socket uses (bind,
 * address, send, close, 'message' and 'error' listeners, buffer sizes), with the same timing
 * rules — bind and send callbacks run later, never inside the call — and no real packets.
 */
import type { RemoteInfo } from 'node:dgram'

export type SimSocketType = 'udp4' | 'udp6'
export type SimMessageListener = (buf: Buffer, rinfo: RemoteInfo) => void
export type SimErrorListener = (err: Error) => void

/** A socket made by `SimNetwork.createSocket`. Structurally usable where a `dgram.Socket` subset is expected. */
export interface SimSocket {
  readonly type: SimSocketType
  /**
   * Binds `address:port`; `0.0.0.0` / `::` (or no address) takes a fresh sim host, port 0 a free port. Errors
   * (EADDRINUSE) go to 'error' listeners.
   */
  bind(opts?: { address?: string, port?: number }, cb?: () => void): this
  /** The bound address; throws ERR_SOCKET_DGRAM_NOT_RUNNING before bind or after close. */
  address(): RemoteInfoAddress
  /** Sends one datagram; `cb` runs later with null, or an error (EMSGSIZE). Throws on a bad port or a closed socket, as dgram does. */
  send(buf: Uint8Array, port: number, host: string, cb?: (err: Error | null, bytes: number) => void): void
  close(cb?: () => void): this
  on(event: 'message', listener: SimMessageListener): this
  on(event: 'error', listener: SimErrorListener): this
  once(event: 'message', listener: SimMessageListener): this
  once(event: 'error', listener: SimErrorListener): this
  off(event: 'message', listener: SimMessageListener): this
  off(event: 'error', listener: SimErrorListener): this
  /** Accepted and ignored: a simulated socket has no kernel buffers. */
  setRecvBufferSize(size: number): void
  setSendBufferSize(size: number): void
}

export interface RemoteInfoAddress {
  address: string
  family: 'IPv4' | 'IPv6'
  port: number
}

/** What a socket needs from its network. */
export interface SocketLink {
  /** Takes `host:port` for `sock`; returns the bound address or an error to emit. */
  bind(sock: SimSocketInternal, host: string | undefined, port: number): RemoteInfoAddress | Error
  unbind(sock: SimSocketInternal): void
  /** Queues a datagram; returns an error for the send callback, if any. */
  send(sock: SimSocketInternal, buf: Uint8Array, to: { host: string, port: number }): Error | undefined
}

/** The network's handle on a socket: deliver a datagram to its listeners. */
export interface SimSocketInternal extends SimSocket {
  deliver(buf: Buffer, rinfo: RemoteInfo): void
  readonly bound: RemoteInfoAddress | undefined
}

export function createSimSocket (type: SimSocketType, link: SocketLink): SimSocketInternal {
  const listeners = { message: [] as Array<Entry<SimMessageListener>>, error: [] as Array<Entry<SimErrorListener>> }
  let bound: RemoteInfoAddress | undefined
  let state: 'new' | 'binding' | 'bound' | 'closed' = 'new'

  const sock: SimSocketInternal = {
    type,
    get bound () {
      return bound
    },
    bind (opts = {}, cb) {
      if (state !== 'new') throw coded(new Error('Socket is already bound'), 'ERR_SOCKET_ALREADY_BOUND')
      state = 'binding'
      queueMicrotask(() => {
        if (state !== 'binding') return
        const res = link.bind(sock, opts.address, opts.port ?? 0)
        if (res instanceof Error) {
          state = 'new'
          emitError(res)
          return
        }
        bound = res
        state = 'bound'
        cb?.()
      })
      return sock
    },
    address () {
      if (bound === undefined || state === 'closed') throw coded(new Error('Not running'), 'ERR_SOCKET_DGRAM_NOT_RUNNING')
      return { ...bound }
    },
    send (buf, port, host, cb) {
      if (state === 'closed') throw coded(new Error('Not running'), 'ERR_SOCKET_DGRAM_NOT_RUNNING')
      if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) {
        throw coded(new RangeError(`Port should be > 0 and < 65536. Received ${String(port)}.`), 'ERR_SOCKET_BAD_PORT')
      }
      if (state === 'new') sock.bind()
      const send = (): void => {
        if (state !== 'bound') {
          cb?.(coded(new Error('Not running'), 'ERR_SOCKET_DGRAM_NOT_RUNNING'), 0)
          return
        }
        const err = link.send(sock, buf, { host, port })
        cb?.(err ?? null, err === undefined ? buf.length : 0)
      }
      queueMicrotask(() => {
        if (state === 'binding') queueMicrotask(send)
        else send()
      })
    },
    close (cb) {
      if (state !== 'closed') {
        if (bound !== undefined) link.unbind(sock)
        state = 'closed'
        listeners.message = []
      }
      if (cb !== undefined) queueMicrotask(cb)
      return sock
    },
    on (event: 'message' | 'error', listener: SimMessageListener | SimErrorListener) {
      add(event, listener, false)
      return sock
    },
    once (event: 'message' | 'error', listener: SimMessageListener | SimErrorListener) {
      add(event, listener, true)
      return sock
    },
    off (event: 'message' | 'error', listener: SimMessageListener | SimErrorListener) {
      if (event === 'message') listeners.message = without(listeners.message, listener)
      else listeners.error = without(listeners.error, listener)
      return sock
    },
    setRecvBufferSize () {},
    setSendBufferSize () {},
    deliver (buf, rinfo) {
      if (state !== 'bound') return
      const list = listeners.message
      if (list.some(e => e.once)) listeners.message = list.filter(e => !e.once)
      for (const e of list) e.listener(buf, rinfo)
    }
  }
  return sock

  function add (event: 'message' | 'error', listener: SimMessageListener | SimErrorListener, once: boolean): void {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    if (event === 'message') listeners.message = [...listeners.message, { listener: listener as SimMessageListener, once }]
    else listeners.error = [...listeners.error, { listener: listener as SimErrorListener, once }]
  }

  function emitError (err: Error): void {
    const list = listeners.error
    if (list.some(e => e.once)) listeners.error = list.filter(e => !e.once)
    if (list.length === 0) throw err
    for (const e of list) e.listener(err)
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Entry<L> {
  readonly listener: L
  readonly once: boolean
}

/** `list` without the first entry of `listener` (a new array: a delivery in progress keeps its own). */
function without<L> (list: Array<Entry<L>>, listener: unknown): Array<Entry<L>> {
  const i = list.findIndex(e => e.listener === listener)
  return i < 0 ? list : list.filter((_, j) => j !== i)
}

function coded<E extends Error> (err: E, code: string): E & { code: string } {
  return Object.assign(err, { code })
}
