/**
 * A tap on every UDP datagram this process sends: `dgram.Socket.prototype.send` is wrapped so
 * that (1) observers see each datagram (sender's local port, destination, bytes) at the moment
 * it is handed to the socket, and (2) each one can be held back by the same one-way delay
 * before it really goes out. Both our nodes and bittorrent-dht's go through it, so both see the
 * same network. `restore()` puts the original `send` back.
 */
import dgram from 'node:dgram'

export interface Datagram {
  /** Local port of the sending socket. */
  readonly from: number
  readonly toHost: string
  readonly toPort: number
  readonly bytes: Uint8Array
}

export interface DgramTap {
  /** One-way delay (ms) added to every datagram sent from now on; 0 for none. */
  setDelay(ms: number): void
  /** Calls `fn` for every datagram; returns a function that stops it. */
  observe(fn: (d: Datagram) => void): () => void
  /** Datagrams sent (and bytes) since the tap was made. */
  readonly sent: { count: number, bytes: number }
  restore(): void
}

type Send = (this: dgram.Socket, ...args: unknown[]) => void

export function tapDgram (): DgramTap {
  const proto = dgram.Socket.prototype as unknown as { send: Send }
  const original = proto.send
  const observers = new Set<(d: Datagram) => void>()
  const ports = new WeakMap<dgram.Socket, number>()
  const sent = { count: 0, bytes: 0 }
  let delay = 0

  proto.send = function (this: dgram.Socket, ...args: unknown[]): void {
    const d = datagramOf(this, args, ports)
    if (d !== undefined) {
      sent.count++
      sent.bytes += d.bytes.length
      for (const fn of observers) fn(d)
    }
    if (delay <= 0) {
      original.apply(this, args)
      return
    }
    setTimeout(() => {
      try {
        original.apply(this, args)
      } catch (err) {
        // The socket was closed while the datagram was "in the air": it is lost, like on a network.
        const cb = args[args.length - 1]
        if (typeof cb === 'function') (cb as (e: unknown) => void)(err)
      }
    }, delay)
  }

  return {
    setDelay (ms) {
      delay = Math.max(0, ms)
    },
    observe (fn) {
      observers.add(fn)
      return () => {
        observers.delete(fn)
      }
    },
    sent,
    restore () {
      proto.send = original
      observers.clear()
    }
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** Reads `send(msg, [offset, length,] port, [address], [cb])`; undefined for forms we do not meter. */
function datagramOf (sock: dgram.Socket, args: readonly unknown[], ports: WeakMap<dgram.Socket, number>): Datagram | undefined {
  const msg = args[0]
  if (!(msg instanceof Uint8Array)) return undefined
  const ranged = typeof args[1] === 'number' && typeof args[2] === 'number'
  const port = ranged ? args[3] : args[1]
  const host = ranged ? args[4] : args[2]
  if (typeof port !== 'number') return undefined
  const bytes = ranged ? msg.subarray(args[1] as number, (args[1] as number) + (args[2] as number)) : msg
  return { from: localPort(sock, ports), toHost: typeof host === 'string' ? host : '127.0.0.1', toPort: port, bytes }
}

function localPort (sock: dgram.Socket, ports: WeakMap<dgram.Socket, number>): number {
  let p = ports.get(sock)
  if (p === undefined) {
    try {
      p = sock.address().port
    } catch {
      return 0
    }
    ports.set(sock, p)
  }
  return p
}
