import dgram from 'node:dgram'
import dns from 'node:dns'
import { isIP } from 'node:net'
import type { SchedulerLike, Subscription } from 'rxjs'
import { AMPLIFICATION_LIMIT, compactAddress, decodeKrpc, encodeQuery, encodeResponse, isKrpcMethod, KRPC_ERROR, MAX_PACKET, normalizeHost,
  parseQueryArgs, parseReply } from '@peerconnect/protocol'
import type { Address, KrpcError, KrpcResponse, NodeId, Obj } from '@peerconnect/protocol'
import type { DatagramSocket } from '@peerconnect/runtime'
import { ABANDONED_MAX, MIN_ANSWERED_BYTES, SOCKET_BUFFER_SIZE, STALL_SLACK } from './constants.js'
import { TidSource, tidKey } from './tid.js'
import { BindError, RpcBadReplyError, RpcRemoteError, RpcSendError, RpcTimeoutError, RpcUnprovenError } from './errors.js'
import { createCreditBook } from './credit.js'
import { createRateLimiter, VERDICT } from './rate-limit.js'
import type { Verdict } from './rate-limit.js'
import type { RateLimitOptions } from './rate-limit.js'
import { createRttTable } from './rtt.js'
import type { RttOptions, RttTable } from './rtt.js'
import { createCounters, DROP } from './counters.js'
import { boundedError, encodeFlatResponse } from './response-encoder.js'
import type { CountersSnapshot, DropReason } from './counters.js'

export interface KrpcSocketOptions {
  /** Our node id, sent as `id` in every query and reply. */
  readonly id: NodeId
  /** Address to bind (an IP; IPv6 makes a udp6 socket). Default 127.0.0.1. */
  readonly host?: string
  /** Port to bind; 0 picks a free one. Default 0. */
  readonly port?: number
  /** Per-source-IP limit on inbound queries, or false for none. */
  readonly rateLimit?: RateLimitOptions | false
  /** Adaptive timeout settings. */
  readonly rtt?: RttOptions
  /**
   * Checks the `r` of a reply to `method`; a reply failing it fails the query with ERR_RPC_BAD_REPLY. Default:
   * `parseReply` for known methods.
   */
  readonly replyGuard?: (method: string, r: Obj) => boolean
  /** Called for each well-formed inbound query; answer it with `reply` or `replyError`. Without it every query gets 204. */
  readonly onQuery?: (query: InboundQuery) => void
  /**
   * Called for each valid message from a node: queries (no rtt) and matched replies (with rtt and
   * `answered`, the method of our query). `v`: the message's client version, when it has one.
   * `ro`: a query that said its sender runs in read-only mode (BEP 43). A `pc_probe` (sent from a
   * throwaway socket, see reach-helper.ts) is not a sighting.
   */
  readonly onSeen?: (id: NodeId, host: string, port: number, rtt: number | undefined, v: Uint8Array | undefined,
    answered: string | undefined, ro: boolean) => void
  /**
   * Addresses remembered as proven (answered us) and unproven ones whose bytes are counted. Default
   * PROVEN_MAX_ADDRESSES / CREDIT_MAX_ADDRESSES.
   */
  readonly credit?: { readonly maxProven?: number, readonly maxUnproven?: number }
  /**
   * A contact idle this long (ms) is forgotten by the RTT table, the rate limiter and the credit book
   * (unless `rtt` / `rateLimit` say otherwise). Default CONTACT_IDLE.
   */
  readonly contactIdle?: number
  /** Called when one of our queries to `host:port` timed out (not when it was cancelled). */
  readonly onTimeout?: (host: string, port: number, method: string) => void
  /** A reply to one of our queries said (BEP 42 `ip`) what address it came to us from: `ip` compact, as sent by `host:port`. */
  readonly onExternal?: (ip: Uint8Array, host: string, port: number) => void
  /** Monotonic ms, for RTTs and the rate limiter. Default performance.now, or the scheduler's time. */
  readonly now?: () => number
  /** Query timeouts go through this scheduler (a simulation's virtual clock). Default: plain timers. */
  readonly scheduler?: SchedulerLike
  /** Random numbers in [0, 1) for transaction ids (a simulation's seeded ones). Default: node:crypto. */
  readonly random?: () => number
  /** Kernel socket buffer sizes to ask for. Default SOCKET_BUFFER_SIZE. */
  readonly bufferSize?: number
  /** Makes the datagram socket (e.g. a simulated network's). Default: a real `dgram` socket. */
  readonly createSocket?: ((type: 'udp4' | 'udp6') => DatagramSocket) | undefined
}

/** The part of `dgram.Socket` the KRPC socket uses: runtime's, which a simulated network's sockets are. */
export type { DatagramSocket }

/** A well-formed inbound query whose arguments passed `parseQueryArgs`. */
export interface InboundQuery {
  readonly method: string
  readonly args: Obj
  readonly id: NodeId
  readonly from: Address
  readonly t: Uint8Array
  /** Size of the query on the wire. */
  readonly bytes: number
  /** `host:port` of the querier (made once per query: the credit book's key). */
  readonly key?: string
}

/** A reply to one of our queries. `bytes` = query + reply sizes on the wire. */
export interface QueryResult {
  from: Address
  id: NodeId
  r: Obj
  rtt: number
  bytes: number
}

export type QueryCallback = (err: Error | null, res?: QueryResult) => void

/**
 * A query to send: method `q`, arguments `a` (without our id), and a timeout overriding the
 * adaptive one. `bounded`: a reaction to the address's own queries (a ping back) — to an address
 * that has not answered us it goes once, then only while all we sent it stays within what it sent
 * us; else it fails with ERR_RPC_UNPROVEN and nothing is sent.
 */
export interface OutboundQuery {
  readonly q: string
  readonly a: Obj
  readonly timeout?: number | undefined
  readonly bounded?: boolean | undefined
}

/**
 * A KRPC socket over UDP (BEP 5 framing). Our queries get random 4-byte transaction ids and
 * adaptive timeouts; a reply is accepted only from the address the query went to, with its tid.
 * Inbound queries are decoded, rate-limited per source IP, checked with `parseQueryArgs` and
 * handed to `onQuery`; unknown methods get 204, malformed messages that carry a tid 203. Replies
 * larger than 3× their query are refused with 202 unless the handler says the querier is proven.
 * Garbage is counted and dropped, never thrown.
 */
export interface KrpcSocket {
  /** Binds the socket; resolves with the bound address. Rejects with ERR_BIND. */
  bind(): Promise<Address>
  /** The bound address, once bound. */
  address(): Address | undefined
  /** Sends query `q` with arguments `a` (our id is added) to `to`; `cb` gets the outcome. Returns a function that cancels it. */
  request(to: Address, query: OutboundQuery, cb: QueryCallback): () => void
  /** `request` as a promise. */
  query(to: Address, q: string, a: Obj, opts?: { timeout?: number }): Promise<QueryResult>
  /** Answers `query` with `r` (our id is added); `proven` lifts the 3× size bound. */
  reply(query: InboundQuery, r: Obj, opts?: { proven?: boolean }): void
  /** Answers `query` with a KRPC error. */
  replyError(query: InboundQuery, code: number, message: string): void
  /** Read-only mode (BEP 43): from now on every query we send carries `ro: 1`. */
  setReadOnly(on: boolean): void
  /** Counters (see counters.ts) plus pending, rttContacts and rateLimitSources. */
  stats(): CountersSnapshot & { pending: number, abandoned: number, rttContacts: number, rateLimitSources: number,
    rateLimitPrefixes: number }
  readonly rtt: RttTable
  /** Fails pending queries (ERR_RPC_SEND) and closes the socket. */
  close(): Promise<void>
}

export function createKrpcSocket (opts: KrpcSocketOptions): KrpcSocket {
  const self = opts.id
  const host = opts.host ?? '127.0.0.1'
  const scheduler = opts.scheduler
  const now = opts.now ?? (scheduler === undefined ? () => performance.now() : () => scheduler.now())
  const startTimer = (fn: () => void, ms: number): Timer => scheduler === undefined ? setTimeout(fn, ms) : scheduler.schedule(fn, ms)
  const idle = opts.contactIdle
  const limiter = opts.rateLimit === false ? undefined : createRateLimiter({ idle, ...opts.rateLimit })
  const rtt = createRttTable({ idle, ...opts.rtt }, now)
  const counters = createCounters()
  const pending = new Map<number, Pending>()
  /** Cancelled queries, by tid, until their timeout (see `abandon`). */
  const abandoned = new Map<number, Abandoned>()
  const tids = new TidSource(opts.random)
  const replyGuard = opts.replyGuard ?? knownReplyGuard
  const credit = createCreditBook({ idle, ...opts.credit, now })
  const type = host.includes(':') ? 'udp6' : 'udp4'
  const sock: DatagramSocket = opts.createSocket?.(type) ?? dgram.createSocket({ type, lookup: literalLookup })
  let bound: Address | undefined
  let closed = false
  let readOnly = false

  sock.on('message', onMessage)

  return {
    bind () {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => {
          reject(new BindError(`cannot bind ${host}:${opts.port ?? 0}: ${err.message}`))
        }
        sock.once('error', onError)
        sock.bind({ address: host, port: opts.port ?? 0 }, () => {
          sock.off('error', onError)
          sock.on('error', onSocketError)
          setBufferSizes(sock, opts.bufferSize ?? SOCKET_BUFFER_SIZE)
          const a = sock.address()
          bound = { host: a.address, port: a.port }
          resolve(bound)
        })
      })
    },
    address: () => bound,
    request,
    query (to, q, a, qopts = {}) {
      return new Promise((resolve, reject) => {
        request(to, { q, a, timeout: qopts.timeout }, (err, res) => {
          if (err !== null) reject(err)
          else resolve(res!)
        })
      })
    },
    reply (query, r, ropts = {}) {
      let out: Uint8Array
      // BEP 42: the querier's address as we see it, when the reply has room for it within its bound.
      // To an address that has not answered us: in the first reply, then only when all we sent it stays within what it sent.
      const ip = compactAddress(query.from.host, query.from.port)
      const budget = ropts.proven === true ? undefined : AMPLIFICATION_LIMIT * query.bytes
      const key = query.key ?? `${query.from.host}:${query.from.port}`
      const room = credit.optionalRoom(key)
      const ipBudget = room === Infinity ? budget : Math.min(budget ?? Infinity, room)
      try {
        out = encodeFlatResponse(query.t, r, self, { ip, budget: ipBudget }) ?? withIpIfRoom(query.t, { ...r, id: self }, ip, ipBudget)
      } catch {
        counters.replyEncodeErrors++
        sendError(query.t, [KRPC_ERROR.SERVER, 'server error'], query.from, query.bytes)
        return
      }
      if (ropts.proven !== true && out.length > AMPLIFICATION_LIMIT * query.bytes) {
        counters.amplificationRefused++
        sendError(query.t, [KRPC_ERROR.SERVER, 'reply too large'], query.from, query.bytes)
        return
      }
      counters.repliesSent++
      send(out, query.from.host, query.from.port, key)
    },
    replyError (query, code, message) {
      sendError(query.t, [code, message], query.from, query.bytes)
    },
    setReadOnly (on) {
      readOnly = on
    },
    stats () {
      return { ...counters.snapshot(), pending: pending.size, abandoned: abandoned.size, rttContacts: rtt.size,
        rateLimitSources: limiter?.size ?? 0, rateLimitPrefixes: limiter?.prefixes ?? 0 }
    },
    rtt,
    close () {
      if (closed) return Promise.resolve()
      closed = true
      const err = new RpcSendError('socket closed')
      for (const p of pending.values()) {
        stopTimer(p.timer)
        p.cb(err)
      }
      pending.clear()
      abandoned.clear()
      sock.off('message', onMessage)
      return new Promise(resolve => {
        try {
          sock.close(() => resolve())
        } catch {
          resolve()
        }
      })
    }
  }

  function request (to: Address, { q, a, timeout: fixed, bounded }: OutboundQuery, cb: QueryCallback): () => void {
    const toHost = normalizeHost(to.host)
    if (closed || toHost === undefined || !(to.port >= 1 && to.port <= 65535)) {
      counters.sendErrors++
      const err = new RpcSendError(closed ? 'socket closed' : `bad address ${String(to.host)}:${String(to.port)}`)
      queueMicrotask(() => cb(err))
      return noop
    }
    let buf: Uint8Array
    const tid = tids.next(pending)
    try {
      buf = encodeQuery(tid.bytes, q, { ...a, id: self }, { ro: readOnly })
    } catch (e) {
      counters.sendErrors++
      const err = new RpcSendError(`cannot encode query: ${(e as Error).message}`)
      queueMicrotask(() => cb(err))
      return noop
    }
    const key = `${toHost}:${to.port}`
    if (bounded === true && !credit.allowInitiated(key, buf.length)) {
      counters.unprovenRefused++
      const err = new RpcUnprovenError(`${key} has not answered us and has not sent us ${buf.length} bytes more than we sent it`)
      queueMicrotask(() => cb(err))
      return noop
    }
    const timeout = fixed ?? rtt.timeout(key)
    const p: Pending = { key, host: toHost, port: to.port, method: q, sentAt: now(), bytes: buf.length, cb, timer: undefined,
      rechecked: false }
    p.timer = startTimer(() => onTimeout(tid.key, p, timeout), timeout)
    pending.set(tid.key, p)
    counters.sent++
    counters.queriesSent++
    counters.method(q).sent++
    credit.sent(key, buf.length)
    sock.send(buf, to.port, onWire(toHost), err => {
      if (err === null || err === undefined || pending.get(tid.key) !== p) return
      counters.sendErrors++
      settle(tid.key, p)
      p.cb(new RpcSendError(err.message))
    })
    return () => {
      if (pending.get(tid.key) !== p) return
      settle(tid.key, p)
      abandon(tid.key, p, timeout)
    }
  }

  /**
   * A cancelled query is remembered until its timeout: its reply then calls back nobody but is still a sighting (it
   * proves the contact alive at that address, as any reply does). Bounded: those past their timeout are forgotten as new
   * ones come, and the oldest beyond ABANDONED_MAX.
   */
  function abandon (key: number, p: Pending, timeout: number): void {
    const at = now()
    for (const [k, a] of abandoned) { // oldest first: those past their timeout go (timeouts are at most a few seconds)
      if (a.until >= at) break
      abandoned.delete(k)
    }
    if (abandoned.size >= ABANDONED_MAX) abandoned.delete(abandoned.keys().next().value as number)
    abandoned.set(key, { key: p.key, host: p.host, port: p.port, method: p.method, sentAt: p.sentAt, until: p.sentAt + timeout })
  }

  /** A reply whose tid matches a query we cancelled, from its address and within its timeout: true when taken as a sighting. */
  function lateReply (msg: KrpcResponse | KrpcError, key: number, rinfo: dgram.RemoteInfo): boolean {
    const a = key < 0 ? undefined : abandoned.get(key)
    if (a === undefined) return false
    abandoned.delete(key)
    const at = now()
    if (at > a.until || !sameAddress(a, rinfo)) return false
    counters.lateReplies++
    credit.prove(a.key)
    rtt.observe(a.key, at - a.sentAt)
    if (msg.y === 'r' && replyGuard(a.method, msg.r)) {
      opts.onSeen?.(msg.r.id, rinfo.address, rinfo.port, at - a.sentAt, msg.v, a.method, false)
    }
    return true
  }

  function onTimeout (key: number, p: Pending, timeout: number): void {
    if (pending.get(key) !== p) return
    if (!p.rechecked && now() - p.sentAt - timeout > STALL_SLACK) {
      // Fired much later than planned: the event loop was stalled and the reply may be waiting
      // to be read. Look again once after the next I/O poll before giving up.
      p.rechecked = true
      p.timer = startTimer(() => onTimeout(key, p, timeout), STALL_SLACK)
      return
    }
    pending.delete(key)
    counters.timeouts++
    counters.method(p.method).timeouts++
    rtt.backoff(p.key)
    opts.onTimeout?.(p.host, p.port, p.method)
    p.cb(new RpcTimeoutError(p.host, p.port, timeout))
  }

  function settle (key: number, p: Pending): void {
    pending.delete(key)
    stopTimer(p.timer)
  }

  function onMessage (buf: Buffer, from: dgram.RemoteInfo): void {
    counters.received++
    // A dual-stack socket reports an IPv4 sender as `::ffff:a.b.c.d`: everything past this point
    // (rate limits, sightings, who answered, replies) knows it as `a.b.c.d`, as it knows it when
    // we send to it, so one peer is one address.
    const rinfo = type === 'udp6' && from.address.startsWith('::ffff:') && isIP(from.address.slice(7)) === 4
      ? { ...from, address: from.address.slice(7), family: 'IPv4' as const }
      : from
    // A query (canonical bencode ends `1:y1:qe`) meets the rate limit before it is decoded: a
    // refused flood costs a map look-up (~1 µs), not a decode (~10 µs). Others are limited below.
    const early = limiter !== undefined && endsLikeQuery(buf) ? limiter.check(rinfo.address, now()) : undefined
    if (early !== undefined && early !== VERDICT.ALLOW) {
      refuse(early, buf, rinfo)
      return
    }
    // Over MAX_PACKET only a reply is read (up to MAX_REPLY_PACKET), from an address we await one
    // from: a BEP 5 node may answer find_node with its whole table.
    const res = decodeKrpc(buf, buf.length > MAX_PACKET && awaitsReplyFrom(rinfo) ? LARGE_REPLY : undefined)
    if (!res.ok) {
      drop(DROP.MALFORMED)
      if (res.t === undefined) return
      const p = matchPending(res.t, rinfo)
      if (p !== undefined) {
        settle(tidKey(res.t), p)
        p.cb(new RpcBadReplyError(`malformed reply: ${res.reason}`))
        return
      }
      if (limiter === undefined || early === VERDICT.ALLOW || limiter.allow(rinfo.address, now())) {
        sendError(res.t, [KRPC_ERROR.PROTOCOL, res.reason], addressOf(rinfo), buf.length)
      }
      return
    }
    const msg = res.msg
    if (msg.y === 'q') {
      const verdict = early ?? (limiter === undefined ? VERDICT.ALLOW : limiter.check(rinfo.address, now()))
      if (verdict !== VERDICT.ALLOW) {
        refuse(verdict, buf, rinfo, msg.t)
        return
      }
      counters.queriesIn++
      counters.method(msg.q).in++
      const key = `${rinfo.address}:${rinfo.port}`
      credit.received(key, buf.length)
      const parsed = parseQueryArgs(msg.q, msg.a)
      if (!parsed.ok) {
        sendError(msg.t, [parsed.code, parsed.reason], addressOf(rinfo), buf.length)
        return
      }
      if (msg.q !== 'pc_probe') opts.onSeen?.(msg.a.id, rinfo.address, rinfo.port, undefined, msg.v, undefined, msg.ro === true)
      const query: InboundQuery = { method: msg.q, args: parsed.args, id: msg.a.id, from: { host: rinfo.address, port: rinfo.port },
        t: msg.t, bytes: buf.length, key }
      if (opts.onQuery === undefined) sendError(msg.t, [KRPC_ERROR.METHOD_UNKNOWN, 'method unknown'], query.from, query.bytes)
      else opts.onQuery(query)
      return
    }
    onAnswer(msg, buf.length, rinfo)
  }

  /**
   * A rate-limited query: counted and dropped; one 201 per source per notice interval (never larger than the query, its
   * tid decoded only then).
   */
  function refuse (verdict: Verdict, buf: Buffer, rinfo: dgram.RemoteInfo, t?: Uint8Array): void {
    drop(DROP.RATE_LIMITED)
    if (verdict !== VERDICT.NOTICE) return
    let tid = t
    if (tid === undefined) {
      const res = decodeKrpc(buf)
      tid = res.ok ? res.msg.t : res.t
    }
    if (tid === undefined) return
    counters.rateLimitNotices++
    sendError(tid, [KRPC_ERROR.GENERIC, 'rate limited'], addressOf(rinfo), buf.length)
  }

  function onAnswer (msg: KrpcResponse | KrpcError, size: number, rinfo: dgram.RemoteInfo): void {
    const key = tidKey(msg.t)
    const p = key < 0 ? undefined : pending.get(key)
    if (p === undefined) {
      if (!lateReply(msg, key, rinfo)) drop(DROP.UNKNOWN_TID)
      return
    }
    if (!sameAddress(p, rinfo)) {
      drop(DROP.WRONG_ADDRESS)
      return
    }
    settle(key, p)
    credit.prove(p.key) // alive at that address (an error reply too; not proof of an id)
    const ms = now() - p.sentAt
    rtt.observe(p.key, ms)
    if (msg.y === 'e') {
      counters.errorsIn++
      p.cb(new RpcRemoteError(msg.e[0], msg.e[1]))
      return
    }
    counters.repliesIn++
    if (!replyGuard(p.method, msg.r)) {
      counters.badReplies++
      p.cb(new RpcBadReplyError(`bad ${p.method} reply from ${p.host}:${p.port}`))
      return
    }
    opts.onSeen?.(msg.r.id, rinfo.address, rinfo.port, ms, msg.v, p.method, false)
    if (msg.ip !== undefined) opts.onExternal?.(msg.ip, rinfo.address, rinfo.port)
    p.cb(null, { from: { host: p.host, port: p.port }, id: msg.r.id, r: msg.r, rtt: ms, bytes: p.bytes + size })
  }

  /** A query to that address is pending, or was cancelled and may still get its late reply (a scan: only packets over MAX_PACKET ask). */
  function awaitsReplyFrom (rinfo: dgram.RemoteInfo): boolean {
    for (const p of pending.values()) if (sameAddress(p, rinfo)) return true
    for (const a of abandoned.values()) if (sameAddress(a, rinfo)) return true
    return false
  }

  function matchPending (t: Uint8Array, rinfo: dgram.RemoteInfo): Pending | undefined {
    const key = tidKey(t)
    const p = key < 0 ? undefined : pending.get(key)
    return p !== undefined && sameAddress(p, rinfo) ? p : undefined
  }

  /**
   * Sends a KRPC error to a query of `queryBytes`: never more than 3× of it (the reason is cut, then left out), nothing
   * to one under MIN_ANSWERED_BYTES.
   */
  function sendError (t: Uint8Array, [code, message]: readonly [number, string], to: Address, queryBytes: number): void {
    const out = queryBytes < MIN_ANSWERED_BYTES ? undefined : boundedError(t, code, message, AMPLIFICATION_LIMIT * queryBytes)
    if (out === undefined) {
      counters.errorsWithheld++
      return
    }
    counters.errorsSent++
    send(out, to.host, to.port)
  }

  function send (buf: Uint8Array, toHost: string, toPort: number, key = `${toHost}:${toPort}`): void {
    if (closed) return
    credit.sent(key, buf.length)
    counters.sent++
    sock.send(buf, toPort, onWire(toHost))
  }

  /**
   * An IPv4 destination through an IPv6 socket (bound to `::`, dual stack) goes as `::ffff:a.b.c.d`: the kernel refuses
   * the plain form (EINVAL).
   */
  function onWire (toHost: string): string {
    return type === 'udp6' && isIP(toHost) === 4 ? `::ffff:${toHost}` : toHost
  }

  function drop (reason: DropReason): void {
    counters.dropped++
    counters[reason]++
  }

  function onSocketError (): void {
    counters.sendErrors++
  }
}

/** A plain timer, or an action on the injected scheduler. */
type Timer = ReturnType<typeof setTimeout> | Subscription

function stopTimer (t: Timer | undefined): void {
  if (t === undefined) return
  if ('unsubscribe' in t) t.unsubscribe()
  else clearTimeout(t)
}

/** A query we cancelled: enough to take its late reply as a sighting. */
interface Abandoned {
  readonly key: string
  readonly host: string
  readonly port: number
  readonly method: string
  readonly sentAt: number
  readonly until: number
}

interface Pending {
  readonly key: string
  readonly host: string
  readonly port: number
  readonly method: string
  readonly sentAt: number
  readonly bytes: number
  readonly cb: QueryCallback
  timer: Timer | undefined
  /** The timeout fired late (a stall) and was re-armed once. */
  rechecked: boolean
}

/** Addresses we send to are IP literals (checked in `request`): no DNS and no extra tick for them. */
function literalLookup (address: string, options: dns.LookupOneOptions,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const v = isIP(address)
  if (v !== 0) cb(null, address, v)
  else dns.lookup(address, options, cb)
}

/** The reply came from where the query went (a dual-stack socket may report `::ffff:a.b.c.d`). */
function sameAddress (p: { readonly host: string, readonly port: number }, rinfo: dgram.RemoteInfo): boolean {
  if (p.port !== rinfo.port) return false
  return p.host === rinfo.address || p.host === normalizeHost(rinfo.address)
}

function addressOf (rinfo: dgram.RemoteInfo): Address {
  return { host: rinfo.address, port: rinfo.port }
}

/** Replies to the methods of docs/PROTOCOL.md (KRPC_METHODS) must pass `parseReply`; others pass as they are. */
function knownReplyGuard (method: string, r: Obj): boolean {
  return !isKrpcMethod(method) || parseReply(method, r).ok
}

function setBufferSizes (sock: DatagramSocket, size: number): void {
  try {
    sock.setRecvBufferSize?.(size)
  } catch { /* the kernel may refuse; the default works */ }
  try {
    sock.setSendBufferSize?.(size)
  } catch { /* idem */ }
}

function noop (): void {}

const LARGE_REPLY = { reply: true } as const

/** `1:y1:qe`: how a canonically encoded KRPC query ends (`y` is its last key). */
const QUERY_TAIL = Buffer.from('1:y1:qe')

function endsLikeQuery (buf: Buffer): boolean {
  const n = buf.length
  return n >= QUERY_TAIL.length && buf[n - 2] === 0x71 && buf.compare(QUERY_TAIL, 0, QUERY_TAIL.length, n - QUERY_TAIL.length) === 0
}

/** `encodeResponse` with the BEP 42 `ip` when the reply stays within `budget` with it, else without. */
function withIpIfRoom (t: Uint8Array, r: Obj, ip: Uint8Array | undefined, budget: number | undefined): Uint8Array {
  if (ip === undefined) return encodeResponse(t, r)
  const out = encodeResponse(t, r, { ip })
  return budget === undefined || out.length <= budget ? out : encodeResponse(t, r)
}
