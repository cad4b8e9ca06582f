import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeAddress, decodeNodes, decodeNodes6, encodeAddress, encodeNodes, encodeNodes6, normalizeHost,
  parseHost } from '../src/compact.js'
import type { NodeInfo } from '../src/compact.js'
import { filledId, prng } from './fixtures.js'

const A: NodeInfo = { id: filledId(1), host: '1.2.3.4', port: 6881 }
const B: NodeInfo = { id: filledId(2), host: '255.255.255.255', port: 65535 }
const C: NodeInfo = { id: filledId(3), host: '0.0.0.0', port: 1 }
const V6: NodeInfo = { id: filledId(6), host: '2001:db8::1', port: 443 }

const nodes = suite('compact - nodes (IPv4, 26 bytes)')

nodes('compact - encodeNodes lays out id, address, big-endian port', () => {
  const buf = encodeNodes([A])
  assert.is(buf.length, 26)
  assert.equal(buf.subarray(0, 20), filledId(1))
  assert.equal([...buf.subarray(20, 24)], [1, 2, 3, 4])
  assert.equal([...buf.subarray(24)], [6881 >> 8, 6881 & 0xff])
})

nodes('compact - round trip of several nodes, order kept', () => {
  const buf = encodeNodes([A, B, C])
  assert.is(buf.length, 78)
  assert.equal(decodeNodes(buf), [A, B, C])
})

nodes('compact - encodeNodes skips IPv6, bad ids, bad ports and host names', () => {
  const bad: NodeInfo[] = [
    V6,
    { id: new Uint8Array(19), host: '1.1.1.1', port: 1 },
    { id: filledId(9), host: '1.1.1.1', port: 0 },
    { id: filledId(9), host: '1.1.1.1', port: 70000 },
    { id: filledId(9), host: 'example.com', port: 80 }
  ]
  assert.equal(decodeNodes(encodeNodes([...bad, A])), [A])
  assert.is(encodeNodes(bad).length, 0)
})

nodes('compact - an IPv4-mapped IPv6 host is encoded as IPv4', () => {
  assert.equal(decodeNodes(encodeNodes([{ ...A, host: '::ffff:1.2.3.4' }])), [A])
})

nodes('compact - decodeNodes of empty bytes is an empty list', () => {
  assert.equal(decodeNodes(new Uint8Array(0)), [])
})

nodes('compact - decodeNodes rejects non-bytes, bad lengths and port 0', () => {
  for (const x of [undefined, null, 'abc', 26, [1, 2], {}, new Uint16Array(13)]) assert.is(decodeNodes(x), undefined)
  assert.is(decodeNodes(new Uint8Array(25)), undefined)
  assert.is(decodeNodes(new Uint8Array(27)), undefined)
  const zeroPort = encodeNodes([A, B])
  zeroPort[50] = 0
  zeroPort[51] = 0
  assert.is(decodeNodes(zeroPort), undefined)
})

nodes('compact - decoded ids are copies, not views of the packet', () => {
  const buf = encodeNodes([A])
  const [node] = decodeNodes(buf)!
  buf[0] = 99
  assert.equal(node!.id, filledId(1))
  assert.is(node!.id.buffer.byteLength, 20)
})

nodes.run()

const nodes6 = suite('compact - nodes6 (IPv6, 38 bytes)')

nodes6('compact - encodeNodes6 lays out id, 16 address bytes, port', () => {
  const buf = encodeNodes6([V6])
  assert.is(buf.length, 38)
  assert.equal(buf.subarray(0, 20), filledId(6))
  assert.equal([...buf.subarray(20, 36)], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
  assert.equal([...buf.subarray(36)], [1, 187])
})

nodes6('compact - round trip, IPv4 nodes skipped', () => {
  const other: NodeInfo = { id: filledId(7), host: 'fe80::1:2', port: 9 }
  assert.equal(decodeNodes6(encodeNodes6([A, V6, other, B])), [V6, other])
})

nodes6('compact - decodeNodes6 rejects bad lengths, port 0 and non-bytes', () => {
  assert.is(decodeNodes6(new Uint8Array(26)), undefined)
  assert.is(decodeNodes6(new Uint8Array(39)), undefined)
  assert.is(decodeNodes6(new Uint8Array(38)), undefined, 'port 0')
  assert.is(decodeNodes6('x'.repeat(38)), undefined)
  assert.equal(decodeNodes6(new Uint8Array(0)), [])
})

nodes6.run()

const address = suite('compact - addresses')

address('compact - IPv4 address is 6 bytes', () => {
  assert.equal([...encodeAddress('10.0.0.1', 6881)!], [10, 0, 0, 1, 0x1a, 0xe1])
  assert.equal(decodeAddress(encodeAddress('10.0.0.1', 6881)), { host: '10.0.0.1', port: 6881 })
})

address('compact - IPv6 address is 18 bytes', () => {
  const buf = encodeAddress('::1', 80)!
  assert.is(buf.length, 18)
  assert.equal(decodeAddress(buf), { host: '::1', port: 80 })
})

address('compact - IPv4-mapped IPv6 is encoded as IPv4', () => {
  assert.is(encodeAddress('::ffff:192.168.1.2', 1)!.length, 6)
  assert.is(encodeAddress('::FFFF:c0a8:0102', 1)!.length, 6)
})

address('compact - encodeAddress rejects bad ports', () => {
  for (const port of [0, -1, 65536, 1.5, NaN, Infinity]) assert.is(encodeAddress('1.2.3.4', port), undefined, String(port))
  assert.ok(encodeAddress('1.2.3.4', 65535))
  assert.ok(encodeAddress('1.2.3.4', 1))
})

address('compact - encodeAddress rejects what is not an IP address', () => {
  const bad = ['', 'localhost', 'example.com', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.04', ' 1.2.3.4', '1.2.3.4 ',
    '-1.2.3.4', 'fe80::1%eth0', '1::2::3', ':::', '::1:', ':1::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7::8', '12345::',
    'g::1', '::1.2.3', '1.2.3.4::', '::1.2.3.4:5', '[::1]', 'x'.repeat(46)]
  for (const host of bad) assert.is(encodeAddress(host, 80), undefined, host)
})

address('compact - decodeAddress rejects wrong lengths, port 0 and non-bytes', () => {
  for (const n of [0, 4, 5, 7, 16, 17, 19]) assert.is(decodeAddress(new Uint8Array(n).fill(1)), undefined, String(n))
  assert.is(decodeAddress(new Uint8Array([1, 2, 3, 4, 0, 0])), undefined)
  assert.is(decodeAddress('abcdef'), undefined)
  assert.is(decodeAddress([1, 2, 3, 4, 0, 1]), undefined)
})

address('compact - random IPv4 and IPv6 addresses round trip', () => {
  const rnd = prng(4)
  for (let i = 0; i < 2000; i++) {
    const v6 = rnd.int(2) === 1
    const buf = rnd.bytes(v6 ? 18 : 6)
    if (v6 && rnd.int(3) === 0) buf.fill(0, 2 + rnd.int(6), 2 + rnd.int(16)) // zero runs
    if (buf[buf.length - 1] === 0 && buf[buf.length - 2] === 0) buf[buf.length - 1] = 1
    const decoded = decodeAddress(buf)!
    assert.ok(decoded, 'decodes')
    assert.equal(encodeAddress(decoded.host, decoded.port), buf)
  }
})

address.run()

const hosts = suite('compact - host text')

hosts('compact - normalizeHost follows RFC 5952', () => {
  const cases: Array<[string, string]> = [
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1::', '1::'],
    ['::1.2.3.4', '::102:304'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['1.2.3.4', '1.2.3.4']
  ]
  for (const [input, want] of cases) assert.is(normalizeHost(input), want, input)
})

hosts('compact - IPv6 text agrees with the WHATWG URL serializer', () => {
  const rnd = prng(5)
  for (let i = 0; i < 500; i++) {
    const ip = rnd.bytes(16)
    if (rnd.int(2) === 0) ip.fill(0, rnd.int(16), rnd.int(17))
    if (ip.subarray(0, 10).every(b => b === 0) && ip[10] === 0xff && ip[11] === 0xff) continue
    const host = decodeAddress(new Uint8Array([...ip, 0, 1]))!.host
    assert.is(host, new URL(`http://[${host}]/`).hostname.slice(1, -1), host)
    assert.is(new URL(`http://[${host}]/`).hostname, `[${normalizeHost(host)!}]`)
  }
})

hosts('compact - parseHost gives 4 or 16 bytes, or undefined', () => {
  assert.equal([...parseHost('127.0.0.1')!], [127, 0, 0, 1])
  assert.is(parseHost('::')!.length, 16)
  assert.is(parseHost(42), undefined)
  assert.is(parseHost(undefined), undefined)
})

hosts.run()
