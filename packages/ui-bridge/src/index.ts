/**
 * @peerconnect/ui-bridge: the HTTP API, WebSocket events, Prometheus metrics and the web page
 * of a PeerConnect node (DESIGN §6), behind the narrow `UiBackend` interface.
 */
export { createUiServer } from './server.js'
export type { UiServer, UiServerOptions } from './server.js'
export type {
  UiBackend, Peer, SearchVia, HitSource, NodeStatus, ActorStatus, PeerEvent, PeerEventType, SearchOptions, MetricValue
} from './backend.js'
export { TokenRequiredError, InvalidServerOptionError, backendFailure } from './errors.js'
export type { ApiError, ErrorBody } from './errors.js'
export { parseId, parseQuery, parseVia, parseTimeout, parseCursor, parseLimit, parsePageParams, parseSearchParams } from './params.js'
export type { Parsed, PageParams, SearchParams } from './params.js'
export { isLoopback } from './auth.js'
export { loadAssets, defaultAssetsDir } from './static-files.js'
export {
  DEFAULT_HOST, DEFAULT_PORT, MIN_LIMIT, MAX_LIMIT, DEFAULT_LIMIT, MIN_SEARCH_TIMEOUT, MAX_SEARCH_TIMEOUT,
  DEFAULT_SEARCH_TIMEOUT, SEARCH_GRACE, SEARCH_VIAS, DEFAULT_VIA
} from './constants.js'
