import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { idToHex, randomId } from '@peerconnect/protocol'
import type { Contact } from '@peerconnect/protocol'
import { createPeerView } from '../src/peer-view.js'
import { SEEN_STEP } from '../src/constants.js'

const T0 = 1_700_000_000_000

function contact (port: number, lastSeen = T0, host = '127.0.0.1'): Contact {
  return { id: randomId(), host, port, lastSeen }
}

const adding = suite('peer view - adding and removing')

adding('view - a new contact is a peer.added with an empty name, online, its address and last seen', () => {
  const view = createPeerView()
  const c = contact(4000, T0 + 5)
  const e = view.add(c)
  assert.equal(e, { type: 'peer.added',
    peer: { id: idToHex(c.id), name: '', address: '127.0.0.1:4000', status: 'online', lastSeen: T0 + 5, nameState: 'pending' } })
  assert.is(view.size, 1)
  assert.equal(view.get(idToHex(c.id)), e!.peer)
})

adding('view - an IPv6 contact gets a bracketed address', () => {
  const view = createPeerView()
  const e = view.add(contact(4000, T0, '::1'))
  assert.is(e?.peer.address, '[::1]:4000')
})

adding('view - the same contact again with nothing visible changed is no event', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  assert.is(view.add({ ...c, lastSeen: T0 + 1000 }), undefined)
  assert.is(view.get(idToHex(c.id))?.lastSeen, T0 + 1000, 'but the last seen time moved on')
})

adding('view - last seen moving SEEN_STEP or more is a peer.status (and the step counts from the last event)', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  assert.is(view.add({ ...c, lastSeen: T0 + SEEN_STEP - 1 }), undefined)
  const e = view.add({ ...c, lastSeen: T0 + SEEN_STEP })
  assert.is(e?.type, 'peer.status')
  assert.is(e?.peer.lastSeen, T0 + SEEN_STEP)
  assert.is(view.add({ ...c, lastSeen: T0 + SEEN_STEP + 10 }), undefined)
})

adding('view - an older last seen never moves the time back', () => {
  const view = createPeerView()
  const c = contact(4000, T0 + 9000)
  view.add(c)
  view.add({ ...c, lastSeen: T0 })
  assert.is(view.get(idToHex(c.id))?.lastSeen, T0 + 9000)
})

adding('view - a new address is a peer.status carrying it', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  const e = view.add({ ...c, port: 4001 })
  assert.is(e?.type, 'peer.status')
  assert.is(e?.peer.address, '127.0.0.1:4001')
  assert.equal(view.target(idToHex(c.id)), { id: c.id, host: '127.0.0.1', port: 4001 })
})

adding('view - remove is a peer.removed of a known peer, nothing for an unknown one', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  const e = view.remove({ id: c.id })
  assert.is(e?.type, 'peer.removed')
  assert.is(e?.peer.id, idToHex(c.id))
  assert.is(view.size, 0)
  assert.is(view.remove({ id: c.id }), undefined)
  assert.is(view.remove({ id: randomId() }), undefined)
})

adding('view - the id is copied: a caller reusing its buffer does not change the view', () => {
  const view = createPeerView()
  const c = contact(4000)
  const hex = idToHex(c.id)
  view.add(c)
  c.id.fill(0)
  assert.ok(view.get(hex) !== undefined)
  assert.is(idToHex(view.target(hex)!.id), hex)
})

adding.run()

const status = suite('peer view - online and offline')

status('view - a failed check turns the peer offline; a good one turns it back online', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  const off = view.checked({ id: c.id, host: c.host, port: c.port, alive: false, checkedAt: T0 + 100 })
  assert.is(off?.type, 'peer.status')
  assert.is(off?.peer.status, 'offline')
  assert.is(view.checked({ id: c.id, host: c.host, port: c.port, alive: false, checkedAt: T0 + 200 }), undefined, 'still offline: no event')
  const on = view.checked({ id: c.id, host: c.host, port: c.port, alive: true, checkedAt: T0 + 300 })
  assert.is(on?.peer.status, 'online')
  assert.is(on?.peer.lastSeen, T0 + 300, 'a good check counts as seen')
})

status('view - an offline peer that routing has seen since the failed check is online again', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  view.checked({ id: c.id, host: c.host, port: c.port, alive: false, checkedAt: T0 + 100 })
  assert.is(view.add({ ...c, lastSeen: T0 + 50 }), undefined, 'seen before the check: still offline')
  assert.is(view.get(idToHex(c.id))?.status, 'offline')
  const e = view.add({ ...c, lastSeen: T0 + 150 })
  assert.is(e?.peer.status, 'online')
})

status('view - a failed check that started before the peer was seen again does not turn it offline', () => {
  const view = createPeerView()
  const c = contact(4000, T0 + 500)
  view.add(c)
  assert.is(view.checked({ id: c.id, host: c.host, port: c.port, alive: false, checkedAt: T0 + 400 }), undefined)
  assert.is(view.get(idToHex(c.id))?.status, 'online')
})

status('view - a check of another address, of an unknown id, or older than the last one is ignored', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  assert.is(view.checked({ id: c.id, host: c.host, port: 4999, alive: false, checkedAt: T0 + 100 }), undefined)
  assert.is(view.checked({ id: c.id, host: '127.0.0.2', port: c.port, alive: false, checkedAt: T0 + 100 }), undefined)
  assert.is(view.checked({ id: randomId(), host: c.host, port: c.port, alive: false, checkedAt: T0 + 100 }), undefined)
  view.checked({ id: c.id, host: c.host, port: c.port, alive: true, checkedAt: T0 + 300 })
  assert.is(view.checked({ id: c.id, host: c.host, port: c.port, alive: false, checkedAt: T0 + 200 }), undefined,
    'older than the last check')
  assert.is(view.get(idToHex(c.id))?.status, 'online')
})

status('view - a new address clears an offline mark (it is a different endpoint now)', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  view.checked({ id: c.id, host: c.host, port: c.port, alive: false, checkedAt: T0 + 100 })
  const e = view.add({ ...c, port: 4002 })
  assert.equal([e?.peer.status, e?.peer.address], ['online', '127.0.0.1:4002'])
})

status.run()

const sync = suite('peer view - sync, names, stale')

sync('view - sync adds the new, updates the known and removes the gone, each with its event', () => {
  const view = createPeerView()
  const [a, b, c] = [contact(4000), contact(4001), contact(4002)]
  view.add(a)
  view.add(b)
  const events = view.sync([{ ...b, port: 5001 }, c])
  assert.equal(events.map(e => [e.type, e.peer.id]).sort(), [
    ['peer.added', idToHex(c.id)],
    ['peer.removed', idToHex(a.id)],
    ['peer.status', idToHex(b.id)]
  ].sort())
  assert.equal(view.peers().map(p => p.id).sort(), [idToHex(b.id), idToHex(c.id)].sort())
})

sync('view - sync with the same table twice is quiet the second time', () => {
  const view = createPeerView()
  const table = [contact(4000), contact(4001)]
  assert.is(view.sync(table).length, 2)
  assert.equal(view.sync(table), [])
})

sync('view - named sets a name once (event), again with the same name is quiet; unknown ids are ignored', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  const hex = idToHex(c.id)
  assert.equal(view.unnamed(), [hex])
  const e = view.named(hex, 'ada')
  assert.equal([e?.type, e?.peer.name], ['peer.status', 'ada'])
  assert.is(view.named(hex, 'ada'), undefined)
  assert.equal(view.unnamed(), [])
  assert.is(view.named(idToHex(randomId()), 'x'), undefined)
})

sync('view - an empty name is a name too (a node without a record is not asked again)', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  view.named(idToHex(c.id), '')
  assert.equal(view.unnamed(), [])
  assert.is(view.get(idToHex(c.id))?.name, '')
})

sync('view - stale: peers neither seen nor checked since the bound, least recent first, at most max', () => {
  const view = createPeerView()
  const old = contact(4000, T0 - 30_000)
  const older = contact(4001, T0 - 60_000)
  const fresh = contact(4002, T0)
  const checked = contact(4003, T0 - 90_000)
  for (const c of [old, older, fresh, checked]) view.add(c)
  view.checked({ id: checked.id, host: checked.host, port: checked.port, alive: false, checkedAt: T0 - 1000 })
  const stale = view.stale(T0 - 10_000, 10)
  assert.equal(stale.map(t => t.port), [4001, 4000], 'the recently checked one waits even though it failed')
  assert.equal(view.stale(T0 - 10_000, 1).map(t => t.port), [4001])
  assert.equal(view.stale(T0 - 10_000, 0), [])
  assert.equal(stale[0], { id: older.id, host: '127.0.0.1', port: 4001 })
})

sync('view - peers() returns copies: changing one does not change the view', () => {
  const view = createPeerView()
  const c = contact(4000)
  view.add(c)
  const [p] = view.peers()
  p!.name = 'mallory'
  assert.is(view.get(idToHex(c.id))?.name, '')
})

sync.run()

const bep5 = suite('peer view - BEP 5 nodes')

bep5('view - a BEP 5-only contact is added named \'\' with kind bep5, and is never among the unnamed (no name query)', () => {
  const view = createPeerView()
  const bt = { ...contact(4000), pc: false }
  const ours = { ...contact(4001), pc: true }
  const e = view.add(bt)
  assert.equal(e?.peer, { id: idToHex(bt.id), name: '', address: '127.0.0.1:4000', status: 'online', lastSeen: T0, nameState: 'none',
    kind: 'bep5' })
  view.add(ours)
  assert.equal(view.unnamed(), [idToHex(ours.id)], 'only the PeerConnect node waits for a name')
  assert.is(view.named(idToHex(bt.id), 'mallory'), undefined, 'a BEP 5 node has no record: no name sticks')
  assert.is(view.get(idToHex(bt.id))?.name, '')
  assert.not.ok('kind' in view.get(idToHex(ours.id))!, 'a PeerConnect node has no kind field')
})

bep5.run()
