/**
 * Node ids: 20-byte Uint8Arrays compared by XOR distance. Hot-path functions work byte by byte:
 * never BigInt, never Buffer.compare, never a full sort where a partial selection will do.
 */
import { InvalidIdError } from './errors.js'

export const ID_LENGTH = 20

export type NodeId = Uint8Array

export function isNodeId (x: unknown): x is NodeId {
  return x instanceof Uint8Array && x.length === ID_LENGTH
}

export function idsEqual (a: NodeId, b: NodeId): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * Lower-case hex of `id`, as one flat string (Buffer's native encoder: appending 20 pairs would
 * leave a chain of 19 rope nodes, ~600 bytes, behind every hex id kept as a key or a field).
 */
export function idToHex (id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex')
}

/**
 * A compact Map key for an id: its bytes as a latin1 string (20 characters, a 32-byte string;
 * the 40-character hex is 56 bytes), for keys kept in memory, never shown.
 */
export function idKey (id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1')
}

const HEX_ID = /^[0-9a-fA-F]{40}$/

/** Parses 40 hex characters into an id; anything else gives undefined. */
export function parseIdHex (hex: unknown): NodeId | undefined {
  if (typeof hex !== 'string' || !HEX_ID.test(hex)) return undefined
  const id = new Uint8Array(ID_LENGTH)
  for (let i = 0; i < ID_LENGTH; i++) id[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return id
}

/** Like `parseIdHex`, for where a throw is wanted: throws InvalidIdError (ERR_INVALID_ID). */
export function idFromHex (hex: unknown): NodeId {
  const id = parseIdHex(hex)
  if (id === undefined) throw new InvalidIdError(`invalid node id ${JSON.stringify(String(hex).slice(0, 50))}: expected 40 hex characters`)
  return id
}

/** A random id; `random` (numbers in [0, 1), a simulation's seeded generator) instead of the system's CSPRNG when given. */
export function randomId (random?: () => number): NodeId {
  if (random === undefined) return globalThis.crypto.getRandomValues(new Uint8Array(ID_LENGTH))
  const out = new Uint8Array(ID_LENGTH)
  for (let i = 0; i < ID_LENGTH; i++) out[i] = Math.floor(random() * 256)
  return out
}

export function xorDistance (a: NodeId, b: NodeId): Uint8Array {
  const d = new Uint8Array(ID_LENGTH)
  for (let i = 0; i < ID_LENGTH; i++) d[i] = a[i]! ^ b[i]!
  return d
}

/** Negative when `a` is closer to `target` than `b`, positive when farther, 0 when equal. */
export function compareDistance (a: NodeId, b: NodeId, target: NodeId): number {
  for (let i = 0; i < ID_LENGTH; i++) {
    const da = a[i]! ^ target[i]!
    const db = b[i]! ^ target[i]!
    if (da !== db) return da - db
  }
  return 0
}

/** Number of leading bits `a` and `b` share (0..160). 160 means equal. */
export function commonPrefixLength (a: NodeId, b: NodeId): number {
  for (let i = 0; i < ID_LENGTH; i++) {
    const x = a[i]! ^ b[i]!
    if (x !== 0) return i * 8 + Math.clz32(x) - 24
  }
  return ID_LENGTH * 8
}

/** A random id that shares exactly `bits` leading bits with `id` (bits < 160); `random` as for randomId. */
export function randomIdWithPrefix (id: NodeId, bits: number, random?: () => number): NodeId {
  const out = randomId(random)
  const whole = bits >> 3
  for (let i = 0; i < whole; i++) out[i] = id[i]!
  if (whole < ID_LENGTH) {
    const rest = bits & 7
    const keep = (0xff00 >> rest) & 0xff // the `rest` high bits of the byte
    const flip = 0x80 >> rest // the first differing bit
    out[whole] = (id[whole]! & keep) | (~id[whole]! & flip) | (out[whole]! & ~(keep | flip) & 0xff)
  }
  return out
}

/**
 * The `n` items closest to `target`, nearest first, without sorting everything: a bounded
 * insertion into a sorted window of size n (O(len · log n) comparisons, most rejected at the
 * first byte).
 */
export function closest<T> (items: Iterable<T>, target: NodeId, n: number,
  idOf: (item: T) => NodeId = identity as (item: T) => NodeId): T[] {
  const nearest = new Nearest<T>(target, n)
  for (const item of items) nearest.offer(item, idOf(item))
  return nearest.items
}

/**
 * The incremental form of `closest`: `offer` each candidate once and read `items` (nearest first)
 * at any time — for callers that stop early, such as a walk of a bucket tree. Most candidates are
 * rejected after comparing a byte or two with the farthest kept; ties keep the earlier offer first.
 */
export class Nearest<T> {
  readonly items: T[] = []
  private readonly ids: NodeId[] = []

  constructor (private readonly target: NodeId, private readonly n: number) {}

  get size (): number {
    return this.items.length
  }

  offer (item: T, id: NodeId): void {
    const { items, ids, n, target } = this
    if (n <= 0) return
    if (items.length === n && compareDistance(id, ids[n - 1]!, target) >= 0) return
    let lo = 0
    let hi = items.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareDistance(ids[mid]!, id, target) <= 0) lo = mid + 1
      else hi = mid
    }
    items.splice(lo, 0, item)
    ids.splice(lo, 0, id)
    if (items.length > n) {
      items.pop()
      ids.pop()
    }
  }
}

function identity<T> (x: T): T {
  return x
}
