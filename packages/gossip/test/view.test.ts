import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { commonPrefixLength } from '@peerconnect/protocol'
import type { Contact } from '@peerconnect/protocol'
import { createPeerView, idKey } from '../src/view.js'

const SELF = new Uint8Array(20)
const contact = (first: number, last = 1, host = '10.0.0.1'): Contact => {
  const id = new Uint8Array(20)
  id[0] = first
  id[19] = last
  return { id, host, port: 6881, lastSeen: 0 }
}

const view = suite('view - buckets by shared prefix')

view('view - contacts land in the bucket of their shared prefix length with us', () => {
  const v = createPeerView(SELF)
  const a = contact(0x80)
  const b = contact(0x40)
  const c = contact(0x01)
  for (const x of [a, b, c]) assert.ok(v.add(x))
  assert.equal(v.bucket(0), [a])
  assert.equal(v.bucket(1), [b])
  assert.equal(v.bucket(7), [c])
  assert.is(v.bucket(commonPrefixLength(SELF, contact(0, 1).id)).length, 0)
  assert.is(v.size, 3)
})

view('view - our own id and malformed ids are refused', () => {
  const v = createPeerView(SELF)
  assert.not.ok(v.add({ id: new Uint8Array(20), host: '10.0.0.1', port: 1, lastSeen: 0 }))
  assert.not.ok(v.add({ id: new Uint8Array(19), host: '10.0.0.1', port: 1, lastSeen: 0 }))
  assert.not.ok(v.add({ id: 'x' as unknown as Uint8Array, host: '10.0.0.1', port: 1, lastSeen: 0 }))
  assert.is(v.size, 0)
})

view('view - a contact known to speak BEP 5 only is refused (it never gets a pc_gossip); unknown and PeerConnect ones are kept', () => {
  const v = createPeerView(SELF)
  assert.not.ok(v.add({ ...contact(0x80), pc: false }))
  assert.ok(v.add({ ...contact(0x40), pc: true }))
  assert.ok(v.add(contact(0x20)))
  assert.is(v.size, 2)
})

view('view - adding a known id again updates its address, not its count', () => {
  const v = createPeerView(SELF)
  v.add(contact(0x80, 1, '10.0.0.1'))
  v.add(contact(0x80, 1, '10.0.0.2'))
  assert.is(v.size, 1)
  assert.is(v.bucket(0)[0]!.host, '10.0.0.2')
})

view('view - remove takes a contact out from the middle of a bucket and keeps the rest findable', () => {
  const v = createPeerView(SELF)
  const xs = [1, 2, 3, 4].map(i => contact(0x80, i))
  for (const x of xs) v.add(x)
  assert.ok(v.remove(xs[1]!.id))
  assert.not.ok(v.remove(xs[1]!.id), 'second time')
  assert.not.ok(v.has(xs[1]!.id))
  assert.is(v.bucket(0).length, 3)
  for (const x of [xs[0]!, xs[2]!, xs[3]!]) assert.ok(v.has(x.id))
  assert.ok(v.remove(xs[3]!.id))
  assert.ok(v.remove(xs[0]!.id))
  assert.equal(v.bucket(0).map(c => c.id[19]), [3])
})

view('view - has and remove ignore non-ids; contacts lists everything', () => {
  const v = createPeerView(SELF)
  v.add(contact(0x80))
  v.add(contact(0x02))
  assert.not.ok(v.has('x' as unknown as Uint8Array))
  assert.not.ok(v.remove(42 as unknown as Uint8Array))
  assert.is(v.contacts().length, 2)
  assert.is(v.self, SELF)
})

view('view - idKey is 20 characters and distinct per id', () => {
  const a = contact(0x80, 1).id
  const b = contact(0x80, 2).id
  assert.is(idKey(a).length, 20)
  assert.is.not(idKey(a), idKey(b))
  assert.is(idKey(a), idKey(new Uint8Array(a)))
  assert.is(idKey(a.subarray(0, 20)), idKey(a))
})

view.run()
