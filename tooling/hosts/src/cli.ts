#!/usr/bin/env node
/**
 * `pnpm hosts up [--hosts N] [--split K] [--natted i,j]`: builds a testbed, starts a node in every
 * host (the first one the bootstrap of the others), prints where each is, and keeps it all up until
 * Ctrl-C, which removes everything. `pnpm hosts clean` removes what killed runs left behind.
 */
import { parseArgs } from 'node:util'
import { createTestbed, sweepStale } from './testbed.js'
import { TOKEN, UDP_PORT, startNode, within } from './nodes.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { hosts: { type: 'string', default: '4' }, split: { type: 'string' }, natted: { type: 'string' } }
})
const command = positionals[0] ?? 'up'

if (command === 'clean') {
  const removed = sweepStale()
  console.log(removed.length === 0 ? 'nothing to remove' : `removed ${removed.join(' ')}`)
} else if (command === 'up') {
  const hosts = Number(values.hosts)
  const split = values.split === undefined ? undefined : Number(values.split)
  const natted = values.natted === undefined ? [] : values.natted.split(',').map(Number)
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > 100) throw new Error('--hosts: an integer 1..100')
  const bed = createTestbed({ hosts, split, natted })
  const seed = `${bed.hosts.find(h => !h.natted)?.ip4 ?? bed.hosts[0]!.ip4}:${UDP_PORT}`
  const nodes = bed.hosts.map((h, i) => startNode(bed, h, i === 0 ? {} : { bootstrap: [seed] }))
  for (const n of nodes) {
    const s = await within(60_000, `${n.name} answers`, async () => await n.status())
    console.log(
      `${n.name}  ns=${n.host.ns}  udp=${s.udp}  ipv6=${n.host.ip6 ?? '-'}  api=${n.api}  ` +
        `id=${s.id}${n.host.natted ? '  (behind NAT)' : ''}`
    )
  }
  console.log(`\nAPI token: ${TOKEN}. Page: open ${nodes[0]!.api}/#token=${TOKEN}. Ctrl-C removes everything.`)
  await new Promise<void>(resolve => process.once('SIGINT', () => resolve()))
  await bed.close()
} else {
  console.error(`unknown command ${command}: up | clean`)
  process.exitCode = 2
}
