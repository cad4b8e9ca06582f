/** The ui-bridge actor's configuration (plain data, sent to its worker as is) and its defaults. */
import { CHECK_CONCURRENCY, CHECK_INTERVAL, DEFAULT_HOST, DEFAULT_PORT, MAX_CHECKS, NAME_TIMEOUT, STALE_AFTER } from './constants.js'

export interface UiBridgeInit {
  /** This node's name, shown on the page and in /api/status. */
  readonly name: string
  /** Default 127.0.0.1; any non-loopback host needs `token`. */
  readonly host?: string
  /** Default 0: a free port (`ui.info` / `ui.ready` tell the real one). */
  readonly port?: number
  /** Bearer token for /api, /metrics and the events socket. */
  readonly token?: string
  /** How often the routing table is re-read and quiet peers are checked (default 10 s). */
  readonly checkInterval?: number
  /** A peer neither seen nor checked for this long gets a liveness check (default 20 s). */
  readonly staleAfter?: number
  /** Liveness checks per sweep at most (default 32). */
  readonly maxChecks?: number
  /** Time bound of the `pc_record` query for a peer's name (default 3 s). */
  readonly nameTimeout?: number
  /** CPU, memory and event-loop metrics of the actor's thread on /metrics (default true). */
  readonly processMetrics?: boolean
  /** Host names the API answers to besides its bound address and `localhost` (e.g. a reverse proxy's name). */
  readonly allowedHosts?: readonly string[]
}

export interface Settings {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly token: string | undefined
  readonly checkInterval: number
  readonly staleAfter: number
  readonly maxChecks: number
  readonly checkConcurrency: number
  readonly nameTimeout: number
  readonly processMetrics: boolean
  readonly allowedHosts: readonly string[]
}

export function settingsOf (init: UiBridgeInit): Settings {
  return {
    name: typeof init.name === 'string' ? init.name : '',
    host: init.host ?? DEFAULT_HOST,
    port: init.port ?? DEFAULT_PORT,
    token: init.token,
    checkInterval: positive(init.checkInterval, CHECK_INTERVAL),
    staleAfter: positive(init.staleAfter, STALE_AFTER),
    maxChecks: positive(init.maxChecks, MAX_CHECKS),
    checkConcurrency: CHECK_CONCURRENCY,
    nameTimeout: positive(init.nameTimeout, NAME_TIMEOUT),
    processMetrics: init.processMetrics !== false,
    allowedHosts: Array.isArray(init.allowedHosts) ? init.allowedHosts.filter((h): h is string => typeof h === 'string') : []
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function positive (x: number | undefined, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : fallback
}
