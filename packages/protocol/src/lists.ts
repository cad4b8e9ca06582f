/**
 * The ids of the directory's lists (docs/PROTOCOL.md, Directory lists): LIST_IDS[i] = floor(i * 2^160 / LIST_COUNT) for
 * i = 0..19, computed once at load. A node announces its record to the nodes closest to the list
 * id closest (XOR) to its own id. The ids are shared: do not mutate them.
 */
import { ID_LENGTH, compareDistance } from './id.js'
import type { NodeId } from './id.js'
import { LIST_COUNT } from './constants.js'

export { LIST_COUNT } from './constants.js'

export const LIST_IDS: readonly NodeId[] = Object.freeze(Array.from({ length: LIST_COUNT }, (_, i) => listId(i)))

/** The list whose id is XOR-closest to `id` (the lower index on a tie, which cannot happen between distinct ids). */
export function closestListId (id: NodeId): { index: number, id: NodeId } {
  let index = 0
  for (let i = 1; i < LIST_COUNT; i++) if (compareDistance(LIST_IDS[i]!, LIST_IDS[index]!, id) < 0) index = i
  return { index, id: LIST_IDS[index]! }
}

/** True for a list index, an integer in 0..LIST_COUNT-1. */
export function isListIndex (x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) < LIST_COUNT
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function listId (i: number): NodeId {
  let n = (BigInt(i) << 160n) / BigInt(LIST_COUNT)
  const id = new Uint8Array(ID_LENGTH)
  for (let b = ID_LENGTH - 1; b >= 0; b--) {
    id[b] = Number(n & 0xffn)
    n >>= 8n
  }
  return id
}
