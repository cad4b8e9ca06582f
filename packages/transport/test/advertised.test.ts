/**
 * The advertised address (transport.info `advertised`): the bound address, except for a wildcard
 * bind, which names no host — then the host asked for, else an interface address, else loopback.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isTransportInfoReply, randomId } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { advertisedAddress, transport } from '../src/index.js'
import type { Interfaces } from '../src/advertised.js'
import { fakeDeps, runInProcess } from './fixtures/deps.js'

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) => ({ address, family, internal, netmask: '',
  mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) })
const IFACES = { lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('fe80::1', 'IPv6'), nic('2001:db8::7', 'IPv6'), nic('192.0.2.7', 'IPv4')] } as unknown as Interfaces

const pick = suite('transport advertised - the choice')

pick('advertised - a specific bind is advertised as is', () => {
  assert.equal(advertisedAddress({ host: '127.0.0.1', port: 6881 }, { interfaces: IFACES }), { host: '127.0.0.1', port: 6881 })
  assert.equal(advertisedAddress({ host: '2001:db8::5', port: 1 }, { interfaces: IFACES, advertise: '10.0.0.1' }), { host: '2001:db8::5',
    port: 1 })
})

pick('advertised - 0.0.0.0: the first non-internal IPv4 address, the bound port', () => {
  assert.equal(advertisedAddress({ host: '0.0.0.0', port: 7000 }, { interfaces: IFACES }), { host: '192.0.2.7', port: 7000 })
})

pick('advertised - :: prefers IPv4 (dual stack), else a non-link-local IPv6 address', () => {
  assert.equal(advertisedAddress({ host: '::', port: 7000 }, { interfaces: IFACES }), { host: '192.0.2.7', port: 7000 })
  const v6only = { eth0: [nic('fe80::1', 'IPv6'), nic('2001:db8::7', 'IPv6')] } as unknown as Interfaces
  assert.equal(advertisedAddress({ host: '::', port: 7000 }, { interfaces: v6only }), { host: '2001:db8::7', port: 7000 })
})

pick('advertised - no usable interface: loopback; an explicit advertise host wins', () => {
  const none = { lo: [nic('127.0.0.1', 'IPv4', true)] } as unknown as Interfaces
  assert.equal(advertisedAddress({ host: '0.0.0.0', port: 9 }, { interfaces: none }), { host: '127.0.0.1', port: 9 })
  assert.equal(advertisedAddress({ host: '::', port: 9 }, { interfaces: none }), { host: '::1', port: 9 })
  assert.equal(advertisedAddress({ host: '0.0.0.0', port: 9 }, { interfaces: IFACES, advertise: '203.0.113.9' }), { host: '203.0.113.9',
    port: 9 })
})

pick.run()

const info = suite('transport advertised - transport.info')

info('advertised - bound to 0.0.0.0, transport.info says so in udp and advertises a real host on the same port',
  withTimeout(8000, async () => {
    const node = runInProcess(transport({ id: randomId(), host: '0.0.0.0', port: 0, tcp: false }), fakeDeps({}))
    try {
      const r = await node.request({ type: 'transport.info' })
      assert.ok(isTransportInfoReply(r))
      assert.is(r.udp.host, '0.0.0.0')
      assert.ok(r.advertised !== undefined && r.advertised.host !== '0.0.0.0', JSON.stringify(r.advertised))
      assert.is(r.advertised.port, r.udp.port)
    } finally {
      node.stop()
    }
  }))

info('advertised - bound to 127.0.0.1, advertised is the bound address', withTimeout(8000, async () => {
  const node = runInProcess(transport({ id: randomId(), host: '127.0.0.1', port: 0, tcp: false }), fakeDeps({}))
  try {
    const r = await node.request({ type: 'transport.info' })
    assert.ok(isTransportInfoReply(r))
    assert.equal(r.advertised, r.udp)
  } finally {
    node.stop()
  }
}))

info.run()
