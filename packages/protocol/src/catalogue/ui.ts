/**
 * Messages of the ui-bridge actor: the HTTP API, the events WebSocket, /metrics and the web page
 * of a node (docs/API.md).
 *
 *   ui.ready   ──pub──▶ anyone     the server is listening at `url` (once per start of the actor)
 *   ui.info    ──ask──▶ ui-bridge  replies ui.info.reply {url} once the server listens
 *   routing.peer.added / routing.peer.removed / liveness.status   ──pub──▶ ui-bridge   the live peer list
 *   transport.info / supervisor.stats / routing.contacts / routing.get / lists.stats / lists.page /
 *   crawler.find / search.query / gossip.stats / liveness.check / transport.query (pc_record)   ──ask──▶ (from ui-bridge)
 */
import { isMessageOf, isStr } from '../guards.js'

/** Published when the server listens; `url` is `http://host:port` with the real port. */
export type UiReady = { type: 'ui.ready', url: string }
/** Ask: where the API listens. Answered once the server is up. */
export type UiInfo = { type: 'ui.info', cid?: number }
export type UiInfoReply = { type: 'ui.info.reply', re?: number, end?: boolean, url: string }

export const isUiReady = isMessageOf<UiReady>('ui.ready', { url: isUrl })
export const isUiInfo = isMessageOf<UiInfo>('ui.info', {})
export const isUiInfoReply = isMessageOf<UiInfoReply>('ui.info.reply', { url: isUrl })

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function isUrl (x: unknown): x is string {
  return isStr(x) && x.length <= 300 && /^https?:\/\/\S+$/.test(x)
}
