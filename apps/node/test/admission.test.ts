/**
 * New addresses draw no traffic and own no table: a raw socket that sends a node hundreds of pings
 * with made-up ids (and never answers) is not added to any table, is named by no find_node answer,
 * gets back no more bytes than it sent, and is never TCP-connected to.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeQuery, randomId } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { createSwarm } from '../src/index.js'
import type { Swarm } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { contactsOf, findNodeVia, transportStats } from './fixtures/node.js'
import { LOOPBACK } from './fixtures/loopback.js'
import { rawSocket } from './fixtures/udp.js'

const T = 60_000
const state = { swarm: undefined as Swarm | undefined }
const admission = suite('admission - unproven addresses')

admission.before(hook(T, async () => {
  state.swarm = await createSwarm(6, { host: LOOPBACK })
}))
admission.after(hook(T, async () => {
  await state.swarm?.stop()
}))

admission(
  'admission - 288 pings with made-up ids from one socket: no table entry, no find_node answer names it, bytes back ≤ bytes sent, no ' +
    'TCP connect',
  withTimeout(T, async () => {
    const swarm = state.swarm!
    const target = swarm.nodes[2]!
    const before = (await contactsOf(target)).contacts.length
    const sock = dgram.createSocket('udp4')
    let bytesIn = 0
    sock.on('message', buf => {
      bytesIn += buf.length
    })
    await new Promise<void>(resolve => sock.bind(0, LOOPBACK, resolve))
    const port = sock.address().port
    // A TCP listener on the same port: a liveness check would connect to it.
    let tcpConnects = 0
    const tcp = net.createServer(s => {
      tcpConnects++
      s.destroy()
    })
    await new Promise<void>(resolve => tcp.listen(port, LOOPBACK, resolve))
    try {
      let bytesOut = 0
      const stats0 = await transportStats(target)
      for (let i = 0; i < 288; i++) {
        const buf = encodeQuery(new Uint8Array([i >> 8, i & 255]), 'ping', { id: randomId() })
        bytesOut += buf.length
        await new Promise<void>((resolve, reject) => sock.send(buf, target.udp.port, target.udp.host, err => err ? reject(err) : resolve()))
        if (i % 32 === 31) await new Promise(resolve => setTimeout(resolve, 20))
      }
      // A barrier: the node reads datagrams in order and hands each ping's transport.seen and
      // rpc.ping to routing through one ordered mailbox, so once it answers a ping sent after the
      // others, routing has weighed every one of them, and anything that set off (a ping back to the
      // socket, a table change) has been sent or made. The reads below go through the same mailboxes.
      const barrier = await rawSocket()
      try {
        await barrier.barrier(target.udp, randomId())
      } finally {
        await barrier.close()
      }
      await new Promise(resolve => setImmediate(resolve))
      const stats = await transportStats(target)
      assert.ok(stats.queriesIn! - stats0.queriesIn! >= 250, `the pings arrived (${stats.queriesIn! - stats0.queriesIn!})`)
      const after = (await contactsOf(target)).contacts
      assert.not.ok(after.some(c => c.port === port && c.host === LOOPBACK), 'the socket is in no table')
      assert.ok(after.length <= before, `the table did not grow (${before} → ${after.length})`)
      for (const asker of [swarm.nodes[0]!, swarm.nodes[4]!]) {
        for (const t of [target.id, randomId()]) {
          const nodes = await findNodeVia(asker, target.udp, t)
          assert.not.ok(nodes.some(n => n.port === port), 'no find_node answer names the socket')
        }
      }
      assert.ok(bytesIn <= bytesOut, `it got ${bytesIn} bytes for its ${bytesOut}`)
      assert.is(tcpConnects, 0, 'never TCP-connected to')
    } finally {
      sock.close()
      await new Promise(resolve => tcp.close(resolve))
    }
  })
)

admission.run()
