/**
 * createNode: a full PeerConnect node composed from the actors under one supervisor. The
 * transport (the UDP socket) runs inline on the main thread; routing, crawler, liveness, lists (the
 * directory and keyword search) and gossip run each in its own worker thread, or all inline with
 * `inline: true` (tests, simulations, swarms).
 */
import { firstValueFrom, lastValueFrom } from 'rxjs'
import { idToHex, isTransportInfoReply, isCrawlerBootstrapReply, isUiInfoReply, UnexpectedReplyError } from '@peerconnect/protocol'
import type { CrawlerBootstrap, Identity, IpLimitsMode, Message, NodeId } from '@peerconnect/protocol'
import { createSupervisor } from '@peerconnect/runtime'
import type { ComputePool, Logger, Supervisor, SupervisorOptions, ActorSpec, Clock, DatagramNetwork } from '@peerconnect/runtime'
import type { SchedulerLike } from 'rxjs'
import { transport } from '@peerconnect/transport'
import type { TransportInit } from '@peerconnect/transport'
import { routing } from '@peerconnect/routing'
import type { RoutingInit } from '@peerconnect/routing'
import { crawler } from '@peerconnect/crawler'
import type { CrawlerInit } from '@peerconnect/crawler'
import { liveness } from '@peerconnect/liveness'
import type { LivenessInit } from '@peerconnect/liveness'
import { lists } from '@peerconnect/lists'
import type { ListsInit } from '@peerconnect/lists'
import { gossip } from '@peerconnect/gossip'
import type { GossipInit } from '@peerconnect/gossip'
import type { UiBridgeInit } from '@peerconnect/ui-bridge'
import type { HostPort } from './address.js'
import { isLoopbackHost, startLanDiscovery } from './lan.js'
import { API_START_TIMEOUT, BOOTSTRAP_TIMEOUT, TRANSPORT_START_TIMEOUT } from './constants.js'
import { probeUdp, UdpBindError } from './udp-probe.js'

export interface NodeOptions {
  readonly name: string
  readonly identity: Identity
  readonly host?: string
  readonly port?: number
  readonly dataDir?: string
  /** Every actor on the main thread (default: transport inline, the others in workers). */
  readonly inline?: boolean
  readonly log?: Logger
  /** A compute pool shared with other nodes of the process (default: the supervisor's own, lazily started). */
  readonly pool?: ComputePool
  readonly askTimeout?: number
  /**
   * Time and randomness of the inline actors (default: real time, Date.now, Math.random). A
   * simulation passes its virtual clock (runtime's `createSimClock`) as both `scheduler` and
   * `clock`, and a seeded `random` (see sim-swarm.ts); worker actors always run in real time.
   */
  readonly scheduler?: SchedulerLike
  readonly clock?: Clock
  readonly random?: () => number
  /**
   * A simulated datagram network (runtime's `createSimNetwork()`) for the transport instead of
   * real UDP: it is handed to the transport actor as `deps.network` (see sim-swarm.ts).
   */
  readonly network?: DatagramNetwork
  /**
   * IP diversity (routing table, lookups, list holders): at most 2 contacts per IPv4 /24 (IPv6 /64)
   * in a bucket, a lookup's result or a list's holders, and 10 in the table. 'default' exempts
   * loopback and private ranges, 'strict' applies the limits to them too, 'off' has none. A
   * routing/crawler/lists `ipLimits` of its own wins.
   */
  readonly ipLimits?: IpLimitsMode
  /** Extra configuration per actor. */
  readonly transport?: Partial<TransportInit>
  readonly routing?: Partial<RoutingInit>
  readonly crawler?: Partial<CrawlerInit>
  readonly liveness?: Partial<LivenessInit>
  /** The directory (announce interval, caps, …); `announce: false` makes a node that only holds and reads. */
  readonly lists?: Partial<Omit<ListsInit, 'identity' | 'name'>>
  /** Gossip (fanout, search bound, …); its name is the one in the lists' record. */
  readonly gossip?: Partial<Omit<GossipInit, 'id' | 'identity' | 'name'>>
  /**
   * The HTTP API, events socket, /metrics and web page (the ui-bridge actor, on a worker thread
   * unless `inline`). Default: none. A non-loopback host needs `token`.
   */
  readonly api?: { readonly host?: string, readonly port?: number, readonly token?: string } | false
  /**
   * LAN discovery over mDNS (lan.ts): publish this node on the local network and join the peers
   * it hears of, with no bootstrap address. Default off (`peerconnect start` turns it on).
   */
  readonly lan?: boolean | { readonly port?: number, readonly interval?: number }
  /** Extra configuration of the ui-bridge actor (check interval, …). */
  readonly ui?: Partial<Omit<UiBridgeInit, 'name' | 'host' | 'port' | 'token'>>
  /**
   * Tests only: the supervisor lets `actor.fault` messages through to the actors (throw in a
   * handler, an uncaught error, process.exit in a worker). No command-line flag or route sets it.
   */
  readonly allowFaults?: boolean
  /**
   * The supervisor's restart backoff (default: 100 ms before the first restart, doubling for each
   * crash within 30 s). `bench:node` sets `reset: 0` so that every crash it causes waits the first delay.
   */
  readonly restart?: SupervisorOptions['restart']
}

export interface PeerNode {
  readonly id: NodeId
  readonly idHex: string
  readonly name: string
  readonly identity: Identity
  readonly udp: HostPort
  readonly supervisor: Supervisor
  /** The API URL (`http://127.0.0.1:7070`), or null without an API. */
  readonly api: string | null
  /** Asks one actor and resolves with its last reply (rejects on an error reply or a timeout). */
  request(msg: Message, opts?: { timeout?: number }): Promise<Message>
  /** Pings the seeds, looks up our own id and refreshes the buckets. */
  bootstrap(seeds: readonly HostPort[], opts?: { timeout?: number }): Promise<{ seedsAnswered: number, contacts: number }>
  stop(): Promise<void>
}

export async function createNode (opts: NodeOptions): Promise<PeerNode> {
  const { identity } = opts
  const supervisor = createSupervisor({ log: opts.log, pool: opts.pool, askTimeout: opts.askTimeout, scheduler: opts.scheduler,
    clock: opts.clock, random: opts.random, allowFaults: opts.allowFaults === true, restart: opts.restart })
  const workerHost = opts.inline === true ? 'inline' : 'worker'
  const host = opts.host ?? '127.0.0.1'
  const port = opts.port ?? 0
  // The transport first, bound before the others start: a socket that cannot be bound fails
  // createNode at once (the supervisor would otherwise restart the transport forever).
  let info: Message
  try {
    await supervisor.start(transport({ id: identity.id, host, port, ...opts.transport }),
      opts.network === undefined ? { host: 'inline' } : { host: 'inline', network: opts.network })
    info = await firstValueFrom(supervisor.ask({ type: 'transport.info' }, { timeout: TRANSPORT_START_TIMEOUT }))
  } catch (err) {
    await supervisor.stop()
    throw opts.network === undefined ? await transportFailure(host, port, err) : err
  }
  if (!isTransportInfoReply(info)) {
    await supervisor.stop()
    throw new UnexpectedReplyError('transport.info gave an unexpected reply')
  }
  const ipLimits = opts.ipLimits === undefined ? {} : { ipLimits: { mode: opts.ipLimits } }
  const specs: Array<[ActorSpec, 'inline' | 'worker']> = [
    [routing({ id: identity.id, dataDir: opts.dataDir, ...ipLimits, ...opts.routing }), workerHost],
    [crawler({ id: identity.id, ...ipLimits, ...opts.crawler }), workerHost],
    [liveness({ ...opts.liveness }), workerHost],
    [lists({ identity, name: opts.name, ...ipLimits, ...opts.lists }), workerHost],
    [gossip({ identity, ...opts.gossip }), workerHost]
  ]
  try {
    await Promise.all(specs.map(([spec, host]) => supervisor.start(spec, { host })))
  } catch (err) {
    await supervisor.stop()
    throw err
  }
  const request = async (msg: Message, o: { timeout?: number } = {}): Promise<Message> =>
    await lastValueFrom(supervisor.ask(msg, { timeout: o.timeout }))

  let api: string | null = null
  if (opts.api !== undefined && opts.api !== false) {
    try {
      api = await startApi(supervisor, { ...opts.ui, name: opts.name, ...opts.api }, workerHost)
    } catch (err) {
      await supervisor.stop()
      throw err
    }
  }
  // A node bound to loopback has no LAN: it would only find the other processes of this machine
  // (test nodes of other suites among them).
  const lan = opts.lan === undefined || opts.lan === false || isLoopbackHost(info.udp.host) ? undefined : startLanDiscovery({
    idHex: idToHex(identity.id),
    udp: { host: info.udp.host, port: info.udp.port },
    ...(opts.lan === true ? {} : opts.lan),
    ...(opts.log === undefined ? {} : { log: opts.log.child('lan') }),
    onPeer: peer => {
      const join: CrawlerBootstrap = { type: 'crawler.bootstrap', seeds: [{ host: peer.host, port: peer.port }] }
      supervisor.ask(join, { timeout: BOOTSTRAP_TIMEOUT }).subscribe({
        error: (err: unknown) => opts.log?.debug('LAN peer did not answer', { host: peer.host, port: peer.port, err: String(err) })
      })
    }
  })
  return {
    id: identity.id,
    idHex: idToHex(identity.id),
    name: opts.name,
    identity,
    udp: { host: info.udp.host, port: info.udp.port },
    supervisor,
    api,
    request,
    async bootstrap (seeds, o = {}) {
      const timeout = o.timeout ?? BOOTSTRAP_TIMEOUT
      const ask: CrawlerBootstrap = { type: 'crawler.bootstrap', seeds: seeds.map(s => ({ host: s.host, port: s.port })) }
      const res = await request(ask, { timeout })
      if (!isCrawlerBootstrapReply(res)) throw new UnexpectedReplyError('crawler.bootstrap gave an unexpected reply')
      return { seedsAnswered: res.seedsAnswered, contacts: res.contacts }
    },
    stop: async () => {
      await lan?.close()
      await supervisor.stop()
    }
  }
}

/** Starts the ui-bridge actor once the others run, and waits until its server listens. */
async function startApi (supervisor: Supervisor, init: UiBridgeInit, host: 'inline' | 'worker'): Promise<string> {
  // Imported here, not at the top: the API's server (fastify and its plugins) takes a while to
  // load, and a node without an API never needs it (docs/PERFORMANCE.md, bench:node). On a worker
  // thread only that thread loads it: this one takes the spec alone (worker-spec imports nothing).
  const spec = host === 'worker'
    ? (await import('@peerconnect/ui-bridge/worker-spec')).uiBridgeWorker(withoutUndefined(init))
    : (await import('@peerconnect/ui-bridge')).uiBridge(withoutUndefined(init))
  await supervisor.start(spec, { host })
  const reply = await lastValueFrom(supervisor.ask({ type: 'ui.info' }, { timeout: API_START_TIMEOUT }))
  if (!isUiInfoReply(reply)) throw new UnexpectedReplyError('ui.info gave an unexpected reply')
  return reply.url
}

/**
 * Why the transport did not start: the OS's answer to binding host:port ourselves (a UdpBindError
 * naming EADDRINUSE, EADDRNOTAVAIL …), else the transport's own error.
 */
async function transportFailure (host: string, port: number, err: unknown): Promise<unknown> {
  try {
    await probeUdp(host, port)
  } catch (probed) {
    return probed
  }
  return new UdpBindError(`the transport did not start on ${host}:${port}: ${String((err as Error | null)?.message ?? err)}`, undefined)
}

/** Plain data for a worker: no keys whose value is undefined. */
function withoutUndefined<T extends object> (o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
