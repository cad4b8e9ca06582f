import type { NodeId } from '@peerconnect/protocol'

/** k-bucket's tree: a leaf holds its bucket's contacts; an inner node splits on the next bit (set → right). */
export interface BucketTree<E> { contacts: E[] | null, left: BucketTree<E> | null, right: BucketTree<E> | null }

/**
 * Visits the contacts of the tree depth first, the child on the target's side of each split
 * first, until `enough()` holds after a whole bucket: the subtrees not yet visited only hold
 * contacts farther from the target than every one visited.
 */
export function walkNearestFirst<E> (root: BucketTree<E>, target: NodeId, { visit, enough }: { visit: (e: E) => void, enough: () => boolean }): void {
  const stack: Array<[BucketTree<E>, number]> = [[root, 0]]
  while (stack.length > 0) {
    const [node, bit] = stack.pop()!
    if (node.contacts !== null) {
      for (const e of node.contacts) visit(e)
      if (enough()) return
      continue
    }
    if (node.left === null || node.right === null) continue
    const right = (target[bit >> 3]! & (0x80 >> (bit & 7))) !== 0
    stack.push(right ? [node.left, bit + 1] : [node.right, bit + 1])
    stack.push(right ? [node.right, bit + 1] : [node.left, bit + 1])
  }
}
