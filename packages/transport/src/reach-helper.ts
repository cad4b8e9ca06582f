/**
 * The helper's side of a reachability check (reachability.ts): a node asked `pc_reach {n}`
 * answers with the address it sees the querier at (`a`) and sends one `pc_probe {n}` there from a
 * fresh socket on a port nobody has sent to (so the probe passes a NAT only if the NAT lets in
 * what nobody inside asked for), then closes that socket. Bounded so that it cannot be turned
 * against a third party:
 * - the probe goes only to the address the query came from — there is no address argument;
 * - the answer and the probe together are at most 3× the query (else 203, nothing sent), so a
 *   forged source address reflects no more than any other query does;
 * - per requesting IP a small token bucket (3, then one per 20 s) and one for everyone (20, then
 *   5 per second); over either: `201 ERR_RATE_LIMITED`, no probe (the requester counts that
 *   helper as not answering, so a refusal never makes it go read-only).
 */
import dgram from 'node:dgram'
import { isIP } from 'node:net'
import { AMPLIFICATION_LIMIT, compactAddress, encodeQuery, encodeResponse, KRPC_ERROR } from '@peerconnect/protocol'
import type { Address, NodeId } from '@peerconnect/protocol'
import { PROBE_GLOBAL_BURST, PROBE_GLOBAL_RATE, PROBE_MAX_SOURCES, PROBE_PER_IP_BURST, PROBE_PER_IP_EVERY } from './constants.js'
import type { DatagramSocket, InboundQuery, KrpcSocket } from './socket.js'
import { withGetters } from '@peerconnect/runtime'

export interface ProbeLimitOptions {
  readonly perIpBurst?: number
  /** ms between probes to one IP once its burst is spent. */
  readonly perIpEvery?: number
  readonly globalBurst?: number
  /** probes per second to everyone together once the burst is spent. */
  readonly globalRate?: number
  readonly maxSources?: number
}

export interface ProbeLimiter {
  /** True (and one probe taken from the IP's and the global budget) when a probe to `ip` may go now. */
  allow(ip: string, now: number): boolean
  /** IPs tracked. */
  readonly size: number
}

export function createProbeLimiter (opts: ProbeLimitOptions = {}): ProbeLimiter {
  const perIpBurst = opts.perIpBurst ?? PROBE_PER_IP_BURST
  const perIpRate = 1 / (opts.perIpEvery ?? PROBE_PER_IP_EVERY)
  const globalBurst = opts.globalBurst ?? PROBE_GLOBAL_BURST
  const globalRate = (opts.globalRate ?? PROBE_GLOBAL_RATE) / 1000
  const maxSources = opts.maxSources ?? PROBE_MAX_SOURCES
  const sources = new Map<string, Bucket>()
  let global: Bucket | undefined
  const api: Omit<ProbeLimiter, 'size'> = {
    allow (ip, now) {
      global = refill(global, now, globalBurst, globalRate)
      const known = sources.get(ip)
      const mine = refill(known, now, perIpBurst, perIpRate)
      if (known !== undefined) sources.delete(ip) // least recently seen first
      else if (sources.size >= maxSources) sources.delete(sources.keys().next().value as string)
      sources.set(ip, mine)
      if (global.tokens < 1 || mine.tokens < 1) return false
      global.tokens--
      mine.tokens--
      return true
    }
  }
  return withGetters(api, { size: () => sources.size })
}

export interface ReachHelperDeps {
  readonly id: NodeId
  readonly socket: KrpcSocket
  readonly limiter: ProbeLimiter
  /** Makes the probe's socket (the simulated network's, or a real one). */
  readonly createSocket: (type: 'udp4' | 'udp6') => DatagramSocket
  /** The host our main socket is bound to: the probe's socket binds there, on a new port. */
  readonly host: () => string | undefined
  readonly now: () => number
  readonly tid: () => Uint8Array
}

/** Counters for transport.info. */
export interface ReachHelperCounts {
  probesSent: number
  probesRefused: number
}

/** Answers one inbound `pc_reach` (its args passed `parseQueryArgs`), and probes back when allowed. */
export function answerReach (q: InboundQuery, deps: ReachHelperDeps, counts: ReachHelperCounts): void {
  const n = q.args.n
  const a = compactAddress(q.from.host, q.from.port)
  const host = deps.host()
  if (!(n instanceof Uint8Array) || a === undefined || host === undefined) {
    deps.socket.replyError(q, KRPC_ERROR.PROTOCOL, 'bad pc_reach')
    return
  }
  const probe = encodeQuery(deps.tid(), 'pc_probe', { id: deps.id, n })
  const answer = encodeResponse(q.t, { a, id: deps.id }, { ip: a })
  if (answer.length + probe.length > AMPLIFICATION_LIMIT * q.bytes) {
    counts.probesRefused++
    deps.socket.replyError(q, KRPC_ERROR.PROTOCOL, 'ERR_PROOF_NEEDED pad the query: the answer and the probe stay within 3x of it')
    return
  }
  if (!deps.limiter.allow(q.from.host, deps.now())) {
    counts.probesRefused++
    deps.socket.replyError(q, KRPC_ERROR.GENERIC, 'ERR_RATE_LIMITED probes to this address are rate-limited')
    return
  }
  deps.socket.reply(q, { a })
  counts.probesSent++
  sendOnce(deps.createSocket, host, q.from, probe)
}

/** Sends `buf` to `to` from a new socket bound to `host` on a free port, then closes it. Never throws. */
export function sendOnce (createSocket: (type: 'udp4' | 'udp6') => DatagramSocket, host: string, to: Address, buf: Uint8Array): void {
  const type = host.includes(':') ? 'udp6' : 'udp4'
  let sock: DatagramSocket
  try {
    sock = createSocket(type)
  } catch {
    return
  }
  const close = (): void => {
    try {
      sock.close(() => {})
    } catch { /* closed already */ }
  }
  sock.on('error', close)
  try {
    sock.bind({ address: host, port: 0 }, () => {
      const dest = type === 'udp6' && isIP(to.host) === 4 ? `::ffff:${to.host}` : to.host
      try {
        sock.send(buf, to.port, dest, close)
      } catch {
        close()
      }
    })
  } catch {
    close()
  }
}

/** A real UDP socket, for `sendOnce`. */
export function realSocket (type: 'udp4' | 'udp6'): DatagramSocket {
  return dgram.createSocket(type)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Bucket {
  tokens: number
  at: number
}

function refill (b: Bucket | undefined, now: number, burst: number, perMs: number): Bucket {
  if (b === undefined) return { tokens: burst, at: now }
  b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.at) * perMs)
  b.at = now
  return b
}
