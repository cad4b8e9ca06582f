/**
 * `k-bucket` (the chosen k-bucket implementation) behind the few calls the routing table makes,
 * through its documented API only: `add`, `get`, `remove`, `count`, `toArray`. No cast into its
 * tree, no listening to its events: what an `add` did is read back with `get`, and the head of a
 * full bucket (the contact k-bucket would ask us to ping) is the first of that bucket in
 * `toArray()`, which keeps each bucket's order (least recently seen first).
 *
 * Beside it, the adapter keeps the contacts grouped by the length of the prefix they share with
 * our id — the index `selectClosest` reads nearest first — and the depth of our own bucket (the
 * one holding our id, which covers every longer prefix). k-bucket splits our bucket when a new
 * contact falls in it while it is full, and never merges buckets; the adapter applies that rule
 * before each add to know the depth (tested against k-bucket's own tree in test/buckets.test.ts).
 */
import KBucket from 'k-bucket'
import { commonPrefixLength, idsEqual } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'

/** What an entry needs for k-bucket: an id, and the vector clock its default arbiter would read. */
export interface BucketEntry {
  readonly id: NodeId
  vectorClock: number
}

export type BucketsAdd<E> = { kind: 'added' | 'updated' } | { kind: 'full', head: E | undefined }

export class Buckets<E extends BucketEntry> {
  private readonly kb: KBucket<E>
  /** groups[i]: the entries sharing exactly i leading bits with `self`. */
  private readonly groups: E[][] = []
  private ownDepth = 0

  constructor (readonly self: NodeId, readonly k: number) {
    // The newer version of a contact always wins, and a full bucket names its one oldest contact.
    this.kb = new KBucket<E>({ localNodeId: self, numberOfNodesPerKBucket: k, numberOfNodesToPing: 1,
      arbiter: (_incumbent, candidate) => candidate })
  }

  get size (): number {
    return this.kb.count()
  }

  /** The depth of our own bucket: buckets 0 … depth-1 are the far ones; `depth` is ours. */
  get depth (): number {
    return this.ownDepth
  }

  /** The entries grouped by the prefix they share with `self` (read only: for `selectClosest`). */
  get byPrefix (): ReadonlyArray<readonly E[]> {
    return this.groups
  }

  get (id: NodeId): E | null {
    return this.kb.get(id)
  }

  /** Adds `entry`, or replaces the entry of its id (made the most recently seen of its bucket). */
  add (entry: E): BucketsAdd<E> {
    const known = this.kb.get(entry.id)
    if (known === null) this.split(entry.id)
    this.kb.add(entry)
    const now = this.kb.get(entry.id)
    if (now !== entry) return { kind: 'full', head: this.headOf(entry.id) }
    if (known !== null) this.unindex(known)
    this.index(entry)
    return { kind: known === null ? 'added' : 'updated' }
  }

  remove (id: NodeId): E | null {
    const known = this.kb.get(id)
    if (known === null) return null
    this.kb.remove(id)
    this.unindex(known)
    return known
  }

  /** Every entry, bucket by bucket in id order, each bucket least recently seen first. */
  entries (): E[] {
    return this.kb.toArray()
  }

  /** The bucket an id falls in: its shared prefix length with us, capped by our bucket's depth. */
  bucketOf (id: NodeId): number {
    return Math.min(commonPrefixLength(id, this.self), this.ownDepth)
  }

  /**
   * k-bucket's rule: adding a new contact to our own bucket while it holds k splits it (again and again while the half
   * that keeps our id is still full).
   */
  private split (id: NodeId): void {
    const prefix = commonPrefixLength(id, this.self)
    while (prefix >= this.ownDepth && this.countFrom(this.ownDepth) >= this.k) this.ownDepth++
  }

  /** Entries sharing at least `prefix` bits with us. */
  private countFrom (prefix: number): number {
    let n = 0
    for (let i = prefix; i < this.groups.length; i++) n += this.groups[i]?.length ?? 0
    return n
  }

  /** The first entry of `id`'s bucket in k-bucket's order: the one it would have us check. */
  private headOf (id: NodeId): E | undefined {
    const bucket = this.bucketOf(id)
    return this.kb.toArray().find(e => this.bucketOf(e.id) === bucket)
  }

  private index (e: E): void {
    const i = commonPrefixLength(e.id, this.self)
    while (this.groups.length <= i) this.groups.push([])
    this.groups[i]?.push(e)
  }

  private unindex (e: E): void {
    const group = this.groups[commonPrefixLength(e.id, this.self)]
    const at = group?.findIndex(x => x === e || idsEqual(x.id, e.id)) ?? -1
    if (group !== undefined && at >= 0) group.splice(at, 1)
  }
}
