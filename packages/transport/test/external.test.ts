/**
 * Learning our address from the nodes we query (BEP 42): our replies tell each querier its address
 * when there is room within the 3× bound; the `ip` in replies to our queries is tallied, and once
 * responders at three distinct IPs agree (and hold a majority) transport.info advertises it — a
 * node behind a NAT then signs the address holders see.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import dgram from 'node:dgram'
import { of } from 'rxjs'
import { decodeAddress, decodeKrpc, encodeAddress, encodeResponse, isTransportInfoReply, randomId } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createExternalTally, transport } from '../src/index.js'
import { fakeDeps, runInProcess } from './fixtures/deps.js'

const ip = (host: string, port: number): Uint8Array => encodeAddress(host, port)!

const tally = suite('transport external - the tally')

tally('external - three responders at distinct IPs that agree decide it; fewer do not', () => {
  const t = createExternalTally()
  t.report(ip('203.0.113.5', 6881), '198.51.100.1', 1)
  t.report(ip('203.0.113.5', 6881), '198.51.100.2', 1)
  assert.is(t.best(), undefined, 'two sources are not enough')
  t.report(ip('203.0.113.5', 6881), '198.51.100.3', 1)
  assert.equal(t.best(), { host: '203.0.113.5', port: 6881 })
})

tally('external - many responders at one IP count as one source', () => {
  const t = createExternalTally()
  for (let port = 1; port <= 10; port++) t.report(ip('203.0.113.5', 6881), '127.0.0.1', port)
  assert.is(t.best(), undefined)
  assert.is(t.size, 10)
})

tally('external - a minority of liars cannot move it; a majority can; each responder votes once (its latest)', () => {
  const t = createExternalTally()
  for (let i = 1; i <= 5; i++) t.report(ip('203.0.113.5', 6881), `198.51.100.${i}`, 1)
  for (let i = 6; i <= 8; i++) t.report(ip('192.0.2.66', 1), `198.51.100.${i}`, 1)
  assert.equal(t.best(), { host: '203.0.113.5', port: 6881 }, '5 of 8')
  for (let i = 1; i <= 2; i++) t.report(ip('192.0.2.66', 1), `198.51.100.${i}`, 1) // two change their minds
  assert.equal(t.best(), { host: '192.0.2.66', port: 1 }, '5 of 8 now')
  assert.is(t.size, 8)
})

tally('external - a NAT that maps us to other ports for some destinations: the IP decides, with the port most of its votes name', () => {
  const t = createExternalTally()
  t.report(ip('203.0.113.5', 7000), '198.51.100.1', 7000)
  t.report(ip('203.0.113.5', 46658), '198.51.100.2', 7000)
  t.report(ip('203.0.113.5', 7000), '198.51.100.3', 7000)
  t.report(ip('203.0.113.5', 59018), '198.51.100.4', 7000)
  assert.equal(t.best(), { host: '203.0.113.5', port: 7000 }, '2 of 4 name port 7000; all 4 the IP')
  const split = createExternalTally()
  split.report(ip('203.0.113.5', 7000), '198.51.100.1', 7000)
  split.report(ip('203.0.113.5', 7001), '198.51.100.2', 7000)
  split.report(ip('192.0.2.66', 7000), '198.51.100.3', 7000)
  split.report(ip('192.0.2.66', 7000), '198.51.100.4', 7000)
  assert.is(split.best(), undefined, 'no IP holds more than half')
})

tally('external - only the last `window` responders count; malformed ips are ignored', () => {
  const t = createExternalTally({ window: 4 })
  for (let i = 1; i <= 4; i++) t.report(ip('203.0.113.5', 6881), `198.51.100.${i}`, 1)
  for (let i = 5; i <= 7; i++) t.report(ip('192.0.2.66', 1), `198.51.100.${i}`, 1)
  assert.is(t.size, 4)
  assert.equal(t.best(), { host: '192.0.2.66', port: 1 }, '3 of the last 4')
  t.report(new Uint8Array(5), '198.51.100.9', 1)
  t.report(new Uint8Array([1, 2, 3, 4, 0, 0]), '198.51.100.9', 1) // port 0
  assert.is(t.size, 4)
})

tally.run()

const wire = suite('transport external - over UDP')

wire('external - our replies carry the querier\'s address (BEP 42) when it fits', withTimeout(8000, async () => {
  const node = runInProcess(transport({ id: randomId(), host: '127.0.0.1', port: 0, tcp: false }), fakeDeps({
    'rpc.ping': m => of({ type: 'rpc.reply', re: m.cid ?? -1, end: true, r: {} } as Message)
  }))
  const probe = dgram.createSocket('udp4')
  await new Promise<void>(resolve => probe.bind(0, '127.0.0.1', resolve))
  try {
    const info = await node.request({ type: 'transport.info' })
    assert.ok(isTransportInfoReply(info))
    const got = new Promise<Buffer>(resolve => probe.once('message', resolve))
    const q = Buffer.from('d1:ad2:id20:' + 'a'.repeat(20) + 'e1:q4:ping1:t2:xy1:y1:qe', 'latin1')
    probe.send(q, info.udp.port, '127.0.0.1')
    const res = decodeKrpc(await got)
    assert.ok(res.ok && res.msg.y === 'r')
    assert.equal(decodeAddress(res.msg.ip!), { host: '127.0.0.1', port: probe.address().port })
  } finally {
    node.stop()
    probe.close()
  }
}))

wire('external - replies from three distinct IPs naming one address make transport.info advertise it', withTimeout(10_000, async () => {
  const node = runInProcess(transport({ id: randomId(), host: '127.0.0.1', port: 0, tcp: false }), fakeDeps({}))
  const responders = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4'].map(async host => {
    const s = dgram.createSocket('udp4')
    await new Promise<void>(resolve => s.bind(0, host, resolve))
    s.on('message', (buf, rinfo) => {
      const q = decodeKrpc(buf)
      if (!q.ok || q.msg.y !== 'q') return
      s.send(encodeResponse(q.msg.t, { id: randomId() }, { ip: ip('203.0.113.5', 40_000) }), rinfo.port, rinfo.address)
    })
    return s
  }))
  try {
    const before = await node.request({ type: 'transport.info' })
    assert.ok(isTransportInfoReply(before))
    assert.equal(before.advertised, before.udp, 'nothing learned yet')
    for (const r of responders) {
      const res = await node.request(
        { type: 'transport.query', to: { host: r.address().address, port: r.address().port }, q: 'ping', a: {} } as Message
      )
      assert.is(res.type, 'transport.response')
    }
    const after = await waitFor(async () => {
      const m = await node.request({ type: 'transport.info' })
      return isTransportInfoReply(m) && m.advertised?.host === '203.0.113.5' ? m : undefined
    }, { timeout: 3000, what: 'the learned address' })
    assert.equal(after.advertised, { host: '203.0.113.5', port: 40_000 })
    assert.is(after.stats.externalVotes, 3)
  } finally {
    node.stop()
    for (const r of responders) r.close()
  }
}))

wire.run()
