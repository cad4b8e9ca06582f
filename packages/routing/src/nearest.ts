import { compareDistance } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'

/**
 * A bounded selection of the `n` items nearest to a target (XOR distance), nearest first:
 * `offer` each candidate once; most are rejected after comparing a byte or two with the
 * farthest kept. Ties keep the earlier offer first.
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
    if (items.length > n) { items.pop(); ids.pop() }
  }
}
