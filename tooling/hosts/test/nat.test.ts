import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import { createTestbed, unavailable } from '../src/testbed.js'
import type { Testbed } from '../src/testbed.js'
import { UDP_PORT, startNode, within } from '../src/nodes.js'
import type { HostNode } from '../src/nodes.js'

const why = unavailable()
const test = suite('hosts - behind a NAT')
/** Bounds this suite proves (measured here: see tooling/hosts/README.md). */
const BOUND = 60_000
/** How long the tables outside are watched for the node behind the NAT. */
const WATCH = 20_000
/** `peerconnect start`'s announce interval. */
const ANNOUNCE_INTERVAL = 10_000

let bed: Testbed
let nodes: HostNode[] = []
let ids: string[] = []
/** h4 sits behind the NAT router; h0..h3 are on the data network. */
const INSIDE = 4
let inside: HostNode
let outside: HostNode[] = []
let answeredAt = 0
let readOnlyAt = 0

if (why !== undefined) {
  console.log(`hosts: skipped, ${why}`)
} else {
  test.before(async () => {
    bed = createTestbed({ hosts: 5, natted: [INSIDE] })
    const seed = `${bed.hosts[0]!.ip4}:${UDP_PORT}`
    nodes = bed.hosts.map((h, i) => startNode(bed, h, i === 0 ? {} : { bootstrap: [seed] }))
    inside = nodes[INSIDE]!
    outside = nodes.filter((_, i) => i !== INSIDE)
    ids = await Promise.all(nodes.map(async n => (await within(BOUND, `${n.name} answers`, async () => await n.status())).id))
    answeredAt = Date.now()
  })
  test.after(async () => {
    await bed?.close()
  })

  test('the node behind the NAT finds it cannot be reached and goes read-only; the nodes outside stay read-write',
    withTimeout(BOUND + 30_000, async () => {
      try {
        await within(BOUND, 'h4 reports behindNat', async () => (await inside.status()).behindNat === true, 250)
      } catch (err) {
        const m = await inside.metrics()
        console.log('h4 not read-only:',
          JSON.stringify(Object.fromEntries(Object.entries(m).filter(([k]) => /reach|read_only|external|view_contacts|probes/.test(k)))))
        console.log(inside.proc.output().split('\n').filter(l => /reach|record|read-only/.test(l)).slice(-20).join('\n'))
        throw err
      }
      readOnlyAt = Date.now()
      console.log(`h4 read-only ${readOnlyAt - answeredAt} ms after its API answered`)
      const m = await inside.metrics()
      assert.is(m.transport_read_only, 1)
      assert.ok(m.transport_reach_checks_total! >= 1)
      assert.is(m.transport_reach_probes_in_total, 0, 'no probe got through the NAT')
      // Each outside node ran a check of its own that decided (a probe arrived): never read-only by mistake.
      for (const n of outside) {
        await within(BOUND, `${n.name} decided it is reachable`, async () => {
          const om = await n.metrics()
          return om.transport_reach_checks_total! >= 1 && om.transport_reach_probes_in_total! >= 1
        }, 500)
        assert.is((await n.status()).behindNat, undefined, `${n.name} is not read-only`)
        assert.is((await n.metrics()).transport_read_only, 0)
      }
    }))

  test('nodes outside never hold it in their tables (watched for 20 s), and it holds no list',
    withTimeout(BOUND + WATCH + 30_000, async () => {
      const inTable = async (): Promise<string[]> => {
        const holding: string[] = []
        for (const n of outside) {
          try {
            const d = await n.get<{ inTable: boolean }>(`/api/peers/${ids[INSIDE]}/details`)
            if (d.inTable) holding.push(n.name)
          } catch (err) {
            if (!String((err as Error).message).includes('→ 404')) throw err // a node that knows nothing of h4 holds it nowhere
          }
        }
        return holding
      }
      // It was in some tables while it still thought itself reachable; going read-only pings them with ro: 1.
      await within(10_000, 'no outside table holds h4', async () => (await inTable()).length === 0, 250)
      const clearedAt = Date.now()
      console.log(`outside tables free of h4 ${clearedAt - readOnlyAt} ms after it went read-only`)
      // A holder chosen before it went read-only is dropped at the next announce (the transport refuses pc_announce to it).
      await new Promise(resolve => setTimeout(resolve, ANNOUNCE_INTERVAL))
      const announcesIn = async (): Promise<number> => {
        const m = await inside.metrics()
        return (m['transport_queries_in_by_method_total.pc_announce'] ?? 0) + (m['transport_queries_in_by_method_total.pc_handoff'] ?? 0)
      }
      const before = await announcesIn()
      const end = Date.now() + WATCH
      while (Date.now() < end) {
        assert.equal(await inTable(), [], 'an outside table holds h4')
        await new Promise(resolve => setTimeout(resolve, 1_000))
      }
      for (const n of outside) assert.ok((await n.status()).peers >= 3, `${n.name} still knows the other 3 outside`)
      assert.is(await announcesIn(), before, `no record handed to h4 for ${WATCH} ms (two announce intervals): it holds no list`)
      const refused = (await Promise.all(outside.map(async n => (await n.metrics()).transport_refused_read_only_total ?? 0))).reduce(
        (a, b) => a + b,
        0
      )
      console.log(`holder queries refused outside because h4 is read-only: ${refused}`)
    }))

  test('its lookups work, and its search by name finds the nodes outside', withTimeout(BOUND * 2, async () => {
    for (const i of [0, 2]) {
      const done = await within(BOUND, `h4 finds ${nodes[i]!.name} by id`, async () => {
        const d = await inside.lookup(ids[i]!)
        return d.peer?.id === ids[i] ? d : undefined
      }, 1_000)
      assert.is(done.peer?.address, `${bed.hosts[i]!.ip4}:${UDP_PORT}`)
    }
    const hit = await within(BOUND, 'h4 finds h1 by name', async () => (await inside.search('h1', 'lists')).find(p => p.id === ids[1]),
      1_000)
    assert.is(hit.address, `${bed.hosts[1]!.ip4}:${UDP_PORT}`)
  }))

  test('it is found by name from outside, through the directory, at its public address and marked behind NAT',
    withTimeout(BOUND * 2, async () => {
      const publicAddress = `${bed.natPublic!}:`
      for (const n of [outside[0]!, outside[3]!]) {
        const hit = await within(BOUND, `${n.name} finds h4 by name`,
          async () => (await n.search('h4', 'lists')).find(p => p.id === ids[INSIDE]), 1_000)
        assert.ok(hit.address.startsWith(publicAddress), `h4 at the NAT's public address (${hit.address})`)
        const entry = await within(BOUND, `${n.name}'s directory lists h4 as behind NAT`, async () => {
          const page = await n.get<{ peers: Array<{ id: string, behindNat?: true }> }>('/api/peers?limit=200')
          return page.peers.find(p => p.id === ids[INSIDE] && p.behindNat === true)
        }, 1_000)
        assert.ok(entry)
      }
      const others = (await outside[1]!.get<{ peers: Array<{ id: string, behindNat?: true }> }>('/api/peers?limit=200')).peers.filter(p =>
        p.id !== ids[INSIDE]
      )
      assert.ok(others.length >= 3 && others.every(p => p.behindNat === undefined), 'nodes outside are not marked')
    }))
}

test.run()
