import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout, rejects } from '@peerconnect/test-helpers'
import { createTestnet } from '../src/testnet.js'

interface FakeNode {
  index: number
  joinedVia?: number
  stopped: number
  stop(): Promise<void>
}

function fake (index: number, log: string[]): FakeNode {
  const node: FakeNode = {
    index,
    stopped: 0,
    async stop () {
      node.stopped++
      log.push(`stop ${index}`)
    }
  }
  return node
}

const net = suite('createTestnet')

net('createTestnet - makes n nodes at their index, each joined through the first', withTimeout(5000, async () => {
  const log: string[] = []
  const joined: number[] = []
  const t = await createTestnet<FakeNode>(12, {
    concurrency: 3,
    create: async (i) => {
      await new Promise(resolve => setTimeout(resolve, (i * 7) % 5))
      return fake(i, log)
    },
    join: async (node, first, i) => {
      node.joinedVia = first.index
      joined.push(i)
    },
    onJoined: (node) => log.push(`joined ${node.index}`)
  })
  assert.equal(t.nodes.map(n => n.index), [...Array(12).keys()])
  assert.ok(t.nodes.slice(1).every(n => n.joinedVia === 0))
  assert.equal(joined.sort((a, b) => a - b), [...Array(12).keys()].slice(1))
  assert.is(t.nodes[0]!.joinedVia, undefined, 'the first node joins nobody')
  assert.is(log.filter(l => l.startsWith('joined')).length, 12)
  await t.stop()
}))

net('createTestnet - settle runs once after every join; stop stops every node once, then teardown', withTimeout(5000, async () => {
  const log: string[] = []
  let settled = -1
  const t = await createTestnet<FakeNode>(5, {
    create: async (i) => fake(i, log),
    settle: async (nodes) => {
      settled = nodes.length
    },
    teardown: async () => {
      log.push('teardown')
    }
  })
  assert.is(settled, 5)
  const a = t.stop()
  const b = t.stop()
  assert.is(a, b, 'a second stop returns the same promise')
  await a
  assert.ok(t.nodes.every(n => n.stopped === 1))
  assert.is(log.at(-1), 'teardown')
}))

net('createTestnet - a failing join stops every node made so far and rethrows', withTimeout(5000, async () => {
  const log: string[] = []
  const made: FakeNode[] = []
  await rejects(createTestnet<FakeNode>(6, {
    concurrency: 1,
    create: async (i) => {
      const n = fake(i, log)
      made.push(n)
      return n
    },
    join: async (_node, _first, i) => {
      if (i === 3) throw Object.assign(new Error('join failed'), { code: 'ERR_JOIN' })
    },
    teardown: async () => {
      log.push('teardown')
    }
  }), 'ERR_JOIN')
  assert.is(made.length, 4)
  assert.ok(made.every(n => n.stopped === 1), 'every node made was stopped')
  assert.is(log.at(-1), 'teardown')
}))

net('createTestnet - zero nodes is an empty testnet', withTimeout(2000, async () => {
  const t = await createTestnet<FakeNode>(0, { create: async (i) => fake(i, []) })
  assert.is(t.nodes.length, 0)
  await t.stop()
}))

net.run()
