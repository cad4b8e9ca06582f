import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import { createTestbed, unavailable } from '../src/testbed.js'
import type { Testbed } from '../src/testbed.js'
import { UDP_PORT, byDistance, startNode, within } from '../src/nodes.js'
import type { HostNode } from '../src/nodes.js'

const why = unavailable()
const test = suite('hosts - join and find')
/** Bounds this suite proves (measured here: see tooling/hosts/README.md). */
const JOIN_BOUND = 60_000
const DIRECTORY_BOUND = 60_000

let bed: Testbed
let nodes: HostNode[] = []
let ids: string[] = []

if (why !== undefined) {
  console.log(`hosts: skipped, ${why}`)
} else {
  test.before(async () => {
    bed = createTestbed({ hosts: 8 })
    const seed = `${bed.hosts[0]!.ip4}:${UDP_PORT}`
    nodes = bed.hosts.map((h, i) => startNode(bed, h, i === 0 ? {} : { bootstrap: [seed] }))
    ids = await Promise.all(nodes.map(async n => (await within(JOIN_BOUND, `${n.name} answers`, async () => await n.status())).id))
  })
  test.after(async () => { await bed?.close() })

  test('8 hosts, one bootstrap address: every table holds the other 7', withTimeout(JOIN_BOUND + 10_000, async () => {
    for (const n of nodes) await within(JOIN_BOUND, `${n.name} knows the other 7`, async () => (await n.status()).peers >= 7)
  }))

  test('every node\'s lookups find the true closest nodes, nearest first', withTimeout(120_000, async () => {
    for (const [i, n] of nodes.entries()) {
      for (const target of [ids[(i + 3) % 8]!, ids[(i + 5) % 8]!.replace(/.$/, c => (parseInt(c, 16) ^ 1).toString(16))]) {
        const done = await n.lookup(target)
        const truth = byDistance(target, ids.filter(id => id !== ids[i]))
        assert.equal(done.closest.slice(0, 7), truth.slice(0, 7), `${n.name} → ${target.slice(0, 8)}`)
      }
    }
  }))

  test('the directory on every host lists all 8', withTimeout(DIRECTORY_BOUND * 2, async () => {
    const all = [...ids].sort()
    for (const n of nodes) {
      await within(DIRECTORY_BOUND, `${n.name}'s directory lists all 8`, async () => {
        const got = [...new Set(await n.directory())].sort()
        return JSON.stringify(got) === JSON.stringify(all)
      }, 1_000)
    }
  }))

  test('a search by name from any host finds a peer on any other', withTimeout(120_000, async () => {
    for (const [i, n] of nodes.entries()) {
      const other = nodes[(i + 3) % 8]!
      const hits = await n.search(other.name, 'hybrid')
      const hit = hits.find(p => p.id === ids[(i + 3) % 8])
      assert.ok(hit !== undefined, `${n.name} finds ${other.name}`)
      assert.is(hit.address, `${other.host.ip4}:${UDP_PORT}`)
    }
  }))
}

test.run()
