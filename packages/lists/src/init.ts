/** Configuration of the lists actor (plain data: it is sent to a worker as is), and its defaults. */
import { idFromPublicKey, idsEqual, ipLimitsOf, isNodeId } from '@peerconnect/protocol'
import type { Address, IpLimits, IpLimitsMode, NodeId } from '@peerconnect/protocol'
import { ANNOUNCE_INTERVAL, CACHE_TTL, HANDOFF_VERIFY_RATE, LOOKUP_EVERY, MAX_PER_HANDOFF, MAX_PER_IP, MAX_PER_LIST, POOL_THRESHOLD,
  QUERY_TIMEOUT, R, READ_HOLDERS, TOKEN_ROTATE } from './constants.js'
import { InvalidInitError } from './errors.js'
import { searchSettingsOf } from './search/init.js'
import type { SearchInit, SearchSettings } from './search/init.js'

export interface ListsInit {
  /** This node's key pair: raw 32-byte public key, PKCS#8 DER private key, id = SHA-1(public key). */
  readonly identity: { readonly id: Uint8Array, readonly publicKey: Uint8Array, readonly privateKey: Uint8Array }
  /** The name in this node's record (at most 64 bytes of UTF-8). */
  readonly name: string
  /** ms between announces of our record. Default ANNOUNCE_INTERVAL (10 s). */
  readonly announceInterval?: number
  /** ms a held record lives after its last announce. Default 3 announce intervals. */
  readonly recordTtl?: number
  /** Holders we announce to. Default R (8). */
  readonly r?: number
  /** Most records held per list. Default MAX_PER_LIST (1,024). */
  readonly maxPerList?: number
  /** Most records held per list announced from one network, a /24 or /64 (loopback exempt). Default MAX_PER_IP (16). */
  readonly maxPerIp?: number
  /**
   * Most records held per list that came by handoff from one network of senders (/24, /64; loopback exempt). Default
   * MAX_PER_HANDOFF (128).
   */
  readonly maxPerHandoff?: number
  /** Handed-over records one sender network may have verified per second (burst: 512). Default 64. */
  readonly handoffVerifyRate?: number
  /** Announce our own record (default true); false makes a node that only holds and reads. */
  readonly announce?: boolean
  /** The address put in our record; default: the transport's bound UDP address. */
  readonly address?: Address
  /** Look our holders up again every this many announces (sooner when one stops answering). Default 6. */
  readonly lookupEvery?: number
  /** ms a directory list read from the network is reused. Default min(5 s, half an announce interval). */
  readonly cacheTtl?: number
  /** Holders of each list read and merged by the directory walk. Default 3. */
  readonly readHolders?: number
  /** ms a pc_* query may take. Default 2 s. */
  readonly queryTimeout?: number
  /** ms between token secret changes. Default 5 min. */
  readonly tokenRotate?: number
  /** More records than this are verified on the compute pool. Default 4. */
  readonly poolThreshold?: number
  /** Keyword search (search.query, pc_search): time bound, caches, holders asked… (see search/init.ts). */
  readonly search?: SearchInit
  /**
   * Holders announced to and read from: at most `bucket` (2) per IPv4 /24 (IPv6 /64); `mode` 'default' exempts loopback
   * and private ranges, 'strict' does not. The routing table's `ipLimits`.
   */
  readonly ipLimits?: { readonly mode?: IpLimitsMode, readonly bucket?: number, readonly table?: number }
}

export interface Settings {
  readonly id: NodeId
  readonly identity: ListsInit['identity']
  readonly announceInterval: number
  readonly recordTtl: number
  readonly r: number
  readonly maxPerList: number
  readonly maxPerIp: number
  readonly maxPerHandoff: number
  readonly handoffVerifyRate: number
  readonly announce: boolean
  readonly address: Address | undefined
  readonly lookupEvery: number
  readonly cacheTtl: number
  readonly readHolders: number
  readonly queryTimeout: number
  readonly tokenRotate: number
  readonly poolThreshold: number
  readonly search: SearchSettings
  readonly ipLimits: IpLimits
}

/** The settings of `init` with defaults filled in. Throws InvalidInitError for an identity whose id is not SHA-1 of its key. */
export function settingsOf (init: ListsInit): Settings {
  const { identity } = init
  if (!isNodeId(identity?.id) || !(identity.publicKey instanceof Uint8Array) ||
    !idsEqual(identity.id, idFromPublicKey(identity.publicKey))) {
    throw new InvalidInitError('identity.id must be SHA-1 of identity.publicKey')
  }
  const announceInterval = positive(init.announceInterval, ANNOUNCE_INTERVAL)
  const base = {
    id: identity.id,
    identity,
    announceInterval,
    recordTtl: positive(init.recordTtl, 3 * announceInterval),
    r: positive(init.r, R),
    maxPerList: positive(init.maxPerList, MAX_PER_LIST),
    maxPerIp: positive(init.maxPerIp, MAX_PER_IP),
    maxPerHandoff: positive(init.maxPerHandoff, MAX_PER_HANDOFF),
    handoffVerifyRate: positive(init.handoffVerifyRate, HANDOFF_VERIFY_RATE),
    announce: init.announce ?? true,
    address: init.address,
    lookupEvery: positive(init.lookupEvery, LOOKUP_EVERY),
    cacheTtl: init.cacheTtl !== undefined && init.cacheTtl >= 0 ? init.cacheTtl : Math.min(CACHE_TTL, announceInterval / 2),
    readHolders: positive(init.readHolders, READ_HOLDERS),
    queryTimeout: positive(init.queryTimeout, QUERY_TIMEOUT),
    tokenRotate: positive(init.tokenRotate, TOKEN_ROTATE),
    poolThreshold: init.poolThreshold !== undefined && init.poolThreshold >= 0 ? init.poolThreshold : POOL_THRESHOLD,
    ipLimits: ipLimitsOf(init.ipLimits)
  }
  return { ...base, search: searchSettingsOf(init.search, base) }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function positive (x: number | undefined, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : fallback
}
