/** What holding, the directory and the search share inside one running actor. */
import { isObj } from '@peerconnect/protocol'
import type { PeerRecord } from '@peerconnect/protocol'
import { randomSecret, simulationRandom } from '@peerconnect/runtime'
import type { ActorDeps, Logger } from '@peerconnect/runtime'
import { createCounts } from './counters.js'
import type { Counts } from './counters.js'
import type { ListsInit, Settings } from './init.js'
import { createBuckets } from './holding/buckets.js'
import type { Buckets } from './holding/buckets.js'
import { createStore } from './holding/store.js'
import type { Store } from './holding/store.js'
import { createTokenCache } from './holding/token-cache.js'
import type { TokenCache } from './holding/token-cache.js'
import { createTokens } from './holding/tokens.js'
import type { Tokens } from './holding/tokens.js'
import { HANDOFF_VERIFY_BURST, MAX_HANDOFF_SOURCES, MAX_PEER_TOKENS, TOKEN_BYTES } from './constants.js'

export interface Context {
  readonly settings: Settings
  readonly deps: ActorDeps
  readonly log: Logger
  readonly store: Store
  /** Our tokens: issued to others, checked on their queries. */
  readonly tokens: Tokens
  /** Others' tokens: shown on our queries to them. */
  readonly peerTokens: TokenCache
  /** Refused records and queries, by error code. */
  readonly rejected: Counts
  /** Queries sent, by method (and crawler lookups as `lookup`). */
  readonly sent: Counts
  /** Per sender network: how many handed-over records it may still have verified (pc_handoff). */
  readonly handoffBudget: Buckets
  /** Handed-over records being verified now (bounded by MAX_HANDOFF_VERIFYING). */
  readonly verifying: { count: number }
  /** Our own record and what it was made from; the announcer keeps it current. */
  readonly self: SelfState
  now(): number
}

export interface SelfState {
  name: string
  record: PeerRecord | undefined
  /** The last sequence used (survives restarts through the snapshot). */
  seq: number
}

/** A fresh context for one incarnation of the actor: empty store and counters, our name and sequence from the snapshot if any. */
export function createContext (init: ListsInit, settings: Settings, deps: ActorDeps): Context {
  const snap = isObj(deps.snapshot) ? deps.snapshot : {}
  return {
    settings,
    deps,
    log: deps.log.child('lists'),
    store: createStore({ ttl: settings.recordTtl, maxPerList: settings.maxPerList, maxPerIp: settings.maxPerIp,
      ipMode: settings.ipLimits.mode }),
    tokens: createTokens({ rotate: settings.tokenRotate, bytes: TOKEN_BYTES, ...seededSecret(deps) }),
    peerTokens: createTokenCache({ maxAge: settings.tokenRotate, max: MAX_PEER_TOKENS }),
    rejected: createCounts(),
    sent: createCounts(),
    handoffBudget: createBuckets({ rate: settings.handoffVerifyRate, burst: HANDOFF_VERIFY_BURST, max: MAX_HANDOFF_SOURCES }),
    verifying: { count: 0 },
    self: {
      name: typeof snap.name === 'string' ? snap.name : init.name,
      record: undefined,
      seq: Number.isSafeInteger(snap.seq) ? snap.seq as number : 0
    },
    now: () => deps.clock.now()
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** In a simulation on a virtual clock, token secrets come from the run's seed (reproducible runs); otherwise from node:crypto. */
function seededSecret (deps: ActorDeps): { secret?: () => Uint8Array } {
  const random = simulationRandom(deps)
  return random === undefined ? {} : { secret: () => randomSecret(random) }
}
