/** What the handlers, the announcer, the handoff and the directory share inside one running actor. */
import type { PeerRecord } from '@peerconnect/protocol'
import type { ActorDeps, Logger } from '@peerconnect/runtime'
import type { Buckets } from './buckets.js'
import type { Counts } from './counters.js'
import type { Settings } from './init.js'
import type { Store } from './store.js'
import type { TokenCache } from './token-cache.js'
import type { Tokens } from './tokens.js'

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
  now (): number
}

export interface SelfState {
  name: string
  record: PeerRecord | undefined
  /** The last sequence used (survives restarts through the snapshot). */
  seq: number
}
