/**
 * The k-bucket adapter (src/buckets.ts) reads k-bucket through its documented API only. Here a
 * second, plain k-bucket fed the same operations is the reference: its events say what each add
 * did, and its tree (read only in this test) gives our bucket's depth. The adapter must agree on
 * every step: outcome, the head of a full bucket, depth, size, and its prefix index.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import KBucket from 'k-bucket'
import { commonPrefixLength, randomId, randomIdWithPrefix } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { Buckets } from '../src/buckets.js'

interface E {
  id: NodeId
  vectorClock: number
  n: number
}
interface Tree {
  contacts: E[] | null
  left: Tree | null
  right: Tree | null
}

function mulberry (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function reference (self: NodeId, k: number): { kb: KBucket<E>, add: (e: E) => { kind: string, head?: E }, depth: () => number } {
  const kb = new KBucket<E>({ localNodeId: self, numberOfNodesPerKBucket: k, numberOfNodesToPing: 1, arbiter: (_a, b) => b })
  let last: { kind: string, head?: E } = { kind: 'none' }
  kb.on('added', () => {
    last = { kind: 'added' }
  })
  kb.on('updated', () => {
    last = { kind: 'updated' }
  })
  kb.on('ping', (old: E[]) => {
    last = old[0] === undefined ? { kind: 'full' } : { kind: 'full', head: old[0] }
  })
  return {
    kb,
    add: e => {
      last = { kind: 'none' }
      kb.add(e)
      return last
    },
    depth: () => {
      let node = (kb as unknown as { root: Tree }).root
      let bit = 0
      while (node.contacts === null && node.left !== null && node.right !== null) {
        node = (self[bit >> 3]! & (0x80 >> (bit & 7))) !== 0 ? node.right : node.left
        bit++
      }
      return bit
    }
  }
}

const test = suite('buckets')

test('buckets - agrees with k-bucket on every add and remove: outcome, head of a full bucket, depth, index', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const rand = mulberry(seed)
    const self = randomId()
    const k = 2 + Math.floor(rand() * 4)
    const ours = new Buckets<E>(self, k)
    const ref = reference(self, k)
    const known: NodeId[] = []
    let full = 0
    for (let step = 0; step < 600; step++) {
      const r = rand()
      if (r < 0.15 && known.length > 0) {
        const id = known.splice(Math.floor(rand() * known.length), 1)[0]!
        assert.ok(ours.remove(id) !== null, 'a known id is removed')
        ref.kb.remove(id)
      } else {
        // mostly near our id (deep buckets, splits), some anywhere, some again (updates)
        const again = r < 0.3 && known.length > 0
        const id = again ? known[Math.floor(rand() * known.length)]! : randomIdWithPrefix(self, Math.floor(rand() * rand() * 12))
        const e: E = { id, vectorClock: 0, n: step }
        const want = ref.add(e)
        const got = ours.add({ ...e })
        assert.is(got.kind, want.kind, `seed ${seed} step ${step}`)
        if (got.kind === 'full') full++
        if (got.kind === 'full') assert.is(got.head?.n, want.head?.n, `seed ${seed} step ${step}: head`)
        if (want.kind === 'added') known.push(id)
      }
      assert.is(ours.depth, ref.depth(), `seed ${seed} step ${step}: depth`)
      assert.is(ours.size, ref.kb.count())
    }
    const indexed = ours.byPrefix.reduce((n, g, i) => {
      for (const e of g) assert.is(commonPrefixLength(e.id, self), i)
      return n + g.length
    }, 0)
    assert.is(indexed, ours.size, 'every entry is in the prefix index once')
    assert.ok(ours.depth > 0, 'the walk split our bucket')
    assert.ok(full > 0, 'and filled far buckets')
  }
})

test('buckets - an update replaces the entry in the index and makes it the most recently seen', () => {
  const self = randomId()
  const ours = new Buckets<E>(self, 3)
  const a = randomIdWithPrefix(self, 0)
  const b = randomIdWithPrefix(self, 0)
  ours.add({ id: a, vectorClock: 0, n: 1 })
  ours.add({ id: b, vectorClock: 0, n: 2 })
  assert.equal(ours.add({ id: a, vectorClock: 0, n: 3 }), { kind: 'updated' })
  assert.equal(ours.entries().map(e => e.n), [2, 3])
  assert.equal(ours.byPrefix[0]!.map(e => e.n).sort(), [2, 3])
  assert.is(ours.get(a)?.n, 3)
})

test.run()
