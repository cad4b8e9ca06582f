/**
 * The node's numbers for /metrics, gathered at each scrape from every actor that answers:
 * per-actor messages, queue depths and restarts (supervisor.stats), datagrams, RPCs and timeouts
 * (transport.info; per-method counters become one series per method), lookups (crawler.stats),
 * records held and queries by method (lists.stats), gossip traffic (gossip.stats), and the
 * ui-bridge's own counters. An actor that does not answer is left out.
 */
import { GOSSIP_COUNTER_NAMES, isCrawlerStatsReply, isGossipStatsReply, isListsStatsReply, isSupervisorStatsReply,
  isTransportInfoReply } from '@peerconnect/protocol'
import type { ActorStatsData, CrawlerStats, GossipStats, ListsStats, Message, SupervisorStats, TransportInfo } from '@peerconnect/protocol'
import type { MetricValue } from './backend.js'
import { askFor } from './ask.js'
import type { Bridge } from './bridge.js'
import { STATUS_TIMEOUT } from './constants.js'

type Metrics = Record<string, MetricValue>

export async function nodeMetrics (bridge: Bridge): Promise<Metrics> {
  const ask = <T>(msg: Message, guard: (x: unknown) => x is T): Promise<T | undefined> =>
    askFor(bridge.deps.ask, msg, { guard, timeout: STATUS_TIMEOUT }).catch((err: unknown) => {
      bridge.failed(msg.type, err)
      return undefined
    })
  const [supervisor, transport, lists, gossip, crawler] = await Promise.all([
    ask({ type: 'supervisor.stats' } satisfies SupervisorStats, isSupervisorStatsReply),
    ask({ type: 'transport.info' } satisfies TransportInfo, isTransportInfoReply),
    ask({ type: 'lists.stats' } satisfies ListsStats, isListsStatsReply),
    ask({ type: 'gossip.stats' } satisfies GossipStats, isGossipStatsReply),
    ask({ type: 'crawler.stats' } satisfies CrawlerStats, isCrawlerStatsReply)
  ])
  const out: Metrics = {}
  if (supervisor !== undefined) {
    const actors = supervisor.actors
    const by = (pick: (a: ActorStatsData) => number): Record<string, number> => Object.fromEntries(actors.map(a => [a.name, pick(a)]))
    out.actor_messages_in_total = by(a => a.messagesIn)
    out.actor_messages_out_total = by(a => a.messagesOut)
    out.actor_queue_depth = by(a => a.queueDepth)
    out.actor_restarts_total = by(a => a.restarts)
    out.supervisor_pending_asks = supervisor.pendingAsks
  }
  if (transport !== undefined) {
    const byMethod: Record<string, Record<string, number>> = {}
    for (const [key, v] of Object.entries(transport.stats)) {
      if (key === 'tcpPort') continue
      const dot = key.indexOf('.')
      if (dot > 0) (byMethod[`transport_${snake(key.slice(0, dot))}_by_method_total`] ??= {})[key.slice(dot + 1)] = v
      else out[`transport_${snake(key)}${TRANSPORT_GAUGES.has(key) ? '' : '_total'}`] = v
    }
    Object.assign(out, byMethod)
  }
  if (crawler !== undefined) {
    out.crawler_lookups_total = crawler.lookups
    out.crawler_queries_total = crawler.queries
    out.crawler_timeouts_total = crawler.timeouts
    out.crawler_expired_total = crawler.expired
    out.crawler_mean_queries_per_lookup = crawler.meanQueries
  }
  if (lists !== undefined) {
    out.lists_held = lists.held
    out.lists_records = lists.records
    out.lists_rejected_total = lists.rejected
    out.lists_queries_sent_total = lists.sent
    out.lists_announce_rounds_total = lists.rounds
    out.lists_announced_rounds_total = lists.announced
  }
  if (gossip !== undefined) {
    for (const key of GOSSIP_COUNTER_NAMES) out[`gossip_${snake(key)}${GOSSIP_GAUGES.has(key) ? '' : '_total'}`] = gossip[key]
  }
  const { view, counters, names } = bridge
  const peers = view.peers()
  out.ui_live_peers = peers.length
  out.ui_offline_peers = peers.filter(p => p.status === 'offline').length
  out.ui_liveness_checks_total = counters.checks
  out.ui_liveness_checks_failed_total = counters.checksFailed
  out.ui_peer_finds_total = counters.finds
  out.ui_name_queries_total = names.counters.queries
  const book = names.sizes()
  out.ui_names = book.entries
  out.ui_names_in_flight = book.inFlight
  out.ui_name_results_total = { verified: names.counters.verified, none: names.counters.none, rejected: names.counters.rejected,
    failed: names.counters.failed }
  out.ui_ask_failures_total = { ...counters.askFailures }
  return out
}

/** `queriesSent` → `queries_sent`. */
export function snake (name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** Transport stats that are levels, not counts. */
const TRANSPORT_GAUGES = new Set(['pending', 'rttContacts', 'rateLimitSources', 'rateLimitPrefixes', 'readOnly', 'readOnlyPeers'])
const GOSSIP_GAUGES = new Set(['seenSize', 'viewSize', 'inFlight'])
