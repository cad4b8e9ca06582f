/**
 * The peers announced to us with BEP 5's `announce_peer`, per info-hash, for `get_peers` to hand
 * out: addresses only, no torrent logic. Everything is bounded: an entry expires `maxAge` after its
 * last announce; an info-hash holds at most `maxPerHash` peers (a new one pushes out the oldest);
 * one IP holds at most `maxPerIpPerHash` peers of an info-hash and `maxPerIp` in all (a new one
 * pushes out that IP's own oldest, so an IP can only ever displace itself); and at most `maxHashes`
 * info-hashes and `maxPeers` peers are held (past that, a new info-hash is refused). Expired entries
 * go when their info-hash is read or written, and in a sweep of the whole store at most once per
 * `sweepInterval`, so nothing needs a timer.
 */
import { idToHex, normalizeHost } from '@peerconnect/protocol'
import type { Address, NodeId } from '@peerconnect/protocol'

export interface PeerStoreOptions {
  /** ms a peer stays after its last announce (default 30 min). */
  readonly maxAge?: number
  /** Peers per info-hash (default 100). */
  readonly maxPerHash?: number
  /** Info-hashes held (default 2000). */
  readonly maxHashes?: number
  /** Peers in all (default 20 000). */
  readonly maxPeers?: number
  /** Peers one IP may hold in one info-hash (default 4: a few clients behind one NAT). */
  readonly maxPerIpPerHash?: number
  /** Peers one IP may hold in all (default 64). */
  readonly maxPerIp?: number
  /** ms between sweeps of expired entries (default 1 min). */
  readonly sweepInterval?: number
}

/** What `add` did: stored a new peer, refreshed one already held, or refused (the store is full of other info-hashes). */
export type AddOutcome = 'stored' | 'refreshed' | 'full'

export interface PeerStoreStats {
  hashes: number
  peers: number
  ips: number
}

export const PEER_STORE_DEFAULTS: Required<PeerStoreOptions> = {
  maxAge: 30 * 60_000,
  maxPerHash: 100,
  maxHashes: 2000,
  maxPeers: 20_000,
  maxPerIpPerHash: 4,
  maxPerIp: 64,
  sweepInterval: 60_000
}

interface Entry {
  readonly ip: string
  readonly port: number
  readonly hash: string
  at: number
}

export class PeerStore {
  private readonly opts: Required<PeerStoreOptions>
  /** info-hash hex → `ip|port` → entry, oldest announce first (a refresh moves an entry to the end). */
  private readonly hashes = new Map<string, Map<string, Entry>>()
  /** ip → its entries in all info-hashes, oldest announce first. */
  private readonly byIp = new Map<string, Set<Entry>>()
  private peers = 0
  private lastSweep = -Infinity

  constructor (opts: PeerStoreOptions = {}) {
    const given = Object.fromEntries(
      Object.entries(opts).filter(([k, v]) => Object.hasOwn(PEER_STORE_DEFAULTS, k) && typeof v === 'number' && v > 0)
    )
    this.opts = { ...PEER_STORE_DEFAULTS, ...given }
  }

  /**
   * Records that `host:port` has `infoHash` at `now`. A host that is not an IP literal, or a bad port, is not stored
   * ('full'); never throws.
   */
  add (infoHash: NodeId, host: string, port: number, now: number): AddOutcome {
    this.maybeSweep(now)
    const ip = normalizeHost(host)
    if (ip === undefined || !(Number.isInteger(port) && port >= 1 && port <= 65535)) return 'full'
    const hash = idToHex(infoHash)
    let peers = this.hashes.get(hash)
    if (peers !== undefined) this.prune(hash, peers, now)
    peers = this.hashes.get(hash)
    const key = `${ip}|${port}`
    const known = peers?.get(key)
    if (known !== undefined) {
      known.at = now
      peers!.delete(key)
      peers!.set(key, known)
      const mine = this.byIp.get(ip)!
      mine.delete(known)
      mine.add(known)
      return 'refreshed'
    }
    if (peers === undefined) {
      if (this.hashes.size >= this.opts.maxHashes) return 'full'
      peers = new Map()
      this.hashes.set(hash, peers)
    }
    // An IP over its bounds displaces its own oldest entry (in this info-hash, then anywhere).
    const mine = this.byIp.get(ip)
    if (mine !== undefined) {
      let inHash = 0
      for (const e of peers.values()) if (e.ip === ip) inHash++
      if (inHash >= this.opts.maxPerIpPerHash) this.remove(firstOf(peers, e => e.ip === ip)!)
      if (mine.size >= this.opts.maxPerIp) this.remove(mine.values().next().value!)
    }
    if (peers.size >= this.opts.maxPerHash) this.remove(peers.values().next().value!)
    if (this.peers >= this.opts.maxPeers) {
      if (peers.size === 0) this.hashes.delete(hash)
      return 'full'
    }
    const entry: Entry = { ip, port, hash, at: now }
    peers.set(key, entry)
    if (!this.hashes.has(hash)) this.hashes.set(hash, peers)
    let set = this.byIp.get(ip)
    if (set === undefined) this.byIp.set(ip, set = new Set())
    set.add(entry)
    this.peers++
    return 'stored'
  }

  /** The peers held for `infoHash`, most recently announced first (expired ones dropped). */
  get (infoHash: NodeId, now: number): Address[] {
    this.maybeSweep(now)
    const hash = idToHex(infoHash)
    const peers = this.hashes.get(hash)
    if (peers === undefined) return []
    this.prune(hash, peers, now)
    const out: Address[] = []
    for (const e of peers.values()) out.push({ host: e.ip, port: e.port })
    return out.reverse()
  }

  stats (): PeerStoreStats {
    return { hashes: this.hashes.size, peers: this.peers, ips: this.byIp.size }
  }

  /** Drops every expired entry (called by add and get at most once per sweepInterval). */
  sweep (now: number): void {
    this.lastSweep = now
    for (const [hash, peers] of this.hashes) this.prune(hash, peers, now)
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────

  private maybeSweep (now: number): void {
    if (now - this.lastSweep >= this.opts.sweepInterval) this.sweep(now)
  }

  /** Drops the expired entries of one info-hash (oldest first: stops at the first live one). */
  private prune (hash: string, peers: Map<string, Entry>, now: number): void {
    for (const e of peers.values()) {
      if (now - e.at < this.opts.maxAge) break
      this.remove(e)
    }
    if (peers.size === 0) this.hashes.delete(hash)
  }

  private remove (e: Entry): void {
    const peers = this.hashes.get(e.hash)
    if (peers?.delete(`${e.ip}|${e.port}`) !== true) return
    if (peers.size === 0) this.hashes.delete(e.hash)
    this.peers--
    const mine = this.byIp.get(e.ip)
    mine?.delete(e)
    if (mine?.size === 0) this.byIp.delete(e.ip)
  }
}

function firstOf<T> (items: Map<string, T>, pick: (x: T) => boolean): T | undefined {
  for (const x of items.values()) if (pick(x)) return x
  return undefined
}
