import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ipLimitsOf, isLoopbackHost, limitPerSubnet, subnetOf } from '../src/subnet.js'

const subnet = suite('subnet')

subnet('subnet - an IPv4 address counts against its /24, an IPv6 one against its /64', () => {
  assert.is(subnetOf('8.8.8.8', 'default'), '8.8.8')
  assert.is(subnetOf('8.8.8.200', 'default'), subnetOf('8.8.8.1', 'default'))
  assert.is.not(subnetOf('8.8.9.1', 'default'), subnetOf('8.8.8.1', 'default'))
  assert.is(subnetOf('2001:db8:1:2::1', 'default'), subnetOf('2001:db8:1:2:ffff::9', 'default'))
  assert.is.not(subnetOf('2001:db8:1:3::1', 'default'), subnetOf('2001:db8:1:2::1', 'default'))
  assert.is(subnetOf('::ffff:8.8.8.8', 'default'), '8.8.8')
})

subnet('subnet - loopback and private ranges are exempt unless strict; off exempts all', () => {
  for (const host of ['127.77.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.0.1', '100.64.0.1', '::1', 'fd00::1', 'fe80::1']) {
    assert.is(subnetOf(host, 'default'), undefined, host)
    assert.type(subnetOf(host, 'strict'), 'string', host)
  }
  assert.is(subnetOf('172.32.0.1', 'default'), '172.32.0')
  assert.is(subnetOf('8.8.8.8', 'off'), undefined)
  assert.is(subnetOf('not an ip', 'strict'), undefined)
})

subnet('subnet - an IPv6 zone id is no part of the subnet: a scoped link-local address is local, and in strict its /64', () => {
  assert.is(subnetOf('fe80::1%eth0', 'default'), undefined)
  assert.is(subnetOf('fe80::1%eth0', 'strict'), subnetOf('fe80::2', 'strict'))
  assert.is(subnetOf('2001:db8:1:2::1%3', 'default'), subnetOf('2001:db8:1:2::9', 'default'))
  assert.is(subnetOf('8.8.8.8%eth0', 'strict'), undefined, 'IPv4 has no zone: unparsable')
  assert.is(subnetOf('%eth0', 'strict'), undefined)
})

subnet('subnet - isLoopbackHost: 127/8 (mapped too) and ::1 only', () => {
  for (const host of ['127.0.0.1', '127.9.8.7', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::1%lo']) {
    assert.ok(isLoopbackHost(host), host)
  }
  for (const host of ['128.0.0.1', '10.0.0.1', '::', '::2', '1::1', 'fe80::1', 'localhost', '']) assert.not.ok(isLoopbackHost(host), host)
})

subnet('subnet - limitPerSubnet keeps the first n of each subnet, in order; exempt ones always', () => {
  const items = ['1.1.1.1', '1.1.1.2', '127.0.0.1', '1.1.1.3', '2.2.2.2', '127.0.0.2', '1.1.1.4'].map(host => ({ host }))
  assert.equal(limitPerSubnet(items, 2, 'default').map(x => x.host), ['1.1.1.1', '1.1.1.2', '127.0.0.1', '2.2.2.2', '127.0.0.2'])
  assert.equal(limitPerSubnet(items, 2, 'strict').map(x => x.host), ['1.1.1.1', '1.1.1.2', '127.0.0.1', '2.2.2.2', '127.0.0.2'])
  assert.equal(limitPerSubnet(items, 1, 'strict').map(x => x.host), ['1.1.1.1', '127.0.0.1', '2.2.2.2'])
})

subnet('subnet - ipLimitsOf fills defaults and ignores bad values', () => {
  assert.equal(ipLimitsOf(undefined), { mode: 'default', bucket: 2, table: 10 })
  assert.equal(ipLimitsOf({ mode: 'strict', bucket: 3 }), { mode: 'strict', bucket: 3, table: 10 })
  assert.equal(ipLimitsOf({ mode: 'loose', bucket: -1, table: 1.5 }), { mode: 'default', bucket: 2, table: 10 })
})

subnet.run()
