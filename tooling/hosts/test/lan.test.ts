import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import { createTestbed, unavailable } from '../src/testbed.js'
import type { Testbed } from '../src/testbed.js'
import { startNode, within } from '../src/nodes.js'
import type { HostNode } from '../src/nodes.js'

const why = unavailable()
const test = suite('hosts - LAN discovery by mDNS, no bootstrap')
/** "Within a few seconds": measured 1–3 s here; the bound leaves room for a loaded machine. */
const FIND_BOUND = 15_000

let bed: Testbed
let nodes: HostNode[] = []
let ids: string[] = []

/** Sends raw bytes to the mDNS group from inside `host` (hostile packets). */
function multicastFrom (host: Testbed['hosts'][number], hex: string): void {
  bed.exec(host, [process.execPath, '-e', `
    const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true })
    s.bind(0, () => {
      s.setMulticastInterface(${JSON.stringify(host.ip4)})
      s.send(Buffer.from(${JSON.stringify(hex)}, 'hex'), 5353, '224.0.0.251', () => s.close())
    })`])
}

if (why !== undefined) {
  console.log(`hosts: skipped, ${why}`)
} else {
  test.before(async () => {
    bed = createTestbed({ hosts: 4 })
    // h0..h2 with mDNS and no bootstrap; h3 with --no-mdns.
    nodes = bed.hosts.map((h, i) => startNode(bed, h, { mdns: i !== 3 }))
    ids = await Promise.all(nodes.map(async n => (await within(60_000, `${n.name} answers`, async () => await n.status())).id))
  })
  test.after(async () => {
    await bed?.close()
  })

  test('nodes on one LAN find each other with no --bootstrap', withTimeout(FIND_BOUND * 3 + 10_000, async () => {
    for (const n of nodes.slice(0, 3)) {
      const t0 = Date.now()
      await within(FIND_BOUND, `${n.name} finds the other two`, async () => (await n.status()).peers >= 2, 250)
      console.log(`${n.name}: 2 peers after ${Date.now() - t0} ms more`)
    }
    const done = await nodes[0]!.lookup(ids[2]!)
    assert.is(done.peer?.id, ids[2])
  }))

  test('--no-mdns: the node is not found and finds no one', withTimeout(30_000, async () => {
    assert.is((await nodes[3]!.status()).peers, 0)
    for (const n of nodes.slice(0, 3)) {
      const table = await n.get<{ peers: number }>('/api/status')
      assert.ok(table.peers <= 2, `${n.name} has no fourth contact`)
      const d = await n.get<{ inTable: boolean } | undefined>(`/api/peers/${ids[3]}/details`).catch(() => undefined)
      assert.ok(d === undefined || !d.inTable, `${n.name} does not hold h3`)
    }
  }))

  test('two nodes on one host find each other', withTimeout(FIND_BOUND * 2 + 60_000, async () => {
    const host = bed.hosts[2]!
    const second = startNode(bed, host, { name: 'h2b', dataDir: 'h2b', port: 7001, apiPort: 7071, mdns: true })
    try {
      const id = (await within(60_000, 'h2b answers', async () => await second.status())).id
      await within(FIND_BOUND, 'h2b holds the node beside it on its host', async () => {
        const d = await second.get<{ inTable: boolean, peer: { address: string } }>(`/api/peers/${ids[2]}/details`).catch(() => undefined)
        return d?.inTable === true && d.peer.address === `${host.ip4}:7000`
      }, 250)
      await within(FIND_BOUND, 'and that node holds h2b',
        async () => (await nodes[2]!.get<{ inTable: boolean }>(`/api/peers/${id}/details`).catch(() => undefined))?.inTable === true, 250)
    } finally {
      await second.stop()
    }
  }))

  test('malformed and hostile mDNS packets are ignored: the nodes keep running and hold no made-up peer', withTimeout(30_000, async () => {
    multicastFrom(bed.hosts[3]!, 'deadbeef')
    multicastFrom(bed.hosts[3]!, '0000840000010000000000' + 'ff'.repeat(40))
    const packet = (await import('dns-packet')).default
    const bogus = Array.from({ length: 40 }, (_, i) => i.toString(16).padStart(40, 'e'))
    const answers = bogus.flatMap(id => [
      { name: `${id}._peerconnect._udp.local`, type: 'SRV' as const, data: { port: 7000, target: `${id}.local` } },
      { name: `${id}.local`, type: 'A' as const, data: '10.231.0.99' }
    ])
    multicastFrom(bed.hosts[3]!, Buffer.from(packet.encode({ type: 'response', answers })).toString('hex'))
    const before = await Promise.all(nodes.slice(0, 3).map(async n => (await n.status()).peers))
    await new Promise(resolve => setTimeout(resolve, 3_000))
    for (const [i, n] of nodes.slice(0, 3).entries()) {
      assert.is(n.proc.child.exitCode, null, `${n.name} still running`)
      assert.ok((await n.status()).peers <= before[i]!, `${n.name} took no new contact`)
      for (const id of bogus.slice(0, 8)) {
        const d = await n.get<{ inTable: boolean }>(`/api/peers/${id}/details`).catch(() => undefined)
        assert.ok(d === undefined || !d.inTable, `${n.name} does not hold the made-up ${id.slice(0, 8)}`)
      }
    }
  }))
}

test.run()
