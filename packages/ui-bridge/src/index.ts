/**
 * @peerconnect/ui-bridge: the HTTP API, WebSocket events, Prometheus metrics and the web page
 * of a PeerConnect node (docs/API.md), behind the narrow `UiBackend` interface; and the ui-bridge
 * actor (`uiBridge(init)`), which implements that interface with asks to the other actors.
 */
import { defineActor } from '@peerconnect/runtime'
import { uiBridgeDefinition } from './actor.js'

/** The ui-bridge actor: the API, the events socket, /metrics and the page of a node. */
export const uiBridge = defineActor(uiBridgeDefinition)

export { uiBridgeActor, uiBridgeDefinition, UI_CONSUMES } from './actor.js'
export type { UiContext } from './actor.js'
export type { UiBridgeInit, Settings } from './init.js'
export { settingsOf } from './init.js'
export { createPeerView } from './peer-view.js'
export type { PeerView, CheckTarget } from './peer-view.js'
export { createNameBook } from './names.js'
export type { NameBook, NameBookOptions, NameCounters } from './names.js'
export { createNodeBackend } from './node-backend.js'
export { createBridge } from './bridge.js'
export type { Bridge, BridgeCounters } from './bridge.js'
export { sweep$, sweepOnce$ } from './sweep.js'
export { contactPeer, recordPeer, directoryPeer, formatAddress, keyFingerprint } from './to-peer.js'
export { createUiServer } from './server.js'
export type { UiServer, UiServerOptions } from './server.js'
export type { UiBackend, Peer, PeerDetails, LookupStep, SearchVia, HitSource, NodeStatus, ActorStatus, PeerEvent, PeerEventType,
  SearchOptions, MetricValue } from './backend.js'
export { TokenRequiredError, InvalidServerOptionError, UnexpectedReplyError, AbortedError, AddressInUseError, ApiListenError,
  backendFailure } from './errors.js'
export type { ApiError, ErrorBody } from './errors.js'
export { parseId, parseQuery, parseVia, parseTimeout, parseCursor, parseLimit, parsePageParams, parseSearchParams } from './params.js'
export type { Parsed, PageParams, SearchParams } from './params.js'
export { isLoopback } from './auth.js'
export { loadAssets, defaultAssetsDir } from './static-files.js'
export { DEFAULT_HOST, DEFAULT_PORT, MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT, MIN_SEARCH_TIMEOUT, MAX_SEARCH_TIMEOUT, DEFAULT_SEARCH_TIMEOUT,
  SEARCH_GRACE, SEARCH_VIAS, DEFAULT_VIA, CHECK_INTERVAL, STALE_AFTER, MAX_CHECKS, NAME_TIMEOUT, NAME_TTL,
  NAME_RETRY } from './constants.js'
