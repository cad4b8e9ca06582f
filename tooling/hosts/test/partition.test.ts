import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import { createTestbed, unavailable } from '../src/testbed.js'
import type { Testbed } from '../src/testbed.js'
import { UDP_PORT, startNode, within } from '../src/nodes.js'
import type { HostNode } from '../src/nodes.js'

const why = unavailable()
const test = suite('hosts - partition and heal')
/** RECORD_TTL (30 s) + one announce interval (10 s), and slack for the page walk. */
const DROP_BOUND = 60_000
const MERGE_BOUND = 90_000

let bed: Testbed
let nodes: HostNode[] = []
let ids: string[] = []
const sorted = (xs: Iterable<string>): string => JSON.stringify([...new Set(xs)].sort())

if (why !== undefined) {
  console.log(`hosts: skipped, ${why}`)
} else {
  test.before(async () => {
    bed = createTestbed({ hosts: 8, split: 4 })
    const seed = `${bed.hosts[0]!.ip4}:${UDP_PORT}`
    nodes = bed.hosts.map((h, i) => startNode(bed, h, i === 0 ? {} : { bootstrap: [seed] }))
    ids = await Promise.all(nodes.map(async n => (await within(60_000, `${n.name} answers`, async () => await n.status())).id))
    for (const n of nodes) {
      await within(60_000, `${n.name}'s directory lists all 8`, async () => sorted(await n.directory()) === sorted(ids), 1_000)
    }
  })
  test.after(async () => {
    await bed?.close()
  })

  test('cut: each half keeps working, and its directory drops the other half', withTimeout(DROP_BOUND * 2 + 60_000, async () => {
    bed.cut()
    const halves = [nodes.slice(0, 4), nodes.slice(4)]
    for (const [h, half] of halves.entries()) {
      const own = half.map(n => ids[nodes.indexOf(n)]!)
      for (const [j, n] of half.entries()) {
        const target = own[(j + 1) % 4]!
        const done = await n.lookup(target)
        assert.is(done.peer?.id, target, `${n.name} finds ${target.slice(0, 8)} in its half ${h}`)
      }
      for (const n of half) {
        await within(DROP_BOUND, `${n.name}'s directory holds only its half`, async () => sorted(await n.directory()) === sorted(own),
          1_000)
      }
    }
  }))

  test('heal: the halves merge with no restart and no bootstrap: lookups across succeed, directories complete',
    withTimeout(MERGE_BOUND * 2 + 60_000, async () => {
      bed.heal()
      const t0 = Date.now()
      for (const [i, n] of nodes.entries()) {
        const across = ids[(i + 4) % 8]!
        await within(MERGE_BOUND, `${n.name} finds ${across.slice(0, 8)} across the healed cable`,
          async () => (await n.lookup(across)).peer?.id === across, 2_000)
      }
      for (const n of nodes) {
        await within(MERGE_BOUND, `${n.name}'s directory lists all 8 again`, async () => sorted(await n.directory()) === sorted(ids), 1_000)
      }
      console.log(`merged in ${Date.now() - t0} ms`)
      for (const n of nodes) assert.is(n.proc.child.exitCode, null, `${n.name} still running`)
    }))
}

test.run()
