/**
 * The routing table: k-buckets over `k-bucket` (behind the adapter in buckets.ts), with no I/O. It validates every contact before
 * k-bucket sees it, and it never evicts by itself: a full bucket is *reported* (with its oldest
 * contact and the candidate) and the caller decides, after a liveness check, to evict or not.
 *
 * Buckets are numbered by the length of the prefix their contacts share with our id (0 = the far
 * half of the id space). The bucket that holds our own id covers every longer prefix.
 */
import { isIP } from 'node:net'
import { commonPrefixLength, DEFAULT_IP_LIMITS, idsEqual, isNodeId, isNum, isPort, ID_LENGTH, selectClosest,
  subnetOf } from '@peerconnect/protocol'
import type { Contact, IpLimits, NodeId, SelectOptions, ViewContactData } from '@peerconnect/protocol'
import { Buckets } from './buckets.js'
import { FAIL_AFTER_TIMEOUTS, GOOD_WINDOW, K } from './constants.js'

export type AddResult =
  | { kind: 'added', contact: Contact }
  | { kind: 'updated', contact: Contact }
  /** The bucket is full: nothing changed. The caller may check `oldest` and then evict it. */
  | { kind: 'full', bucket: number, oldest: Contact, candidate: Contact }
  /** The id is known at another address and that contact is still good: kept as it was. */
  | { kind: 'conflict', contact: Contact }
  | { kind: 'invalid', reason: string }
  /** Refused to keep the table diverse: too many of its subnet in the bucket or the table. */
  | { kind: 'limited', reason: string }
  /**
   * A contact we found took the place of `removed`, one that only queried us, in a full bucket holding fewer than k/2
   * contacts we found.
   */
  | { kind: 'replaced', contact: Contact, removed: Contact }

/**
 * How a contact came to us: `found` answered a query we sent on our own (a lookup, a bootstrap); `inbound` answered the
 * ping we sent because it queried us.
 */
export interface AddOptions {
  readonly inbound?: boolean
  /**
   * The contact's id is the caller's to hand over (a `transport.seen`'s, which no one writes to):
   * the table keeps it instead of a copy, so the transport's books and the table share one.
   */
  readonly ownId?: boolean
}

export interface TableOptions {
  /** Contacts per bucket (default 20). */
  readonly k?: number
  /** ms a contact stays good after it was last seen (default 15 minutes). */
  readonly goodWindow?: number
  /** When the table was made (ms): buckets never touched count as touched then (default 0). */
  readonly createdAt?: number
  /** Contacts per IPv4 /24 (IPv6 /64) in a bucket and in the table (default 2 and 10, loopback and private ranges exempt). */
  readonly ipLimits?: IpLimits
}

export interface ClosestOptions {
  /** Only good contacts (seen within the good window before this time, not failed). */
  readonly goodAt?: number
  /** Leave this id out (e.g. the querier). */
  readonly exclude?: NodeId
  /** With `goodAt`: when fewer than n are good, fill up with the closest others that have not failed. */
  readonly topUp?: boolean
  /** Leave out contacts known to speak BEP 5 only (`pc: false`): for `pc_*` queries. */
  readonly pc?: boolean
}

/**
 * BEP 5's states of a contact: good — seen (an answer, or a query after it answered; see
 * docs/ARCHITECTURE.md) within the good window and not failed; questionable — not failed, but idle
 * longer than that; bad — failed: `failAfter` queries it is known to answer went unanswered in a
 * row, or a liveness check failed. A sighting makes any of them good again.
 */
export type ContactState = 'good' | 'questionable' | 'bad'

export class RoutingTable {
  readonly self: NodeId
  readonly k: number
  private readonly goodWindow: number
  private readonly createdAt: number
  private readonly buckets: Buckets<Entry>
  private readonly touched = new Map<number, number>()
  private readonly ipLimits: IpLimits
  /** Contacts per subnet in the table (exempt addresses not counted). */
  private readonly subnets = new Map<string, number>()
  private failedCount = 0

  constructor (self: NodeId, opts: TableOptions = {}) {
    if (!isNodeId(self)) throw Object.assign(new TypeError('self id must be a 20-byte Uint8Array'), { code: 'ERR_INVALID_ID' })
    this.self = new Uint8Array(self)
    this.k = opts.k ?? K
    this.goodWindow = opts.goodWindow ?? GOOD_WINDOW
    this.createdAt = opts.createdAt ?? 0
    this.ipLimits = opts.ipLimits ?? DEFAULT_IP_LIMITS
    this.buckets = new Buckets<Entry>(this.self, this.k)
  }

  get size (): number {
    return this.buckets.size
  }

  /**
   * Adds a contact or refreshes a known one (moved to the tail: most recently seen). A new one (or a
   * known id at a new address) must pass the subnet limits. We fill the table from our own lookups
   * first: a full bucket holding fewer than k/2 contacts we found gives a newcomer we found the place
   * of its oldest `inbound` contact (one that only queried us) at once; an inbound newcomer never
   * pushes anyone out (the caller drops it on `full`).
   */
  add (contact: Contact, opts: AddOptions = {}): AddResult {
    const reason = invalidReason(contact)
    if (reason !== undefined) return { kind: 'invalid', reason }
    if (idsEqual(contact.id, this.self)) return { kind: 'invalid', reason: 'our own id' }
    const known = this.buckets.get(contact.id)
    if (known !== null && !sameAddress(known.contact, contact) && this.isGood(known, contact.lastSeen)) {
      return { kind: 'conflict', contact: copy(known.contact) }
    }
    const moved = known === null || known.contact.host !== contact.host
    const inbound = opts.inbound === true && (known === null || known.inbound)
    if (moved) {
      const limited = this.limitedReason(contact, known)
      if (limited !== undefined) return { kind: 'limited', reason: limited }
    }
    const own = clean(contact, known?.id ?? (opts.ownId === true ? contact.id : undefined))
    const entry: Entry = { id: own.id, vectorClock: 0, contact: own, failures: 0, timeouts: 0, inbound }
    if (known !== null && entry.contact.rtt === undefined && known.contact.rtt !== undefined) entry.contact.rtt = known.contact.rtt
    if (known !== null && entry.contact.pc === undefined && known.contact.pc !== undefined && sameAddress(known.contact, contact)) {
      entry.contact.pc = known.contact.pc
    }
    if (known !== null && known.failures > 0) this.failedCount--
    const event = this.buckets.add(entry)
    const bucket = this.bucketOf(entry.id)
    if (event.kind === 'full') {
      const out = inbound ? undefined : this.inboundToReplace(bucket)
      if (out !== undefined) {
        const removed = this.remove(out.id)!
        const again = this.add(contact, opts)
        return again.kind === 'added' ? { kind: 'replaced', contact: again.contact, removed } : again
      }
      return { kind: 'full', bucket, oldest: copy(this.oldestIn(bucket, event.head).contact), candidate: copy(entry.contact) }
    }
    if (moved) {
      if (known !== null) this.countSubnet(known.contact.host, -1)
      this.countSubnet(entry.contact.host, 1)
    }
    this.touchBucket(bucket, entry.contact.lastSeen)
    return { kind: event.kind, contact: copy(entry.contact) }
  }

  /**
   * Why `add` would refuse this contact on the subnet limits (undefined: it would not), or 'full' when it is inbound
   * and its bucket is full.
   */
  refusal (contact: Contact, opts: AddOptions = {}): string | undefined {
    if (invalidReason(contact) !== undefined || idsEqual(contact.id, this.self)) return 'invalid'
    const known = this.buckets.get(contact.id)
    const moved = known === null || known.contact.host !== contact.host
    const limited = moved ? this.limitedReason(contact, known) : undefined
    if (limited !== undefined) return limited
    if (opts.inbound === true && known === null && this.fullBucket(this.bucketOf(contact.id))) return 'its bucket is full'
    return undefined
  }

  /** Whether the contact came in as `inbound` (answered only the ping its own query earned) and has not answered a query of ours since. */
  isInbound (id: NodeId): boolean {
    if (!isNodeId(id)) return false
    return this.buckets.get(id)?.inbound === true
  }

  /** Marks a contact seen at `at` (with a new rtt, if measured). Returns it, or null if unknown. */
  touch (id: NodeId, at: number, rtt?: number): Contact | null {
    if (!isNodeId(id)) return null
    const known = this.buckets.get(id)
    if (known === null) return null
    const next: Contact = { ...known.contact, lastSeen: Math.max(at, known.contact.lastSeen) }
    if (rtt !== undefined && isNum(rtt) && rtt >= 0) next.rtt = rtt
    const result = this.add(next, { inbound: known.inbound })
    return result.kind === 'updated' ? result.contact : null
  }

  /** Counts a failed check against a contact: it stops being good until it is seen again. */
  markFailed (id: NodeId): boolean {
    if (!isNodeId(id)) return false
    const known = this.buckets.get(id)
    if (known === null) return false
    if (known.failures === 0) this.failedCount++
    known.failures++
    return true
  }

  /**
   * Counts a query to the contact that timed out. After `failAfter` of them with no sighting in
   * between it is marked failed (see markFailed). Returns true when this timeout failed it.
   */
  markTimeout (id: NodeId, failAfter = FAIL_AFTER_TIMEOUTS): boolean {
    if (!isNodeId(id)) return false
    const known = this.buckets.get(id)
    if (known === null) return false
    known.timeouts++
    if (known.failures > 0 || known.timeouts < failAfter) return false
    return this.markFailed(id)
  }

  /** The contact at `host:port`, if any (a scan of the table). */
  findByAddress (host: string, port: number): Contact | null {
    const e = this.entries().find(x => x.contact.port === port && x.contact.host === host)
    return e === undefined ? null : copy(e.contact)
  }

  remove (id: NodeId): Contact | null {
    if (!isNodeId(id)) return null
    const known = this.buckets.get(id)
    if (known === null) return null
    if (known.failures > 0) this.failedCount--
    this.buckets.remove(id)
    this.countSubnet(known.contact.host, -1)
    return copy(known.contact)
  }

  get (id: NodeId): Contact | null {
    if (!isNodeId(id)) return null
    const known = this.buckets.get(id)
    return known === null ? null : copy(known.contact)
  }

  /**
   * The `n` contacts closest to `target`, nearest first: protocol's `selectClosest` over the
   * contacts grouped by the prefix they share with our id (the one selection `ContactView` makes
   * too), which reads the target's bucket and the nearest others, not the whole table. Not
   * k-bucket's own `closest()`: that one sorts by a float distance that loses precision after
   * 6 bytes.
   */
  closest (target: NodeId, n: number, opts: ClosestOptions = {}): Contact[] {
    const { goodAt, exclude } = opts
    const select: SelectOptions<Entry> = {
      good: goodAt === undefined ? () => true : e => this.isGood(e, goodAt),
      ...(goodAt !== undefined && opts.topUp === true ? { topUp: (e: Entry) => e.failures === 0 } : {}),
      ...(exclude !== undefined ? { exclude } : {}),
      ...(opts.pc === true ? { skip: (e: Entry) => e.contact.pc === false } : {})
    }
    return selectClosest(this.self, this.buckets.byPrefix, target, n, select).map(e => copy(e.contact))
  }

  /** Every contact, in no particular order. */
  all (): Contact[] {
    return this.entries().map(e => copy(e.contact))
  }

  /**
   * Every contact as the table holds it (not a copy), in no particular order: for the actor's
   * snapshot, which would otherwise keep a second copy of each. The table never changes a contact
   * it holds (a refresh stores a new one), so these stay as they were; do not mutate them.
   */
  held (): Contact[] {
    return this.entries().map(e => e.contact)
  }

  /**
   * The contacts a find_node answer may name, for a published view: every contact that has not
   * failed, with the ms it stays good from `now` (0 when merely old).
   */
  viewContacts (now: number): ViewContactData[] {
    const out: ViewContactData[] = []
    for (const e of this.entries()) {
      if (e.failures > 0) continue
      const { id, host, port, lastSeen } = e.contact
      out.push({ id, host, port, goodFor: Math.max(0, this.goodWindow - (now - lastSeen)) })
    }
    return out
  }

  /** Whether the contact is good at time `now`: seen within the good window and not failed since. */
  good (id: NodeId, now: number): boolean {
    if (!isNodeId(id)) return false
    const known = this.buckets.get(id)
    return known !== null && this.isGood(known, now)
  }

  /** The contact's BEP 5 state at time `now` (ContactState), or undefined when it is not in the table. */
  state (id: NodeId, now: number): ContactState | undefined {
    if (!isNodeId(id)) return undefined
    const known = this.buckets.get(id)
    if (known === null) return undefined
    if (known.failures > 0) return 'bad'
    return this.isGood(known, now) ? 'good' : 'questionable'
  }

  /** Contacts per bucket: index = length of the prefix shared with our id. */
  bucketFill (): number[] {
    const fill: number[] = []
    for (const e of this.entries()) {
      const i = commonPrefixLength(e.id, this.self)
      while (fill.length <= i) fill.push(0)
      fill[i]!++
    }
    return fill
  }

  /** The bucket an id falls in: its shared prefix length with us, capped by the depth of our own bucket. */
  bucketOf (id: NodeId): number {
    return this.buckets.bucketOf(id)
  }

  /** Number of buckets: the far buckets along our id's path, plus our own. */
  bucketCount (): number {
    return this.depth() + 1
  }

  /** Notes activity in a bucket (a contact seen, a lookup in its range). */
  touchBucket (bucket: number, at: number): void {
    const prev = this.touched.get(bucket)
    if (prev === undefined || at > prev) this.touched.set(bucket, at)
  }

  /** When a bucket last saw activity. Our own bucket counts activity at every deeper prefix. */
  touchedAt (bucket: number): number {
    const depth = this.depth()
    let at = this.createdAt
    for (const [i, t] of this.touched) {
      if ((i === bucket || (bucket >= depth && i >= depth)) && t > at) at = t
    }
    return at
  }

  /** Buckets untouched since `now - after`. */
  staleBuckets (now: number, after: number): number[] {
    const stale: number[] = []
    for (let i = 0; i < this.bucketCount(); i++) if (now - this.touchedAt(i) >= after) stale.push(i)
    return stale
  }

  /** Why a contact (new, or known at a new host) may not enter: its subnet's share of the bucket or the table. */
  private limitedReason (contact: Contact, known: Entry | null): string | undefined {
    const net = subnetOf(contact.host, this.ipLimits.mode)
    if (net === undefined) return undefined
    const mine = known !== null && subnetOf(known.contact.host, this.ipLimits.mode) === net ? 1 : 0
    if ((this.subnets.get(net) ?? 0) - mine >= this.ipLimits.table) {
      return `more than ${this.ipLimits.table} contacts of ${net} in the table`
    }
    const bucket = this.bucketOf(contact.id)
    let sameNet = 0
    for (const e of this.entries()) {
      if (e !== known && this.bucketOf(e.id) === bucket && subnetOf(e.contact.host, this.ipLimits.mode) === net) sameNet++
    }
    if (sameNet >= this.ipLimits.bucket) return `more than ${this.ipLimits.bucket} contacts of ${net} in bucket ${bucket}`
    return undefined
  }

  /** In a full bucket holding fewer than k/2 contacts we found, its oldest inbound contact; else undefined. */
  private inboundToReplace (bucket: number): Entry | undefined {
    let found = 0
    let oldest: Entry | undefined
    for (const e of this.entries()) {
      if (this.bucketOf(e.id) !== bucket) continue
      if (!e.inbound) found++
      else if (oldest === undefined || e.contact.lastSeen < oldest.contact.lastSeen) oldest = e
    }
    return found < Math.floor(this.k / 2) ? oldest : undefined
  }

  /** Whether the bucket is full and cannot split (it is not our own, or our own is at the depth limit). */
  private fullBucket (bucket: number): boolean {
    let n = 0
    for (const e of this.entries()) if (this.bucketOf(e.id) === bucket) n++
    return n >= this.k && bucket < this.depth()
  }

  private countSubnet (host: string, delta: number): void {
    const net = subnetOf(host, this.ipLimits.mode)
    if (net === undefined) return
    const n = (this.subnets.get(net) ?? 0) + delta
    if (n > 0) this.subnets.set(net, n)
    else this.subnets.delete(net)
  }

  /** The contact a full bucket should have checked: a failed one if any, else the least recently seen. */
  private oldestIn (bucket: number, head: Entry | undefined): Entry {
    if (this.failedCount > 0) {
      const failed = this.entries().find(e => e.failures > 0 && this.bucketOf(e.id) === bucket)
      if (failed !== undefined) return failed
    }
    if (head !== undefined) return head
    return this.entries().filter(e => this.bucketOf(e.id) === bucket)
      .reduce((a, b) => (b.contact.lastSeen < a.contact.lastSeen ? b : a))
  }

  private isGood (e: Entry, now: number): boolean {
    return e.failures === 0 && now - e.contact.lastSeen < this.goodWindow
  }

  private entries (): Entry[] {
    return this.buckets.entries()
  }

  private depth (): number {
    return this.buckets.depth
  }
}

/** Why a contact cannot enter the table, or undefined if it can. */
export function invalidReason (c: unknown): string | undefined {
  if (typeof c !== 'object' || c === null) return 'not an object'
  const x = c as Partial<Record<keyof Contact, unknown>>
  if (!isNodeId(x.id)) return `id must be a ${ID_LENGTH}-byte Uint8Array`
  if (typeof x.host !== 'string' || isIP(x.host) === 0) return 'host must be an IP address'
  if (x.host === '0.0.0.0' || x.host === '::') return 'host must not be the unspecified address'
  if (!isPort(x.port)) return 'port must be 1..65535'
  if (!isNum(x.lastSeen)) return 'lastSeen must be a finite number'
  if (x.rtt !== undefined && !(isNum(x.rtt) && x.rtt >= 0)) return 'rtt must be a non-negative number'
  if (x.pc !== undefined && typeof x.pc !== 'boolean') return 'pc must be a boolean'
  return undefined
}

interface Entry {
  id: NodeId
  vectorClock: number
  contact: Contact
  failures: number
  timeouts: number
  inbound: boolean
}

function sameAddress (a: Contact, b: Contact): boolean {
  return a.host === b.host && a.port === b.port
}

/**
 * An own copy of a contact (the id copied too: it may be a view into a packet buffer), or with
 * `held`, the copy of the same id the table already holds: a refresh keeps one copy, shared with
 * the contacts handed out before.
 */
function clean (c: Contact, held?: NodeId): Contact {
  return contactOf(held ?? new Uint8Array(c.id), c, typeof c.pc === 'boolean' ? c.pc : undefined)
}

/** A plain-data copy for callers (no undefined fields). */
function copy (c: Contact): Contact {
  return contactOf(c.id, c, c.pc)
}

/**
 * The contact with only its defined fields, all in one literal: V8 keeps a literal's fields in the
 * object itself, where fields added after it cost an extra ~40-byte property array per contact.
 */
function contactOf (id: NodeId, c: Contact, pc: boolean | undefined): Contact {
  const { host, port, lastSeen, rtt } = c
  if (rtt !== undefined) return pc !== undefined ? { id, host, port, lastSeen, rtt, pc } : { id, host, port, lastSeen, rtt }
  return pc !== undefined ? { id, host, port, lastSeen, pc } : { id, host, port, lastSeen }
}
