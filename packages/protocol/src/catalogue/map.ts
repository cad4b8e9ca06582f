/**
 * The catalogue as types: which request each ask type takes and which replies it streams, and
 * which messages are published. The supervisor's `ask` and `publish` are typed from these maps,
 * so `sup.ask({ type: 'routing.closest', target, n })` checks its fields and its replies are
 * `RoutingClosestReply`.
 *
 * A message type that is not in the maps (a custom actor's own) goes through untyped, as a plain
 * `Message`. To type your own, extend the maps — for every supervisor in the program, by
 * declaration merging:
 *
 *   declare module '@peerconnect/protocol' {
 *     interface AskCatalogue { 'echo.say': { request: EchoSay, reply: EchoSaid } }
 *     interface PublishCatalogue { 'echo.heard': EchoHeard }
 *   }
 *
 * or for one supervisor, as its type parameters: `createSupervisor<AskCatalogue & EchoAsks>()`.
 */
import type { Message } from '../message.js'
import type { CrawlerBootstrap, CrawlerBootstrapReply, CrawlerFind, CrawlerLookup, CrawlerProgress, CrawlerResult, CrawlerStats,
  CrawlerStatsReply, LivenessCheck, LivenessResult, LivenessStatus, RoutingClosest, RoutingClosestReply, RoutingContacts,
  RoutingContactsReply, RoutingGet, RoutingGetReply, RoutingPeerAdded, RoutingPeerRemoved, RoutingView, RpcReply, RpcRequest,
  TransportFailed, TransportInfo, TransportInfoReply, TransportQuery, TransportResponse, TransportSeen } from './network.js'
import type { ListsInvalidate, ListsInvalidateReply, ListsPage, ListsPageReply, ListsSelf, ListsSelfReply, ListsStats,
  ListsStatsReply } from './lists.js'
import type { SearchDone, SearchHit, SearchInvalidate, SearchInvalidateReply, SearchQuery } from './search.js'
import type { GossipHit, GossipNote, GossipPublish, GossipPublishReply, GossipSearch, GossipSearchDone, GossipStats,
  GossipStatsReply } from './gossip.js'
import type { SupervisorStats, SupervisorStatsReply } from './supervisor.js'
import type { UiInfo, UiInfoReply, UiReady } from './ui.js'

/** One ask type: the request sent, and the replies it streams (the last has `end: true`). */
export interface AskEntry {
  request: Message
  reply: Message
}

/** Every ask type of the catalogue. `rpc.<method>` asks come from the transport (an inbound KRPC query). */
export interface AskCatalogue {
  'transport.query': { request: TransportQuery, reply: TransportResponse }
  'transport.info': { request: TransportInfo, reply: TransportInfoReply }
  'routing.closest': { request: RoutingClosest, reply: RoutingClosestReply }
  'routing.get': { request: RoutingGet, reply: RoutingGetReply }
  'routing.contacts': { request: RoutingContacts, reply: RoutingContactsReply }
  'crawler.lookup': { request: CrawlerLookup, reply: CrawlerProgress | CrawlerResult }
  'crawler.find': { request: CrawlerFind, reply: CrawlerProgress | CrawlerResult }
  'crawler.bootstrap': { request: CrawlerBootstrap, reply: CrawlerBootstrapReply }
  'crawler.stats': { request: CrawlerStats, reply: CrawlerStatsReply }
  'liveness.check': { request: LivenessCheck, reply: LivenessResult }
  'lists.page': { request: ListsPage, reply: ListsPageReply }
  'lists.invalidate': { request: ListsInvalidate, reply: ListsInvalidateReply }
  'lists.stats': { request: ListsStats, reply: ListsStatsReply }
  'lists.self': { request: ListsSelf, reply: ListsSelfReply }
  'search.query': { request: SearchQuery, reply: SearchHit | SearchDone }
  'search.invalidate': { request: SearchInvalidate, reply: SearchInvalidateReply }
  'gossip.publish': { request: GossipPublish, reply: GossipPublishReply }
  'gossip.search': { request: GossipSearch, reply: GossipHit | GossipSearchDone }
  'gossip.stats': { request: GossipStats, reply: GossipStatsReply }
  'supervisor.stats': { request: SupervisorStats, reply: SupervisorStatsReply }
  'ui.info': { request: UiInfo, reply: UiInfoReply }
  [rpc: `rpc.${string}`]: { request: RpcRequest, reply: RpcReply }
}

/** Every published message type of the catalogue. */
export interface PublishCatalogue {
  'transport.seen': TransportSeen
  'transport.failed': TransportFailed
  'routing.peer.added': RoutingPeerAdded
  'routing.peer.removed': RoutingPeerRemoved
  'routing.view': RoutingView
  'liveness.status': LivenessStatus
  'gossip.note': GossipNote
  'ui.ready': UiReady
}

/** A map of ask types (the shape of AskCatalogue). */
export type AskMap = { [type: string]: AskEntry }
/** A map of published types (the shape of PublishCatalogue). */
export type PublishMap = { [type: string]: Message }

/** The ask types of map A (the catalogue's by default). */
export type AskType<A = AskCatalogue> = keyof A & string
/** The request of ask type T. */
export type RequestOf<T extends AskType<A>, A = AskCatalogue> = A[T] extends { request: infer R } ? R : never
/** The replies ask type T streams (an error reply errors the stream instead). */
export type ReplyOf<T extends AskType<A>, A = AskCatalogue> = A[T] extends { reply: infer R } ? R : never
/** The published types of map P. */
export type PublishType<P = PublishCatalogue> = keyof P & string
/** The message published as type T. */
export type PublishedOf<T extends PublishType<P>, P = PublishCatalogue> = P[T]

/**
 * For the untyped path: `unknown` (no constraint) when T is not a catalogued type — or is only
 * known as `string` — and `{ type: never }` (refused) when T is one, so a catalogued message
 * cannot skip its checks by going the untyped way.
 */
export type Uncatalogued<T extends string, Known extends string> = string extends T ? unknown : T extends Known ? { type: never } : unknown
