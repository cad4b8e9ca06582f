/**
 * Prometheus metrics on a registry of the server's own (never prom-client's global one): the
 * process, the HTTP server, and whatever the backend reports, refreshed at every scrape.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { MetricValue, UiBackend } from './backend.js'
import type { Logger } from '@peerconnect/runtime'
import { METRIC_PREFIX } from './constants.js'

export interface ServerMetrics {
  readonly registry: Registry
  readonly contentType: string
  /** Counts one finished HTTP request. `route` is the route pattern, never the raw URL. */
  request(route: string, method: string, status: number, seconds: number): void
  readonly wsClients: Gauge
  readonly searches: Gauge
  readonly searchHits: Counter
  /** The text exposition, after asking the backend for its numbers. Never rejects. */
  render(): Promise<string>
}

export function createMetrics (backend: UiBackend, log: Logger, opts: { process?: boolean } = {}): ServerMetrics {
  const registry = new Registry()
  if (opts.process !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX })
  const registers = [registry]
  const requests = new Counter({ name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by route pattern, method and status.', labelNames: ['route', 'method', 'status'], registers })
  const duration = new Histogram({ name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'Time to answer an HTTP request (a search stream counts until its last line).', labelNames: ['route'],
    buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10, 30], registers })
  const wsClients = new Gauge({ name: `${METRIC_PREFIX}ws_clients`, help: 'Open /api/events WebSockets.', registers })
  const searches = new Gauge({ name: `${METRIC_PREFIX}search_streams`, help: 'Search streams in progress.', registers })
  const searchHits = new Counter({ name: `${METRIC_PREFIX}search_hits_total`, help: 'Search hits streamed to clients, by source.',
    labelNames: ['via'], registers })
  const backendUp = new Gauge({ name: `${METRIC_PREFIX}backend_metrics_up`,
    help: '1 when the node answered the last metrics scrape, else 0.', registers })
  const mirror = backendMirror(registry, log)

  return {
    registry,
    contentType: registry.contentType,
    request (route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) })
      duration.observe({ route }, seconds)
    },
    wsClients,
    searches,
    searchHits,
    async render () {
      try {
        mirror(await backend.metrics())
        backendUp.set(1)
      } catch (err) {
        backendUp.set(0)
        log.warn('backend metrics failed', { err: String(err) })
      }
      return await registry.metrics()
    }
  }
}

/** `messages.in` → `peerconnect_messages_in`: only [a-zA-Z0-9_], never a leading digit. */
export function metricName (name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1')
  return METRIC_PREFIX + clean
}

/**
 * Copies the backend's numbers into prom-client metrics, creating each on first sight: a name
 * ending in `_total` is a counter, anything else a gauge; a record becomes one series per key
 * (label `key`). Values that are not finite numbers are skipped; so is a name that clashes.
 */
function backendMirror (registry: Registry, log: Logger): (values: Record<string, MetricValue>) => void {
  const known = new Map<string, Mirrored | null>()
  return (values) => {
    for (const m of known.values()) m?.metric.reset()
    if (typeof values !== 'object' || values === null) return
    for (const [raw, value] of Object.entries(values)) {
      const name = metricName(raw)
      const counter = name.endsWith('_total')
      let metric = known.get(name)
      if (metric === undefined) {
        metric = create(registry, name, counter, log)
        known.set(name, metric)
      }
      if (metric === null) continue
      for (const [key, v] of series(value)) {
        if (!Number.isFinite(v) || (counter && v < 0)) continue
        const labels = key === undefined ? {} : { key }
        if (metric.kind === 'counter') metric.metric.inc(labels, v)
        else metric.metric.set(labels, v)
      }
    }
  }
}

type Mirrored = { kind: 'counter', metric: Counter } | { kind: 'gauge', metric: Gauge }

function create (registry: Registry, name: string, counter: boolean, log: Logger): Mirrored | null {
  if (registry.getSingleMetric(name) !== undefined) {
    log.warn('backend metric name clashes with a server metric; skipped', { name })
    return null
  }
  const def = { name, help: `Reported by the node (${name.slice(METRIC_PREFIX.length)}).`, labelNames: ['key'], registers: [registry] }
  return counter ? { kind: 'counter', metric: new Counter(def) } : { kind: 'gauge', metric: new Gauge(def) }
}

function series (value: unknown): Array<[string | undefined, number]> {
  if (typeof value === 'number') return [[undefined, value]]
  if (typeof value !== 'object' || value === null) return []
  return Object.entries(value).filter((e): e is [string, number] => typeof e[1] === 'number')
}
