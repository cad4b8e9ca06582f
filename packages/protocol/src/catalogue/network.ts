/**
 * Messages of the network core: transport, routing, crawler, liveness.
 *
 *   transport.query  ──ask──▶ transport   ◀── a KRPC query to send; replies transport.response
 *   rpc.<method>     ◀─ask─── transport   ──▶ the actor consuming it replies rpc.reply (or an error)
 *   transport.seen   ──pub──▶ routing        every valid message from a node (≤ 1/s per contact)
 *   transport.failed ──pub──▶ routing        a query to a node timed out (≤ 1/s per contact)
 *   routing.closest / routing.get / routing.contacts   ──ask──▶ routing
 *   routing.peer.added / routing.peer.removed           ──pub──▶ anyone (lists, ui-bridge)
 *   routing.view     ──pub──▶ transport      a read-only copy of the table, to answer find_node from
 *   crawler.lookup / crawler.find / crawler.bootstrap   ──ask──▶ crawler (lookup streams progress)
 *   crawler.stats    ──ask──▶ crawler        lookup counters since the actor started
 *   liveness.check   ──ask──▶ liveness;  liveness.status ──pub──▶ anyone
 */
import type { NodeId } from '../id.js'
import { isArrayOf, isBool, isId, isNat, isNullable, isNum, isObj, isOptional, isPort, isStr, isMessageOf, hasShape } from '../guards.js'
import type { Obj } from '../guards.js'

// ── shared shapes ────────────────────────────────────────────────────────────────────────────

export interface Address {
  host: string
  port: number
}

/**
 * A routing contact. `lastSeen` is ms since the epoch; `rtt` ms, when measured. `pc`: what it has
 * shown it speaks — true: PeerConnect's `pc_*` methods (its messages carry `v` = "PC"…, or it
 * answered a `pc_*` query); false: BEP 5 only (it spoke to us without that); absent: not known
 * (e.g. learned from a `nodes` list). `pc_*` queries never go to `pc: false` contacts.
 */
export interface Contact {
  id: NodeId
  host: string
  port: number
  lastSeen: number
  rtt?: number
  pc?: boolean
}

export const isAddress = hasShape<Address>({ host: isHostString, port: isPort })
export const isContact = hasShape<Contact>({ id: isId, host: isHostString, port: isPort, lastSeen: isNum, rtt: isOptional(isNum),
  pc: isOptional(isBool) })
export const isContactList = isArrayOf(isContact)

// ── transport ────────────────────────────────────────────────────────────────────────────────

/**
 * Ask: send KRPC query `q` with arguments `a` (the transport adds our `id`) to `to`. `bounded`:
 * the query is a reaction to that address's own queries (a ping back): unless the address has
 * answered a query of ours, it is sent only while all we sent there stays within what it sent us,
 * else the ask fails with ERR_RPC_UNPROVEN and nothing is sent.
 */
export type TransportQuery = { type: 'transport.query', cid?: number, to: Address, q: string, a: Obj, timeout?: number, bounded?: boolean }
/** Reply to transport.query. `rtt` ms; `bytes` = query + reply sizes on the wire. */
export type TransportResponse = { type: 'transport.response', re?: number, end?: boolean, from: Address, id: NodeId, r: Obj, rtt: number,
  bytes: number, pc?: boolean }
/**
 * Published for every valid message from a node (at most about once a second per contact and
 * kind). `rtt` is set when the message answered a query of ours; `queried`: the node sent us a
 * query — a reason to ping it, not proof that it lives at that address. `pc`: whether it speaks
 * PeerConnect's `pc_*` methods, as far as the transport knows (see Contact). `ro`: its last query
 * from that address said it runs in read-only mode (BEP 43): it must not enter a routing table.
 */
export type TransportSeen = { type: 'transport.seen', id: NodeId, host: string, port: number, rtt?: number, queried?: boolean, pc?: boolean,
  ro?: boolean }
/**
 * Published when a query to a node timed out (at most about once a second per contact). `id` is
 * the id last seen at that address, when the transport knows it.
 */
export type TransportFailed = { type: 'transport.failed', id?: NodeId, host: string, port: number, reason: 'timeout' }
/**
 * Ask: this node's UDP address and transport counters. `stats: false`: the addresses only (the
 * reply's `stats` is `{}`), for askers that want nothing else (the lists' announce rounds, gossip).
 */
export type TransportInfo = { type: 'transport.info', cid?: number, stats?: boolean }
/**
 * `udp`: the bound address; `advertised`: where others can reach us — what other nodes agree they
 * see (BEP 42), else `udp` unless bound to a wildcard (0.0.0.0 / ::); `alsoAt`: a dual-stack
 * socket's (bound to ::) address of the other family than `advertised`. `readOnly`: contacts asked
 * to probe us found we cannot be reached at `advertised` (behind a NAT): we run in read-only mode
 * (BEP 43) and our record says so.
 */
export type TransportInfoReply = { type: 'transport.info.reply', re?: number, end?: boolean, id: NodeId, udp: Address, advertised?: Address,
  alsoAt?: Address, readOnly?: boolean, stats: Record<string, number> }

export const isTransportQuery = isMessageOf<TransportQuery>('transport.query', { to: isAddress, q: isStr, a: isObj,
  timeout: isOptional(isNat), bounded: isOptional(isBool) })
export const isTransportResponse = isMessageOf<TransportResponse>('transport.response', { from: isAddress, id: isId, r: isObj, rtt: isNum,
  bytes: isNat, pc: isOptional(isBool) })
export const isTransportSeen = isMessageOf<TransportSeen>('transport.seen', { id: isId, host: isHostString, port: isPort,
  rtt: isOptional(isNum), queried: isOptional(isBool), pc: isOptional(isBool), ro: isOptional(isBool) })
export const isTransportFailed = isMessageOf<TransportFailed>('transport.failed', { id: isOptional(isId), host: isHostString, port: isPort,
  reason: (x: unknown) => x === 'timeout' })
export const isTransportInfo = isMessageOf<TransportInfo>('transport.info', { stats: isOptional(isBool) })
export const isTransportInfoReply = isMessageOf<TransportInfoReply>('transport.info.reply', { id: isId, udp: isAddress,
  advertised: isOptional(isAddress), alsoAt: isOptional(isAddress), readOnly: isOptional(isBool), stats: isObj })

/** Error codes of failed transport.query asks (as ErrorData.code). */
export const TRANSPORT_ERRORS = {
  TIMEOUT: 'ERR_RPC_TIMEOUT', // no reply within the adaptive timeout
  REMOTE: 'ERR_RPC_REMOTE', // the node answered with a KRPC error (message: "<code> <text>")
  SEND: 'ERR_RPC_SEND', // the datagram could not be sent (bad address, socket closed)
  BAD_REPLY: 'ERR_RPC_BAD_REPLY', // the reply failed the method's reply guard
  UNSUPPORTED: 'ERR_RPC_UNSUPPORTED', // not sent: a pc_* query to a contact known to speak BEP 5 only
  UNPROVEN: 'ERR_RPC_UNPROVEN', // a bounded query to an address that has not answered us and has not sent us enough
  READ_ONLY: 'ERR_RPC_READ_ONLY' // not sent: pc_announce / pc_handoff to a node whose queries say it is read-only (BEP 43)
} as const

// ── inbound KRPC queries, handed by transport to the actor that consumes `rpc.<method>` ───────

/**
 * Ask (from transport): answer an inbound query. `args` passed `parseQueryArgs` for `method`.
 * `queryBytes` is the query's size: a reply may be at most 3× that unless `proven` (the querier
 * showed a token bound to its address).
 */
export type RpcRequest = { type: `rpc.${string}`, cid?: number, method: string, from: Address, id: NodeId, args: Obj, queryBytes: number }
/** Reply to an RpcRequest: the KRPC `r` dict (the transport adds our `id`). */
export type RpcReply = { type: 'rpc.reply', re?: number, end?: boolean, r: Obj, proven?: boolean }

export const rpcType = (method: string): `rpc.${string}` => `rpc.${method}`
export const isRpcRequest = (x: unknown): x is RpcRequest =>
  isObj(x) && typeof x.type === 'string' && x.type.startsWith('rpc.') && x.type !== 'rpc.reply' &&
  isStr(x.method) && isAddress(x.from) && isId(x.id) && isObj(x.args) && isNat(x.queryBytes)
export const isRpcReply = isMessageOf<RpcReply>('rpc.reply', { r: isObj, proven: isOptional(isBool) })

/** ErrorData.code of an error reply to an RpcRequest → the KRPC error code sent on the wire. */
export const KRPC_CODE_BY_ERROR: Readonly<Record<string, number>> = {
  ERR_KRPC_GENERIC: 201,
  ERR_KRPC_SERVER: 202,
  ERR_KRPC_PROTOCOL: 203,
  ERR_KRPC_METHOD_UNKNOWN: 204,
  ERR_NO_CONSUMER: 204
}

// ── routing ──────────────────────────────────────────────────────────────────────────────────

/**
 * Ask: the `n` closest good contacts to `target`, nearest first; `pc`: leave out contacts known to speak BEP 5 only
 * (for `pc_*` queries).
 */
export type RoutingClosest = { type: 'routing.closest', cid?: number, target: NodeId, n: number, pc?: boolean }
export type RoutingClosestReply = { type: 'routing.closest.reply', re?: number, end?: boolean, contacts: Contact[] }
/** Ask: one contact by id. */
export type RoutingGet = { type: 'routing.get', cid?: number, id: NodeId }
export type RoutingGetReply = { type: 'routing.get.reply', re?: number, end?: boolean, contact: Contact | null }
/** Ask: the whole table, and the fill of each bucket (index = shared prefix length with our id). */
export type RoutingContacts = { type: 'routing.contacts', cid?: number }
export type RoutingContactsReply = { type: 'routing.contacts.reply', re?: number, end?: boolean, self: NodeId, contacts: Contact[],
  buckets: number[] }
/** Published when a contact enters / leaves the table. */
export type RoutingPeerAdded = { type: 'routing.peer.added', contact: Contact }
export type RoutingPeerRemoved = { type: 'routing.peer.removed', contact: Contact, reason: 'evicted' | 'failed' | 'replaced' | 'readonly' }

/**
 * Published by routing after its table changes (at most about once a second) and every few
 * seconds regardless: the contacts a find_node answer may name (failed ones left out), each with
 * the ms it stays good from now (0: merely old). The transport answers find_node from the latest
 * one; it stops when the view is older than a few heartbeats and then asks routing again.
 */
export type RoutingView = { type: 'routing.view', self: NodeId, contacts: ViewContactData[] }
export interface ViewContactData {
  id: NodeId
  host: string
  port: number
  goodFor: number
}

export const isViewContact = hasShape<ViewContactData>({ id: isId, host: isHostString, port: isPort,
  goodFor: (x: unknown) => isNum(x) && x >= 0 })
export const isRoutingView = isMessageOf<RoutingView>('routing.view', { self: isId, contacts: isArrayOf(isViewContact) })

export const isRoutingClosest = isMessageOf<RoutingClosest>('routing.closest', { target: isId, n: isNat, pc: isOptional(isBool) })
export const isRoutingClosestReply = isMessageOf<RoutingClosestReply>('routing.closest.reply', { contacts: isContactList })
export const isRoutingGet = isMessageOf<RoutingGet>('routing.get', { id: isId })
export const isRoutingGetReply = isMessageOf<RoutingGetReply>('routing.get.reply', { contact: isNullable(isContact) })
export const isRoutingContacts = isMessageOf<RoutingContacts>('routing.contacts', {})
export const isRoutingContactsReply = isMessageOf<RoutingContactsReply>('routing.contacts.reply', { self: isId, contacts: isContactList,
  buckets: isArrayOf(isNat) })
export const isRoutingPeerAdded = isMessageOf<RoutingPeerAdded>('routing.peer.added', { contact: isContact })
export const isRoutingPeerRemoved = isMessageOf<RoutingPeerRemoved>('routing.peer.removed', { contact: isContact, reason: isStr })

// ── crawler ──────────────────────────────────────────────────────────────────────────────────

/** Ask: iterative find_node lookup of `target`. Streams crawler.progress, ends with crawler.result. */
export type CrawlerLookup = { type: 'crawler.lookup', cid?: number, target: NodeId, k?: number }
/** Ask: look a peer up by id; the result's `found` is the contact that answered with that id. */
export type CrawlerFind = { type: 'crawler.find', cid?: number, id: NodeId }
export type CrawlerProgress = { type: 'crawler.progress', re?: number, end?: boolean, queried: number, responded: number,
  closest: Contact[] }
export type CrawlerResult = { type: 'crawler.result', re?: number, end?: boolean, target: NodeId, closest: Contact[], found: Contact | null,
  queries: number, bytes: number, ms: number }
/** Ask: ping the seeds, look up our own id, then refresh the buckets. */
export type CrawlerBootstrap = { type: 'crawler.bootstrap', cid?: number, seeds: Address[] }
export type CrawlerBootstrapReply = { type: 'crawler.bootstrap.reply', re?: number, end?: boolean, seedsAnswered: number, contacts: number }

/**
 * Ask: the crawler's counters since it started, over every lookup it ran (asked, find, bootstrap
 * and refresh): lookups finished, find_node queries sent, queries that timed out, queries presumed
 * lost (expired), and queries per lookup (0 before the first).
 */
export type CrawlerStats = { type: 'crawler.stats', cid?: number }
export type CrawlerStatsReply = { type: 'crawler.stats.reply', re?: number, end?: boolean, lookups: number, queries: number,
  timeouts: number, expired: number, meanQueries: number }

export const isCrawlerLookup = isMessageOf<CrawlerLookup>('crawler.lookup', { target: isId, k: isOptional(isNat) })
export const isCrawlerFind = isMessageOf<CrawlerFind>('crawler.find', { id: isId })
export const isCrawlerProgress = isMessageOf<CrawlerProgress>('crawler.progress', { queried: isNat, responded: isNat,
  closest: isContactList })
export const isCrawlerResult = isMessageOf<CrawlerResult>('crawler.result', { target: isId, closest: isContactList,
  found: isNullable(isContact), queries: isNat, bytes: isNat, ms: isNum })
export const isCrawlerBootstrap = isMessageOf<CrawlerBootstrap>('crawler.bootstrap', { seeds: isArrayOf(isAddress) })
export const isCrawlerBootstrapReply = isMessageOf<CrawlerBootstrapReply>('crawler.bootstrap.reply', { seedsAnswered: isNat,
  contacts: isNat })
export const isCrawlerStats = isMessageOf<CrawlerStats>('crawler.stats', {})
export const isCrawlerStatsReply = isMessageOf<CrawlerStatsReply>('crawler.stats.reply', { lookups: isNat, queries: isNat, timeouts: isNat,
  expired: isNat, meanQueries: (x: unknown) => isNum(x) && x >= 0 })

// ── liveness ─────────────────────────────────────────────────────────────────────────────────

/** Ask: is this node alive? UDP ping, then a TCP connect to its port; checks within a short window share one result. */
export type LivenessCheck = { type: 'liveness.check', cid?: number, id: NodeId, host: string, port: number }
export type LivenessResult = { type: 'liveness.result', re?: number, end?: boolean, id: NodeId, host: string, port: number, alive: boolean,
  via: 'udp' | 'tcp' | null, rtt: number | null, checkedAt: number }
/** Published after every check (the page shows a peer offline only after a failed check). */
export type LivenessStatus = { type: 'liveness.status', id: NodeId, host: string, port: number, alive: boolean, checkedAt: number }

export const isLivenessCheck = isMessageOf<LivenessCheck>('liveness.check', { id: isId, host: isHostString, port: isPort })
export const isLivenessResult = isMessageOf<LivenessResult>('liveness.result', { id: isId, host: isHostString, port: isPort, alive: isBool,
  via: (x: unknown) => x === 'udp' || x === 'tcp' || x === null, rtt: isNullable(isNum), checkedAt: isNum })
export const isLivenessStatus = isMessageOf<LivenessStatus>('liveness.status', { id: isId, host: isHostString, port: isPort, alive: isBool,
  checkedAt: isNum })

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function isHostString (x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= 255
}
