/**
 * What the routing handlers share during one run of the actor: the table, the injected deps,
 * the resolved options, the buckets with a liveness check in flight, and a change signal that
 * drives snapshots, saving and the published view.
 */
import { Subject } from 'rxjs'
import type { Observable } from 'rxjs'
import { ipLimitsOf } from '@peerconnect/protocol'
import type { IpLimitsMode, Message, NodeId } from '@peerconnect/protocol'
import type { ActorDeps, Logger } from '@peerconnect/runtime'
import { randomSecret, simulationRandom } from '@peerconnect/runtime'
import { RoutingTable } from './table.js'
import { PeerStore } from './peer-store.js'
import type { PeerStoreOptions } from './peer-store.js'
import { createPeerTokens } from './peer-tokens.js'
import type { PeerTokens } from './peer-tokens.js'
import { CHECK_ASK_TIMEOUT, FAIL_AFTER_TIMEOUTS, GOOD_WINDOW, K, REFRESH_AFTER, REFRESH_CHECK_INTERVAL, SAVE_INTERVAL, SELF_LOOKUP_EVERY,
  SELF_LOOKUP_FIRST, SNAPSHOT_DELAY, VIEW_HEARTBEAT, VIEW_INTERVAL } from './constants.js'

/** The routing actor's configuration (plain data: it is sent to the worker as is). */
export interface RoutingInit {
  /** Our node id (20 bytes). */
  readonly id: NodeId
  /** Where `routing.json` is kept; without it nothing is saved. */
  readonly dataDir?: string
  /** Contacts per bucket (default 20). */
  readonly k?: number
  /** ms a contact stays good after it was seen (default 15 min). */
  readonly goodWindow?: number
  /** ms without activity before a bucket is refreshed (default 15 min). */
  readonly refreshAfter?: number
  /** ms between staleness checks of the buckets (default 1 min). */
  readonly refreshInterval?: number
  /** ms from the start to the first lookup of our own id; each next gap doubles (default 1 min; 0: no self-lookups). */
  readonly selfLookupFirst?: number
  /** Longest gap between two lookups of our own id (default 15 min). */
  readonly selfLookupEvery?: number
  /** ms between saves of a changed table (default 3 min). */
  readonly saveInterval?: number
  /** ms from a change to the snapshot that includes it; at most one snapshot per this time (default 5 s). */
  readonly snapshotDelay?: number
  /** ms the liveness check of a full bucket's oldest contact may take (default 15 s). */
  readonly checkTimeout?: number
  /** Timeouts in a row (transport.failed) after which a contact is bad, i.e. stops being good (default FAIL_AFTER_TIMEOUTS, 2). */
  readonly failAfterTimeouts?: number
  /**
   * ms between views (routing.view) while contacts keep being added, removed or failed (default 20 ms; the first change
   * after a quiet spell goes out at once).
   */
  readonly viewInterval?: number
  /** ms between views when nothing changes (default 5 s); 0 publishes no view (the transport then asks routing for every find_node). */
  readonly viewHeartbeat?: number
  /** BEP 5 peers announced to us (get_peers / announce_peer): the store's bounds, and ms between token secret changes (default 5 min). */
  readonly peers?: PeerStoreOptions & { readonly tokenRotate?: number }
  /**
   * Contacts per IPv4 /24 (IPv6 /64): `bucket` (default 2) per bucket, `table` (default 10) in the
   * table. `mode` 'default' exempts loopback and private ranges, 'strict' counts them too, 'off' has no limits.
   */
  readonly ipLimits?: { readonly mode?: IpLimitsMode, readonly bucket?: number, readonly table?: number }
}

export interface RoutingOptions {
  readonly dataDir: string | undefined
  readonly refreshAfter: number
  readonly refreshInterval: number
  readonly selfLookupFirst: number
  readonly selfLookupEvery: number
  readonly saveInterval: number
  readonly snapshotDelay: number
  readonly checkTimeout: number
  readonly failAfterTimeouts: number
  readonly viewInterval: number
  readonly viewHeartbeat: number
}

export interface RoutingContext {
  readonly table: RoutingTable
  readonly deps: ActorDeps
  readonly log: Logger
  readonly opts: RoutingOptions
  /** Buckets whose oldest contact is being checked (at most one check per bucket). */
  readonly checking: Set<number>
  /**
   * Addresses (`host:port`) we pinged because they queried us, and when: an answer within PING_BACK_WINDOW admits them
   * as inbound; no second ping before then.
   */
  readonly pingedBack: Map<string, number>
  /** Pings back in flight. */
  pingsBack: number
  /** Saved contacts re-pinged but not yet seen again, by hex id: kept in the next save. */
  readonly pending: Map<string, { id: NodeId, host: string, port: number }>
  /** Fires after every change to the table. */
  readonly changes$: Subject<void>
  /** Fires when what a find_node answer may name changed: a contact added, removed, failed, or good again. */
  readonly answers$: Subject<void>
  /** BEP 5: peers announced to us per info-hash, and the write tokens get_peers hands out (get-peers.ts). */
  readonly peers: { readonly store: PeerStore, readonly tokens: PeerTokens }
  /** Whether the table changed since the last save. */
  dirty: boolean
}

export type Handler = (msg: Message, ctx: RoutingContext) => Observable<Message>

export function createContext (init: RoutingInit, deps: ActorDeps): RoutingContext {
  const table = new RoutingTable(init.id, { k: init.k ?? K, goodWindow: init.goodWindow ?? GOOD_WINDOW, createdAt: deps.clock.now(),
    ipLimits: ipLimitsOf(init.ipLimits) })
  return {
    table,
    deps,
    log: deps.log,
    opts: {
      dataDir: init.dataDir,
      refreshAfter: init.refreshAfter ?? REFRESH_AFTER,
      refreshInterval: init.refreshInterval ?? REFRESH_CHECK_INTERVAL,
      selfLookupFirst: init.selfLookupFirst ?? SELF_LOOKUP_FIRST,
      selfLookupEvery: init.selfLookupEvery ?? SELF_LOOKUP_EVERY,
      saveInterval: init.saveInterval ?? SAVE_INTERVAL,
      snapshotDelay: init.snapshotDelay ?? SNAPSHOT_DELAY,
      checkTimeout: init.checkTimeout ?? CHECK_ASK_TIMEOUT,
      failAfterTimeouts: Math.max(1, init.failAfterTimeouts ?? FAIL_AFTER_TIMEOUTS),
      viewInterval: Math.max(0, init.viewInterval ?? VIEW_INTERVAL),
      viewHeartbeat: Math.max(0, init.viewHeartbeat ?? VIEW_HEARTBEAT)
    },
    checking: new Set(),
    pingedBack: new Map(),
    pingsBack: 0,
    pending: new Map(),
    changes$: new Subject(),
    answers$: new Subject(),
    peers: { store: new PeerStore(init.peers), tokens: createPeerTokens({ rotate: init.peers?.tokenRotate, ...seededSecret(deps) }) },
    dirty: false
  }
}

/** Records a change: the table will be saved and snapshotted; `answers`: find_node answers may differ too (a new view goes out). */
export function changed (ctx: RoutingContext, opts: { answers?: boolean } = {}): void {
  ctx.dirty = true
  ctx.changes$.next()
  if (opts.answers === true) ctx.answers$.next()
}

/** Records a change that only find_node answers see (a contact failed): a new view goes out. */
export function answersChanged (ctx: RoutingContext): void {
  ctx.answers$.next()
}

/** In a simulation on a virtual clock, token secrets come from the run's seed (reproducible runs); otherwise from node:crypto. */
function seededSecret (deps: ActorDeps): { secret?: () => Uint8Array } {
  const random = simulationRandom(deps)
  return random === undefined ? {} : { secret: () => randomSecret(random) }
}
