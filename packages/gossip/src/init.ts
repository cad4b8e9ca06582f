/** Configuration of the gossip actor (plain data: it is sent to a worker as is), and its defaults. */
import { isNodeId } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { DEFAULT_AGE_LIMITS } from './forward.js'
import type { AgeLimits } from './forward.js'
import { FANOUT, FORWARD_TIMEOUT, MAX_IN_FLIGHT, MAX_QUEUED, RETRIES, SEARCH_TIMEOUT, SEEN_MAX, SEEN_TTL } from './constants.js'
import { InvalidInitError } from './errors.js'

export interface GossipInit {
  /** Our node id (20 bytes). Default: `identity.id`; one of the two is needed. */
  readonly id?: Uint8Array
  /** Our key pair, to sign our own record when no lists actor answers `lists.self`. */
  readonly identity?: { readonly id: Uint8Array, readonly publicKey: Uint8Array, readonly privateKey: Uint8Array }
  /** Our name, matched against gossip searches. Default: the name in `lists.self`'s record. */
  readonly name?: string
  /** Peers per forward. Default FANOUT (3). */
  readonly fanout?: number
  /** ms a rumor id stays in the seen-cache. Default SEEN_TTL (1 min). */
  readonly seenTtl?: number
  /** Most rumor ids in the seen-cache. Default SEEN_MAX (10,000). */
  readonly seenMax?: number
  /** ms a search lasts unless asked otherwise. Default SEARCH_TIMEOUT (3 s). */
  readonly searchTimeout?: number
  /** `timeout` of each pc_gossip query. Default FORWARD_TIMEOUT (2 s). */
  readonly forwardTimeout?: number
  /** Replacement peers tried after a failed forward. Default RETRIES (2). */
  readonly retries?: number
  /** pc_gossip queries in flight at once. Default MAX_IN_FLIGHT (64). */
  readonly maxInFlight?: number
  /** Forwards waiting for a slot at most; beyond, the oldest is shed. Default MAX_QUEUED (1,024). */
  readonly maxQueued?: number
  /** Youth and end of a rumor's forwarding (hops and local ms). Defaults in constants.ts. */
  readonly ages?: Partial<AgeLimits>
}

export interface Settings {
  readonly id: NodeId
  readonly identity: GossipInit['identity']
  readonly name: string | undefined
  readonly fanout: number
  readonly seenTtl: number
  readonly seenMax: number
  readonly searchTimeout: number
  readonly forwardTimeout: number
  readonly retries: number
  readonly maxInFlight: number
  readonly maxQueued: number
  readonly ages: AgeLimits
}

/** The init with defaults filled in. Throws InvalidInitError (ERR_INVALID_INIT) without a usable id. */
export function settingsOf (init: GossipInit): Settings {
  const id = init.id ?? init.identity?.id
  if (!isNodeId(id)) throw new InvalidInitError('gossip needs id (20 bytes) or identity')
  const fanout = init.fanout ?? FANOUT
  if (!(Number.isSafeInteger(fanout) && fanout >= 1)) throw new InvalidInitError(`fanout must be a positive integer, got ${fanout}`)
  const maxInFlight = init.maxInFlight ?? MAX_IN_FLIGHT
  if (!(Number.isSafeInteger(maxInFlight) && maxInFlight >= 1)) {
    throw new InvalidInitError(`maxInFlight must be a positive integer, got ${maxInFlight}`)
  }
  const maxQueued = init.maxQueued ?? MAX_QUEUED
  if (!(Number.isSafeInteger(maxQueued) && maxQueued >= 1)) {
    throw new InvalidInitError(`maxQueued must be a positive integer, got ${maxQueued}`)
  }
  return {
    id,
    identity: init.identity,
    name: init.name,
    fanout,
    seenTtl: init.seenTtl ?? SEEN_TTL,
    seenMax: init.seenMax ?? SEEN_MAX,
    searchTimeout: init.searchTimeout ?? SEARCH_TIMEOUT,
    forwardTimeout: init.forwardTimeout ?? FORWARD_TIMEOUT,
    retries: init.retries ?? RETRIES,
    maxInFlight,
    maxQueued,
    ages: { ...DEFAULT_AGE_LIMITS, ...init.ages }
  }
}
