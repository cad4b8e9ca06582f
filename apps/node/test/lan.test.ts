import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import packet from 'dns-packet'
import type { Packet } from 'dns-packet'
import { boundAddresses, isLoopbackHost, MAX_ADDRESSES, MAX_INSTANCES, peersOf, SERVICE } from '../src/lan.js'

const SELF = 'aa'.repeat(20)
const OTHER = 'bb'.repeat(20)

/** A response as another node would send it, through dns-packet's encoder and decoder (the wire). */
function wire (answers: Packet['answers'], additionals: Packet['additionals'] = []): Packet {
  return packet.decode(packet.encode({ type: 'response', answers, additionals }))
}
function instance (id: string, port: number, hosts: string[]): NonNullable<Packet['answers']> {
  return [
    { name: SERVICE, type: 'PTR', data: `${id}.${SERVICE}` },
    { name: `${id}.${SERVICE}`, type: 'SRV', data: { port, target: `${id}.local` } },
    ...hosts.map(h =>
      h.includes(':') ? { name: `${id}.local`, type: 'AAAA' as const, data: h } : { name: `${id}.local`, type: 'A' as const, data: h }
    )
  ]
}

const parse = suite('lan - what a response names')

parse('a peer\'s instance gives its id, port and every address it announced', () => {
  const found = peersOf(wire(instance(OTHER, 7000, ['10.231.0.2', 'fd31::2'])), SELF, '10.231.0.2')
  assert.equal(found, [{ idHex: OTHER, host: '10.231.0.2', port: 7000 }, { idHex: OTHER, host: 'fd31::2', port: 7000 }])
})

parse('our own instance, a label that is not an id, a bad port and link-local addresses are ignored', () => {
  assert.is(peersOf(wire(instance(SELF, 7000, ['10.0.0.1'])), SELF, '10.0.0.1'), undefined)
  assert.is(peersOf(wire([{ name: `printer.${SERVICE}`, type: 'SRV', data: { port: 7000, target: 'printer.local' } }]), SELF, '10.0.0.1'),
    undefined)
  assert.is(peersOf(wire(instance(OTHER, 0, ['10.0.0.1'])), SELF, '10.0.0.1'), undefined)
  assert.equal(peersOf(wire(instance(OTHER, 7000, ['fe80::1'])), SELF, '10.9.9.9'), [{ idHex: OTHER, host: '10.9.9.9', port: 7000 }],
    'no usable address: the sender\'s')
  assert.is(peersOf(wire([{ name: 'x.local', type: 'A', data: '10.0.0.1' }]), SELF, '10.0.0.1'), undefined)
})

parse('a hostile response naming hundreds of peers and addresses is read only up to the bounds', () => {
  const answers: NonNullable<Packet['answers']> = []
  for (let i = 0; i < 40; i++) {
    answers.push(...instance(i.toString(16).padStart(40, 'c'), 7000, Array.from({ length: 20 }, (_, j) => `10.${i}.${j}.1`)))
  }
  const found = peersOf(wire(answers), SELF, '10.0.0.1')!
  assert.is(new Set(found.map(p => p.idHex)).size, MAX_INSTANCES)
  assert.is(found.length, MAX_INSTANCES * MAX_ADDRESSES)
})

parse('the addresses a node announces are the ones it is bound to', () => {
  const ifs = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: '10.231.0.2', family: 'IPv4', internal: false }, { address: 'fd31::2', family: 'IPv6', internal: false }, {
      address: 'fe80::1',
      family: 'IPv6',
      internal: false
    }]
  } as unknown as Parameters<typeof boundAddresses>[1]
  assert.equal(boundAddresses('10.231.0.2', ifs), ['10.231.0.2'])
  assert.equal(boundAddresses('0.0.0.0', ifs), ['10.231.0.2'])
  assert.equal(boundAddresses('::', ifs), ['10.231.0.2', 'fd31::2'])
})

parse('a node bound to loopback runs no LAN discovery: it has no LAN', () => {
  assert.equal(['127.0.0.1', '127.77.0.9', '::1', '::ffff:127.0.0.1', '10.0.0.1', '::', '0.0.0.0', 'fd31::1'].map(isLoopbackHost), [true,
    true, true, true, false, false, false, false])
})

parse.run()
