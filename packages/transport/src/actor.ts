import { EMPTY, from, ignoreElements, Observable, of, shareReplay, Subject, map, tap } from 'rxjs'
import type { Subscription } from 'rxjs'
import { BadRequestError, errorReply, isRpcReply, isTransportInfo, isTransportQuery, KRPC_CODE_BY_ERROR, KRPC_ERROR, idsEqual,
  normalizeHost, reply, rpcType } from '@peerconnect/protocol'
import type { Address, Message, NodeId, RpcRequest, ViewContactData, TransportFailed, TransportInfoReply, TransportResponse,
  TransportSeen } from '@peerconnect/protocol'
import type { ActorDefinition, ActorDeps, ActorFn, Logger } from '@peerconnect/runtime'
import { kitActor, randomSecret, simulationRandom } from '@peerconnect/runtime'
import { ANSWER_TIMEOUT, VIEW_MAX_AGE } from './constants.js'
import { RpcReadOnlyError, RpcUnsupportedError } from './errors.js'
import { createKrpcSocket } from './socket.js'
import type { InboundQuery, KrpcSocket } from './socket.js'
import { createSeenThrottle } from './seen-throttle.js'
import { listenTcp } from './tcp.js'
import type { TcpListener } from './tcp.js'
import type { TransportInit } from './init.js'
import { createFindNodeView } from './view.js'
import { advertisedAddress, otherFamilyAddress } from './advertised.js'
import { createExternalTally } from './external.js'
import type { FindNodeView } from './view.js'
import { createSpeaks } from './speaks.js'
import type { Speaks } from './speaks.js'
import { createReachRun } from './reach-run.js'
import { createReadOnlyPeers } from './read-only-peers.js'
import type { ReadOnlyPeers } from './read-only-peers.js'

/**
 * The transport actor: binds the KRPC socket (and the TCP liveness listener) when `out$` is
 * subscribed, closes both on unsubscribe. Consumes `transport.query` (→ `transport.response`
 * or an error reply; an `actor.cancel` for its cid cancels it), `transport.info` and `routing.view`
 * (find_node is answered from it: view.ts); hands each other inbound query to the actor consuming
 * `rpc.<method>` and sends its `rpc.reply` back; publishes `transport.seen` (`queried` when the node sent
 * us a query, else it answered one of ours) and, when a query
 * the contact is known to answer times out, `transport.failed` (each throttled per contact).
 * It keeps what each contact speaks (speaks.ts): `pc_*` queries to a BEP 5-only contact are
 * refused (ERR_RPC_UNSUPPORTED), and seen / response messages say `pc`.
 *
 * Written with runtime's actor kit (`transportDefinition`): the handler table is the actor (each
 * message isolated, a query cancelled by `actor.cancel`); the bind, reachability runs, inbound
 * answering and sightings are its background; the sockets are closed in its stop.
 */
export function transportActor (init: TransportInit): ActorFn {
  return kitActor(transportDefinition, init)
}

/** One run of the actor: what its handlers, background and stop share. */
export interface TransportRun {
  readonly handlers: Readonly<Record<string, (m: Message) => Observable<Message>>>
  readonly background: ReadonlyArray<Observable<Message>>
  readonly close: () => void
}

export const transportDefinition = {
  name: 'transport',
  worker: new URL('./worker.js', import.meta.url),
  context: (init: TransportInit, deps: ActorDeps): TransportRun => createRun(init, deps),
  handlers: {
    'transport.query': (m, ctx) => ctx.handlers['transport.query']?.(m),
    'transport.info': (m, ctx) => ctx.handlers['transport.info']?.(m),
    'routing.view': (m, ctx) => ctx.handlers['routing.view']?.(m)
  },
  // The bind (ready$), reachability runs, inbound queries answered and sightings published.
  background: ctx => ctx.background,
  stop: ctx => ctx.close()
} satisfies ActorDefinition<TransportInit, TransportRun>

function createRun (init: TransportInit, deps: ActorDeps): TransportRun {
  const seen$ = new Subject<TransportSeen | TransportFailed>()
  const inbound$ = new Subject<InboundQuery>()
  // One copy of each contact's id and `host:port` key, shared by these books and the sightings
  // published (ids are never written to): see onSeen.
  // Lane 0: replies to our queries; lane 1: queries it sent us.
  const idle = init.contactIdle
  const throttle = createSeenThrottle({ interval: init.seenInterval, copy: false, idle })
  const failures = createSeenThrottle({ interval: init.seenInterval, copy: false, idle })
  const speaks = createSpeaks({ copy: false, idle, now: () => deps.clock.now() })
  const tally: SpeaksTally = { refused: 0, timeoutsNotCounted: 0, refusedReadOnly: 0 }
  // On a virtual clock (any scheduler but rxjs's real-time one), query timeouts, RTTs and
  // transaction ids come from deps; in real time, plain timers, performance.now and node:crypto.
  const random = simulationRandom(deps)
  const network = deps.network
  const virtual = random === undefined ? {} : { scheduler: deps.scheduler, random }
  const roPeers = createReadOnlyPeers()
  let viewContacts: readonly ViewContactData[] = []
  const socket = createKrpcSocket({
    ...virtual,
    id: init.id,
    host: init.host,
    port: init.port,
    rateLimit: init.rateLimit,
    rtt: init.rtt,
    bufferSize: init.bufferSize,
    contactIdle: idle,
    createSocket: network === undefined ? undefined : type => network.createSocket(type),
    onQuery: q => {
      if (!reach.handle(q)) inbound$.next(q)
    },
    // Replies and queries are throttled apart: a query seen first must not hide the reply that proves the contact.
    onSeen: (seenId, host, port, rtt, v, answered, ro) => {
      // `seenId` may be a view into the packet: the books keep the copy speaks holds when it is the same id.
      const held = speaks.held(`${host}:${port}`)
      const key = held?.key ?? `${host}:${port}`
      const id = held !== undefined && idsEqual(held.id, seenId) ? held.id : seenId.slice()
      const pc = speaks.heard(key, id, v, answered)
      // BEP 43: a query says whether its sender is read-only; its replies are judged by its last query.
      const flipped = rtt === undefined && roPeers.heard(key, ro)
      if (throttle.pass(key, id, deps.clock.now(), rtt === undefined ? 1 : 0) || flipped) {
        seen$.next(seenMessage(id, host, port, rtt, pc, roPeers.has(key)))
      }
    },
    onExternal: (ip, host, port) => external.report(ip, host, port),
    onTimeout: (host, port, method) => {
      const key = `${host}:${port}`
      // Silence to a method the contact never showed it answers says nothing about it.
      if (!speaks.counts(key, method)) {
        tally.timeoutsNotCounted++
        return
      }
      const id = throttle.idAt(key)
      if (failures.pass(key, id ?? NO_ID, deps.clock.now())) seen$.next(failedMessage(id, host, port))
    }
  })
  const view = createFindNodeView(init.id, { maxAge: init.viewMaxAge ?? VIEW_MAX_AGE })
  const external = createExternalTally()
  const tcp: TcpState = { listener: undefined, closed: false }
  let reachable: Address | undefined
  const reach = createReachRun({
    id: init.id,
    socket,
    now: () => deps.clock.now(),
    random: deps.random,
    scheduler: deps.scheduler,
    log: deps.log,
    bytes: random === undefined ? undefined : length => randomSecret(random, length),
    createSocket: network === undefined ? undefined : type => network.createSocket(type),
    candidates: () => viewContacts.filter(c => speaks.pc(`${c.host}:${c.port}`) !== false).map(c => ({ host: c.host, port: c.port })),
    ours: () => {
      const udp = socket.address()
      if (udp === undefined || reachable === undefined) return undefined
      const advertised = external.best() ?? reachable
      const also = otherFamilyAddress(udp, advertised)
      return also === undefined ? [advertised] : [advertised, also]
    }
  }, init.reachability)
  // The bound address, and where others can reach us unless they tell us better (looked up once: it may read the interfaces).
  const ready$ = from(bindAll(socket, init, { log: deps.log, tcp, sim: network !== undefined })).pipe(
    map(udp => ({ udp, reachable: advertisedAddress(udp, { advertise: init.advertise }) })),
    tap(r => {
      reachable = r.reachable
    }),
    shareReplay(1)
  )
  const handlers: Readonly<Record<string, (m: Message) => Observable<Message>>> = {
    'transport.query': m => onQuery(socket, m, { speaks, tally, roPeers }),
    'transport.info': m => ready$.pipe(map(({ udp, reachable }) => {
      const advertised = external.best() ?? reachable
      return onInfo(m, {
        socket,
        id: init.id,
        udp,
        advertised,
        alsoAt: otherFamilyAddress(udp, advertised),
        readOnly: reach.readOnly,
        tcp: tcp.listener,
        view: () => ({ ...view.stats(deps.clock.now()), externalVotes: external.size, speaksContacts: speaks.size,
          refusedUnsupported: tally.refused, timeoutsNotCounted: tally.timeoutsNotCounted, readOnlyPeers: roPeers.size,
          refusedReadOnly: tally.refusedReadOnly, ...reach.stats() })
      })
    })),
    'routing.view': m => {
      if (view.take(m, deps.clock.now())) viewContacts = m.contacts // take checked it is a routing.view (its whole contact list)
      return EMPTY
    }
  }
  const answering = { socket, deps, timeout: init.answerTimeout ?? ANSWER_TIMEOUT, view }
  return {
    handlers,
    background: [ready$.pipe(ignoreElements()), reach.run$, answerAll(inbound$, answering), seen$],
    close: () => {
      tcp.closed = true
      void socket.close()
      void tcp.listener?.close()
    }
  }
}

// ── handlers ─────────────────────────────────────────────────────────────────────────────────

/**
 * Sends the query; its outcome is the reply. The kit completes it on an `actor.cancel` for its
 * cid, which unsubscribes it and so cancels the query: nothing pending is left, no timeout is counted,
 * no backoff happens, and nothing is replied (the asker is gone). A `pc_*` query to a contact
 * known to speak BEP 5 only is not sent: ERR_RPC_UNSUPPORTED.
 */
function onQuery (socket: KrpcSocket, m: Message,
  { speaks, tally, roPeers }: { speaks: Speaks, tally: SpeaksTally, roPeers: ReadOnlyPeers }): Observable<Message> {
  if (!isTransportQuery(m)) return badRequest(m, 'transport.query needs to: {host, port}, q: string, a: object, timeout?: ms')
  const key = `${normalizeHost(m.to.host) ?? m.to.host}:${m.to.port}`
  // A read-only node cannot be reached by the others: it must not hold anyone's record, however it was chosen.
  if (HOLDER_METHODS.has(m.q) && roPeers.has(key)) {
    tally.refusedReadOnly++
    return of(errorReply(m, new RpcReadOnlyError(`${m.to.host}:${m.to.port} runs read-only (BEP 43): no ${m.q} sent`)))
  }
  if (speaks.refuses(key, m.q)) {
    tally.refused++
    return of(errorReply(m, new RpcUnsupportedError(`${m.to.host}:${m.to.port} speaks BEP 5 only: no ${m.q} query sent`)))
  }
  return new Observable<Message>(sub => {
    const cancel = socket.request(m.to, m, (err, res) => {
      if (err !== null) sub.next(errorReply(m, err))
      else {
        const body: TransportResponse = { type: 'transport.response', from: res!.from, id: res!.id, r: res!.r, rtt: res!.rtt,
          bytes: res!.bytes }
        const pc = speaks.pc(key)
        if (pc !== undefined) body.pc = pc
        sub.next(reply(m, body))
      }
      sub.complete()
    })
    return cancel
  })
}

function onInfo (m: Message,
  ctx: { socket: KrpcSocket, id: NodeId, udp: Address, advertised: Address, alsoAt: Address | undefined, readOnly: boolean,
    tcp: TcpListener | undefined, view: () => Record<string, number> }): Message {
  if (!isTransportInfo(m)) return errorReply(m, new BadRequestError('bad transport.info'))
  // The counters only when wanted: an asker of the addresses alone (stats: false) does not pay for ~130 of them.
  const stats = m.stats === false ? {} : { ...ctx.socket.stats(), tcpPort: ctx.tcp?.port ?? 0, ...ctx.view() }
  const body: TransportInfoReply = { type: 'transport.info.reply', id: ctx.id, udp: ctx.udp, advertised: ctx.advertised, stats }
  if (ctx.alsoAt !== undefined) body.alsoAt = ctx.alsoAt
  if (ctx.readOnly) body.readOnly = true
  return reply(m, body)
}

/**
 * Answers each inbound query: find_node from routing's view when there is a fresh one (view.ts),
 * else — and every other method — by asking the consumer of `rpc.<method>` and sending its first
 * answer (or the mapped KRPC error) back. An ask that failed because its consumer crashed while
 * answering (ERR_ACTOR_RESTARTED) is asked once more: it waits for the restart instead of the
 * querier getting a 202. Emits nothing. One plain subscription per query, no operator chain
 * (this runs for every query the node answers); those still open are cancelled on unsubscribe.
 */
function answerAll (inbound$: Observable<InboundQuery>, ctx: Answering): Observable<never> {
  return new Observable<never>(() => {
    const open = new Set<Subscription>()
    const each = inbound$.subscribe(q => {
      const local = ctx.view.answer(q, ctx.deps.clock.now())
      if (local !== undefined) {
        ctx.socket.reply(q, local)
        return
      }
      const req: RpcRequest = { type: rpcType(q.method), method: q.method, from: q.from, id: q.id, args: q.args, queryBytes: q.bytes }
      const ask = (again: boolean): void => {
        let settled = false
        let sub: Subscription | undefined
        const settle = (): void => {
          settled = true
          if (sub !== undefined) {
            open.delete(sub)
            sub.unsubscribe()
          }
        }
        sub = ctx.deps.ask(req, { timeout: ctx.timeout }).subscribe({
          next: r => {
            if (settled) return
            if (isRpcReply(r)) ctx.socket.reply(q, r.r, { proven: r.proven === true })
            else ctx.socket.replyError(q, KRPC_ERROR.SERVER, 'server error')
            settle()
          },
          error: (err: unknown) => {
            if (settled) return
            settle()
            if (!again && (err as { code?: unknown } | null)?.code === ACTOR_RESTARTED) return ask(true)
            const { code, message } = krpcErrorOf(err)
            ctx.socket.replyError(q, code, message)
          },
          complete: settle
        })
        if (settled) sub.unsubscribe()
        else open.add(sub)
      }
      ask(false)
    })
    return () => {
      each.unsubscribe()
      for (const sub of open) sub.unsubscribe()
      open.clear()
    }
  })
}

/** The code of an ask whose consumer crashed while answering it (runtime's ActorRestartedError). */
const ACTOR_RESTARTED = 'ERR_ACTOR_RESTARTED'

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface TcpState {
  listener: TcpListener | undefined
  closed: boolean
}

/**
 * pc_* queries refused (BEP 5-only contact), timeouts not published as failures (a method the contact never answered),
 * holder queries refused (read-only contact).
 */
interface SpeaksTally {
  refused: number
  timeoutsNotCounted: number
  refusedReadOnly: number
}

/** Queries that ask the receiver to hold records: never sent to a read-only node. */
const HOLDER_METHODS: ReadonlySet<string> = new Set(['pc_announce', 'pc_handoff'])

interface Answering {
  readonly socket: KrpcSocket
  readonly deps: ActorDeps
  readonly timeout: number
  readonly view: FindNodeView
}

async function bindAll (socket: KrpcSocket, init: TransportInit,
  { log, tcp, sim }: { log: Logger, tcp: TcpState, sim: boolean }): Promise<Address> {
  const udp = await socket.bind()
  log.info('udp bound', { host: udp.host, port: udp.port })
  if (init.tcp === false || sim) return udp
  const listener = await listenTcp(udp.host, udp.port, log)
  if (tcp.closed) await listener.close()
  else tcp.listener = listener
  return udp
}

function badRequest (m: Message, why: string): Observable<Message> {
  return new Observable(sub => {
    sub.next(errorReply(m, new BadRequestError(why)))
    sub.complete()
  })
}

/** A sighting: a reply to a query of ours (with its rtt), or a query it sent us (`queried`: not proof that it lives there). */
function seenMessage (id: NodeId, host: string, port: number, rtt: number | undefined, pc: boolean, ro: boolean): TransportSeen {
  const seen: TransportSeen = rtt === undefined
    ? { type: 'transport.seen', id, host, port, queried: true, pc }
    : { type: 'transport.seen', id, host, port, rtt, pc }
  if (ro) seen.ro = true
  return seen
}

function failedMessage (id: NodeId | undefined, host: string, port: number): TransportFailed {
  return id === undefined
    ? { type: 'transport.failed', host, port, reason: 'timeout' }
    : { type: 'transport.failed', id, host, port, reason: 'timeout' }
}

/** Stands for "no id known" in the failure throttle (a real id differs from it and passes at once). */
const NO_ID = new Uint8Array(20)

/** ErrorData code → KRPC code (KRPC_CODE_BY_ERROR; no consumer → 204; ask timeout and anything else → 202). */
function krpcErrorOf (err: unknown): { code: number, message: string } {
  const e = err as { code?: unknown, message?: unknown } | null
  const name = typeof e?.code === 'string' ? e.code : ''
  const code = KRPC_CODE_BY_ERROR[name] ?? KRPC_ERROR.SERVER
  if (code === KRPC_ERROR.METHOD_UNKNOWN) return { code, message: 'method unknown' }
  if (name === 'ERR_ASK_TIMEOUT') return { code, message: 'timeout' }
  return { code, message: typeof e?.message === 'string' && e.message.length > 0 ? e.message : 'server error' }
}
