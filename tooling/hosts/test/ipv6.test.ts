import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import { createTestbed, unavailable } from '../src/testbed.js'
import type { Testbed } from '../src/testbed.js'
import { UDP_PORT, startNode, within } from '../src/nodes.js'
import type { HostNode } from '../src/nodes.js'

const why = unavailable()
const test = suite('hosts - IPv6 and dual stack')
const BOUND = 60_000

let bed: Testbed
let nodes: HostNode[] = []
let ids: string[] = []

/** A BEP 5 ping sent from inside `host`'s namespace to `address` (`[v6]:port` or `v4:port`): the answering id, hex. */
function pingFrom (host: Testbed['hosts'][number], address: string): string {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address)
  if (m === null) throw new Error(`bad address ${address}`)
  const script = `
    const dgram = require('node:dgram')
    const family = ${JSON.stringify(m[1]!)}.includes(':') ? 'udp6' : 'udp4'
    const s = dgram.createSocket(family)
    const id = Buffer.alloc(20, 7)
    const q = Buffer.concat([Buffer.from('d1:ad2:id20:'), id, Buffer.from('e1:q4:ping1:t2:pg1:y1:qe')])
    const t = setTimeout(() => { console.log('timeout'); process.exit(2) }, 3000)
    s.on('message', (msg) => {
      const at = msg.indexOf('2:id20:')
      console.log(at < 0 ? 'noid' : msg.subarray(at + 7, at + 27).toString('hex'))
      clearTimeout(t); s.close()
    })
    s.send(q, ${m[2]}, ${JSON.stringify(m[1]!)})`
  return bedRef.exec(host, [process.execPath, '-e', script]).trim()
}
let bedRef: Testbed

if (why !== undefined) {
  console.log(`hosts: skipped, ${why}`)
} else {
  test.before(async () => {
    bed = bedRef = createTestbed({ hosts: 4 })
    const [h0, h1, h2, h3] = bed.hosts
    const v4seed = `${h0!.ip4}:${UDP_PORT}`
    nodes = [
      startNode(bed, h0!, { bind: '::' }),
      startNode(bed, h1!, { bind: '::', bootstrap: [v4seed] }),
      startNode(bed, h2!, { bootstrap: [v4seed] }),
      startNode(bed, h3!, { bind: h3!.ip6!, bootstrap: [`[${h0!.ip6!}]:${UDP_PORT}`] })
    ]
    ids = await Promise.all(nodes.map(async n => (await within(BOUND, `${n.name} answers`, async () => await n.status())).id))
  })
  test.after(async () => {
    await bed?.close()
  })

  test('a dual-stack node that joined over IPv4 signs both addresses into its record', withTimeout(BOUND + 10_000, async () => {
    const h1 = bed.hosts[1]!
    const seen = await within(BOUND, 'the IPv4-only host reads h1\'s record with both addresses', async () => {
      await nodes[2]!.directory()
      const d = await nodes[2]!.get<{ record: { address: string, alsoAt?: string } | null }>(`/api/peers/${ids[1]}/details`)
      return d.record?.alsoAt === undefined ? undefined : d.record
    }, 1_000)
    assert.is(seen.address, `${h1.ip4}:${UDP_PORT}`)
    assert.is(seen.alsoAt, `[${h1.ip6!}]:${UDP_PORT}`)
  }))

  test('an IPv6-only host reaches, by the address in its directory, a peer that joined over IPv4', withTimeout(BOUND + 10_000, async () => {
    const v6only = nodes[3]!
    const entry = await within(BOUND, 'the IPv6-only host\'s directory lists h1', async () => {
      const page = await v6only.get<{ peers: Array<{ id: string, address: string, alsoAt?: string }> }>('/api/peers?limit=200')
      return page.peers.find(p => p.id === ids[1])
    }, 1_000)
    const reachable = [entry.address, entry.alsoAt].find(a => a?.startsWith('['))
    assert.is(reachable, `[${bed.hosts[1]!.ip6!}]:${UDP_PORT}`, 'an IPv6 address is in the directory entry')
    assert.is(pingFrom(bed.hosts[3]!, reachable!), ids[1], 'a BEP 5 ping from the IPv6-only host to that address is answered by h1')
    assert.is(pingFrom(bed.hosts[3]!, entry.address).length > 0, true)
  }))

  test('the IPv6-only host finds the dual-stack peer by name', withTimeout(BOUND + 10_000, async () => {
    const v6only = nodes[3]!
    const hits = await within(BOUND, 'search from the IPv6-only host', async () => {
      const found = await v6only.search('h1')
      return found.some(p => p.id === ids[1]) ? found : undefined
    }, 1_000)
    assert.ok(hits.some(p => p.id === ids[1]))
    // Not asserted: a lookup by id from the IPv6-only host. The dual-stack peer joined over IPv4
    // and every table holds it at that address (one address per id; BEP 32's separate IPv6
    // table is not built), so nodes6 answers do not name it (tooling/hosts/README.md).
  }))
}

test.run()
