/**
 * What the gossip handlers share during one run of the actor: settings, deps, the peer view, the
 * seen-cache, counters, the line of forwards waiting for a slot, the searches started here, and
 * what is known about this node (its address, its name).
 */
import { Subject } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Address, GossipCounters, Message, PeerRecord } from '@peerconnect/protocol'
import type { ActorDeps, Logger } from '@peerconnect/runtime'
import { createPeerView } from './view.js'
import type { PeerView } from './view.js'
import { createSeenCache } from './seen-cache.js'
import type { SeenCache } from './seen-cache.js'
import type { SpreadRumor } from './rumor.js'
import type { Target } from './targets.js'
import { createOriginBudget } from './origin-budget.js'
import type { OriginBudget } from './origin-budget.js'
import { HIT_WINDOW, HITS_PER_ORIGIN, ORIGINS_KEPT } from './constants.js'
import { settingsOf } from './init.js'
import type { GossipInit, Settings } from './init.js'

/** Counters kept as they happen; seenSize, viewSize and inFlight are read when asked. */
export type Counts = Omit<GossipCounters, 'seenSize' | 'viewSize' | 'inFlight'>

/** One pc_gossip query waiting for (or holding) a slot. */
export interface SendTask {
  /** The rumor as this node got it (hops, depth and path are set per target when sent). */
  readonly rumor: SpreadRumor
  readonly target: Target
  /** Local time of first receipt (or of publishing): the rumor's local age counts from here. */
  readonly receivedAt: number
  /** Contacts this forward must not reach (sender, origin, path, peers already chosen or tried). */
  readonly excluded: Set<string>
  readonly prefixes: ReadonlySet<number>
  /** Set by the search that owns the rumor when it ends: nothing more is sent for it. */
  readonly stop?: Observable<unknown>
  readonly stopped?: () => boolean
  /** This target was already sent the rumor a second time after a failure. */
  readonly resent?: boolean
}

/** A search started here, waiting for hits. */
export interface ActiveSearch {
  readonly cid: number | undefined
  readonly query: string
  /** Record ids (as keys) already streamed. */
  readonly hits: Set<string>
  readonly found$: Subject<Message>
  stopped: boolean
}

export interface GossipContext {
  readonly s: Settings
  readonly deps: ActorDeps
  readonly log: Logger
  readonly view: PeerView
  readonly seen: SeenCache
  /** Searches (search id + origin address) this node already answered. */
  readonly answered: SeenCache
  /** Hits this node may still send per origin IP. */
  readonly hitBudget: OriginBudget
  readonly counts: Counts
  readonly sends$: Subject<SendTask>
  /** Active searches by search id key. */
  readonly searches: Map<string, ActiveSearch>
  /** pc_gossip queries in flight now. */
  inFlight: number
  /** This node's address (the one the transport advertises), once transport.info answered, and when it did. */
  address: Address | undefined
  addressAt: number
  /** This node's name, from init or from the first lists.self answer. */
  name: string | undefined
  /** Our record signed here (when no lists actor answers lists.self), kept for the run. */
  signed: PeerRecord | undefined
}

export type Handler = (msg: Message, ctx: GossipContext) => Observable<Message>

/** Throws InvalidInitError for an init without a usable id. */
export function createContext (init: GossipInit, deps: ActorDeps): GossipContext {
  const s = settingsOf(init)
  return {
    s,
    deps,
    log: deps.log,
    view: createPeerView(s.id),
    seen: createSeenCache({ ttl: s.seenTtl, max: s.seenMax }),
    answered: createSeenCache({ ttl: s.seenTtl, max: s.seenMax }),
    hitBudget: createOriginBudget({ max: HITS_PER_ORIGIN, window: HIT_WINDOW, size: ORIGINS_KEPT }),
    counts: {
      received: 0,
      duplicates: 0,
      forwarded: 0,
      failed: 0,
      dropped: 0,
      malformed: 0,
      notesPublished: 0,
      notesDelivered: 0,
      searches: 0,
      hitsSent: 0,
      hitsReceived: 0
    },
    sends$: new Subject(),
    searches: new Map(),
    inFlight: 0,
    address: undefined,
    addressAt: 0,
    name: s.name,
    signed: undefined
  }
}

/** `n` bytes from deps.random (rumor and search ids need only be unique, not secret). */
export function randomBytes (n: number, random: () => number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256) & 255
  return out
}
