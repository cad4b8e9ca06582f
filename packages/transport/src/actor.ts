import { defer, EMPTY, from, ignoreElements, merge, mergeMap, Observable, shareReplay, Subject, catchError, take, tap, finalize, map } from 'rxjs'
import { errorReply, isRpcReply, isTransportInfo, isTransportQuery, KRPC_CODE_BY_ERROR, KRPC_ERROR, reply, rpcType } from '@peerconnect/protocol'
import type { Address, Message, NodeId, RpcRequest, TransportInfoReply, TransportResponse, TransportSeen } from '@peerconnect/protocol'
import type { ActorDeps, ActorFn, Logger } from '@peerconnect/runtime'
import { ANSWER_TIMEOUT } from './constants.js'
import { BadRequestError } from './errors.js'
import { createKrpcSocket } from './socket.js'
import type { InboundQuery, KrpcSocket } from './socket.js'
import { createSeenThrottle } from './seen-throttle.js'
import { listenTcp } from './tcp.js'
import type { TcpListener } from './tcp.js'
import type { TransportInit } from './init.js'

/**
 * The transport actor: binds the KRPC socket (and the TCP liveness listener) when `out$` is
 * subscribed, closes both on unsubscribe. Consumes `transport.query` (→ `transport.response`
 * or an error reply) and `transport.info`; hands each inbound query to the actor consuming
 * `rpc.<method>` and sends its `rpc.reply` back; publishes `transport.seen` (throttled).
 */
export function transportActor (init: TransportInit): ActorFn {
  return (in$, deps) => defer(() => {
    const seen$ = new Subject<TransportSeen>()
    const inbound$ = new Subject<InboundQuery>()
    const throttle = createSeenThrottle({ interval: init.seenInterval })
    const socket = createKrpcSocket({
      id: init.id,
      host: init.host,
      port: init.port,
      rateLimit: init.rateLimit,
      rtt: init.rtt,
      bufferSize: init.bufferSize,
      createSocket: init.network === undefined ? undefined : type => init.network!.createSocket(type),
      onQuery: q => inbound$.next(q),
      onSeen: (id, host, port, rtt) => {
        if (throttle.pass(`${host}:${port}`, id, deps.clock.now())) seen$.next(seenMessage(id, host, port, rtt))
      }
    })
    const tcp: TcpState = { listener: undefined, closed: false }
    const ready$ = from(bindAll(socket, init, { log: deps.log, tcp })).pipe(shareReplay(1))
    const handlers: Readonly<Record<string, (m: Message) => Observable<Message>>> = {
      'transport.query': m => onQuery(socket, m),
      'transport.info': m => ready$.pipe(map(udp => onInfo(m, { socket, id: init.id, udp, tcp: tcp.listener })))
    }
    const answering = { socket, deps, timeout: init.answerTimeout ?? ANSWER_TIMEOUT }
    return merge(
      ready$.pipe(ignoreElements()),
      in$.pipe(mergeMap(m => handlers[m.type]?.(m) ?? EMPTY)),
      inbound$.pipe(mergeMap(q => answer(q, answering))),
      seen$
    ).pipe(finalize(() => {
      tcp.closed = true
      void socket.close()
      void tcp.listener?.close()
    }))
  })
}

// ── handlers ─────────────────────────────────────────────────────────────────────────────────

function onQuery (socket: KrpcSocket, m: Message): Observable<Message> {
  if (!isTransportQuery(m)) return badRequest(m, 'transport.query needs to: {host, port}, q: string, a: object, timeout?: ms')
  return new Observable<Message>(sub => socket.request(m.to, m, (err, res) => {
    if (err !== null) sub.next(errorReply(m, err))
    else {
      const body: TransportResponse = { type: 'transport.response', from: res!.from, id: res!.id, r: res!.r, rtt: res!.rtt, bytes: res!.bytes }
      sub.next(reply(m, body))
    }
    sub.complete()
  }))
}

function onInfo (m: Message, ctx: { socket: KrpcSocket, id: NodeId, udp: Address, tcp: TcpListener | undefined }): Message {
  if (!isTransportInfo(m)) return errorReply(m, new BadRequestError('bad transport.info'))
  const body: TransportInfoReply = { type: 'transport.info.reply', id: ctx.id, udp: ctx.udp, stats: { ...ctx.socket.stats(), tcpPort: ctx.tcp?.port ?? 0 } }
  return reply(m, body)
}

/** Asks the consumer of `rpc.<method>` and sends its answer (or the mapped KRPC error) back. Emits nothing. */
function answer (q: InboundQuery, { socket, deps, timeout }: { socket: KrpcSocket, deps: ActorDeps, timeout: number }): Observable<never> {
  const req: RpcRequest = { type: rpcType(q.method), method: q.method, from: q.from, id: q.id, args: q.args, queryBytes: q.bytes }
  return deps.ask(req, { timeout }).pipe(
    take(1),
    tap(r => {
      if (isRpcReply(r)) socket.reply(q, r.r, { proven: r.proven === true })
      else socket.replyError(q, KRPC_ERROR.SERVER, 'server error')
    }),
    catchError((err: unknown) => {
      const { code, message } = krpcErrorOf(err)
      socket.replyError(q, code, message)
      return EMPTY
    }),
    ignoreElements()
  )
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface TcpState { listener: TcpListener | undefined, closed: boolean }

async function bindAll (socket: KrpcSocket, init: TransportInit, { log, tcp }: { log: Logger, tcp: TcpState }): Promise<Address> {
  const udp = await socket.bind()
  log.info('udp bound', { host: udp.host, port: udp.port })
  if (init.tcp === false || init.network !== undefined) return udp
  const listener = await listenTcp(udp.host, udp.port, log)
  if (tcp.closed) await listener.close()
  else tcp.listener = listener
  return udp
}

function badRequest (m: Message, why: string): Observable<Message> {
  return new Observable(sub => { sub.next(errorReply(m, new BadRequestError(why))); sub.complete() })
}

function seenMessage (id: NodeId, host: string, port: number, rtt: number | undefined): TransportSeen {
  const copy = id.slice()
  return rtt === undefined
    ? { type: 'transport.seen', id: copy, host, port }
    : { type: 'transport.seen', id: copy, host, port, rtt }
}

/** ErrorData code → KRPC code (KRPC_CODE_BY_ERROR; no consumer → 204; ask timeout and anything else → 202). */
function krpcErrorOf (err: unknown): { code: number, message: string } {
  const e = err as { code?: unknown, message?: unknown } | null
  const name = typeof e?.code === 'string' ? e.code : ''
  const code = KRPC_CODE_BY_ERROR[name] ?? KRPC_ERROR.SERVER
  if (code === KRPC_ERROR.METHOD_UNKNOWN) return { code, message: 'method unknown' }
  if (name === 'ERR_ASK_TIMEOUT') return { code, message: 'timeout' }
  return { code, message: typeof e?.message === 'string' && e.message.length > 0 ? e.message : 'server error' }
}
