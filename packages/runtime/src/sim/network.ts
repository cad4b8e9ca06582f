/**
 * An in-memory datagram network: thousands of nodes' sockets in one process, no real packets.
 * Each datagram is delayed by its link's latency and lost with probability `loss`; time goes
 * through the given rxjs scheduler (a TestScheduler gives virtual time). The transport uses it
 * through `TransportInit.network`, so the same actors run on it unchanged.
 *
 *   const net = createSimNetwork({ latency: linkLatency({ min: 5, max: 80 }), loss: 0.01, seed: 7 })
 *   const t = transport({ id, host: '0.0.0.0', port: 0, network: net })   // binds a fresh 10.x.y.z
 */
import type { RemoteInfo } from 'node:dgram'
import { isIP } from 'node:net'
import { asyncScheduler } from 'rxjs'
import type { SchedulerLike, Subscription } from 'rxjs'
import { createSimSocket } from './socket.js'
import type { RemoteInfoAddress, SimSocket, SimSocketInternal, SimSocketType, SocketLink } from './socket.js'
import { seededRandom } from './random.js'
import { SIM_EPHEMERAL_PORT, SIM_LATENCY, SIM_MAX_DATAGRAM } from './constants.js'

export interface SimNetworkOptions {
  /** One-way latency in ms from host `from` to host `to` (see `linkLatency`). Default SIM_LATENCY (1 ms). */
  readonly latency?: (from: string, to: string) => number
  /** Probability in [0, 1) that a datagram is lost. Default 0. */
  readonly loss?: number
  /** Seed of the loss draws. Default 1. */
  readonly seed?: number
  /** Where deliveries are scheduled. Default rxjs asyncScheduler (real time). */
  readonly scheduler?: SchedulerLike
  /** Called for every datagram sent (an event log of the run). */
  readonly trace?: ((event: SimTraceEvent) => void) | undefined
}

/**
 * One datagram sent: when, from and to which `host:port`, its bytes, and whether it was dropped at once (`lost`: loss,
 * a host set down, too large).
 */
export interface SimTraceEvent {
  readonly at: number
  readonly from: string
  readonly to: string
  readonly buf: Uint8Array
  readonly lost: boolean
}

/** Counters of a simulated network since it was made. */
export interface SimNetworkStats {
  /** Sockets bound now. */
  sockets: number
  /** Datagrams sent, and their bytes. */
  datagrams: number
  bytes: number
  /** Datagrams handed to a bound socket. */
  delivered: number
  /** Lost on purpose: `loss`, a host set down, or too large. */
  dropped: number
  /** Arrived where no socket was bound. */
  unreachable: number
  /** Sent and not yet delivered or dropped. */
  inFlight: number
}

/**
 * A datagram network that stands in for real UDP: what an actor that opens sockets (the
 * transport) takes from `deps.network`. A `SimNetwork` is one. Inline actors only (it is not
 * plain data): given per actor with `supervisor.start(spec, { host: 'inline', network })`.
 */
export interface DatagramNetwork {
  /** A new unbound socket; bind it to `0.0.0.0` (or `::`) for a fresh host, or to a given IP. */
  createSocket(type: SimSocketType): DatagramSocket
}

/** The part of `dgram.Socket` the transport's KRPC socket uses; a `SimSocket` is one. */
export interface DatagramSocket {
  bind(opts: { address: string, port: number }, cb: () => void): unknown
  address(): { address: string, port: number }
  send(buf: Uint8Array, port: number, host: string, cb?: (err: Error | null) => void): void
  close(cb: () => void): unknown
  on(event: 'message', listener: (buf: Buffer, rinfo: RemoteInfo) => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  once(event: 'error', listener: (err: Error) => void): unknown
  off(event: 'message', listener: (buf: Buffer, rinfo: RemoteInfo) => void): unknown
  off(event: 'error', listener: (err: Error) => void): unknown
  setRecvBufferSize?(size: number): void
  setSendBufferSize?(size: number): void
}

export interface SimNetwork extends DatagramNetwork {
  /** A new unbound socket; bind it to `0.0.0.0` (or `::`) for a fresh host, or to a given IP. */
  createSocket(type?: SimSocketType): SimSocket
  /** A host address no socket uses yet (10.x.y.z, or fd00::x for IPv6). */
  allocateHost(family?: 'IPv4' | 'IPv6'): string
  /** While down, every datagram from or to `host` is dropped (a crashed or cut-off machine). */
  setDown(host: string, down: boolean): void
  stats(): SimNetworkStats
  /** Drops every datagram in flight and closes every socket. */
  close(): void
}

export function createSimNetwork (opts: SimNetworkOptions = {}): SimNetwork {
  const scheduler = opts.scheduler ?? asyncScheduler
  const latency = opts.latency ?? (() => SIM_LATENCY)
  const loss = opts.loss ?? 0
  if (!(loss >= 0 && loss < 1)) throw new RangeError(`loss must be in [0, 1), got ${loss}`)
  const random = seededRandom(opts.seed ?? 1)
  const sockets = new Map<string, SimSocketInternal>()
  const nextPort = new Map<string, number>()
  const down = new Set<string>()
  const queue = new Map<number, Datagram[]>()
  const timers = new Set<Subscription>()
  const counters = { datagrams: 0, bytes: 0, delivered: 0, dropped: 0, unreachable: 0, inFlight: 0 }
  let hostCount = 0

  const link: SocketLink = {
    bind (sock, host, port) {
      const family = sock.type === 'udp6' ? 'IPv6' : 'IPv4'
      const address = host === undefined || host === '0.0.0.0' || host === '::' ? allocateHost(family) : unmap(host)
      if (isIP(address) === 0) return errno('EADDRNOTAVAIL', `bind EADDRNOTAVAIL ${address}`)
      const p = port === 0 ? freePort(address) : port
      if (p === undefined || sockets.has(key(address, p))) return errno('EADDRINUSE', `bind EADDRINUSE ${address}:${port}`)
      sockets.set(key(address, p), sock)
      return { address, family: isIP(address) === 6 ? 'IPv6' : 'IPv4', port: p }
    },
    unbind (sock) {
      const b = sock.bound
      if (b !== undefined && sockets.get(key(b.address, b.port)) === sock) sockets.delete(key(b.address, b.port))
    },
    send (sock, buf, to) {
      const from = sock.bound!
      const toHost = unmap(to.host)
      counters.datagrams++
      counters.bytes += buf.length
      if (buf.length > SIM_MAX_DATAGRAM) {
        counters.dropped++
        return errno('EMSGSIZE', `send EMSGSIZE ${toHost}:${to.port}`)
      }
      const lost = down.has(from.address) || down.has(toHost) || (loss > 0 && random() < loss)
      opts.trace?.({ at: scheduler.now(), from: key(from.address, from.port), to: key(toHost, to.port), buf, lost })
      if (lost) {
        counters.dropped++
        return undefined
      }
      enqueue({ buf: Buffer.from(buf), from, toHost, toPort: to.port }, Math.max(0, latency(from.address, toHost)))
      return undefined
    }
  }

  return {
    createSocket: (type = 'udp4') => createSimSocket(type, link),
    allocateHost,
    setDown (host, isDown) {
      if (isDown) down.add(unmap(host))
      else down.delete(unmap(host))
    },
    stats: () => ({ sockets: sockets.size, ...counters }),
    close () {
      for (const t of timers) t.unsubscribe()
      timers.clear()
      for (const batch of queue.values()) counters.dropped += batch.length
      counters.inFlight = 0
      queue.clear()
      for (const s of [...sockets.values()]) s.close()
    }
  }

  function allocateHost (family: 'IPv4' | 'IPv6' = 'IPv4'): string {
    for (;;) {
      const n = ++hostCount
      const host = family === 'IPv6' ? `fd00::${n.toString(16)}` : ipv4Of(n)
      if (host !== undefined && !nextPort.has(host)) {
        nextPort.set(host, SIM_EPHEMERAL_PORT)
        return host
      }
    }
  }

  function freePort (host: string): number | undefined {
    let p = nextPort.get(host) ?? SIM_EPHEMERAL_PORT
    for (let tries = 0; tries < 65536; tries++) {
      if (p > 65535) p = 1024
      if (!sockets.has(key(host, p))) {
        nextPort.set(host, p + 1)
        return p
      }
      p++
    }
    return undefined
  }

  function enqueue (d: Datagram, delay: number): void {
    counters.inFlight++
    const due = scheduler.now() + delay
    const batch = queue.get(due)
    if (batch !== undefined) {
      batch.push(d)
      return
    }
    queue.set(due, [d])
    const timer: Subscription = scheduler.schedule(() => {
      timers.delete(timer)
      deliverDue(due)
    }, delay)
    if (!timer.closed) timers.add(timer)
  }

  function deliverDue (due: number): void {
    const batch = queue.get(due)
    if (batch === undefined) return
    queue.delete(due)
    let failure: { error: unknown } | undefined
    for (const d of batch) {
      counters.inFlight--
      const target = sockets.get(key(d.toHost, d.toPort))
      if (target === undefined || down.has(d.toHost)) {
        if (target === undefined) counters.unreachable++
        else counters.dropped++
        continue
      }
      counters.delivered++
      try {
        target.deliver(d.buf, { address: d.from.address, family: d.from.family, port: d.from.port, size: d.buf.length })
      } catch (err) {
        failure ??= { error: err }
      }
    }
    if (failure !== undefined) throw failure.error
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Datagram {
  readonly buf: Buffer
  readonly from: RemoteInfoAddress
  readonly toHost: string
  readonly toPort: number
}

function key (host: string, port: number): string {
  return `${host}:${port}`
}

/** 10.0.0.1, 10.0.0.2, … skipping .0 and .255 in the last octet. */
function ipv4Of (n: number): string | undefined {
  const i = n - 1
  const last = (i % 254) + 1
  const rest = Math.floor(i / 254)
  if (rest >= 65536) throw new RangeError('the simulated network ran out of IPv4 hosts')
  return `10.${(rest >> 8) & 255}.${rest & 255}.${last}`
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; other hosts unchanged. */
function unmap (host: string): string {
  return host.startsWith('::ffff:') && isIP(host.slice(7)) === 4 ? host.slice(7) : host
}

function errno (code: string, message: string): Error {
  return Object.assign(new Error(message), { code, errno: code, syscall: message.split(' ')[0] })
}
