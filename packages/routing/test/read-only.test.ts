import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { randomId } from '@peerconnect/protocol'
import type { RoutingPeerRemoved, RoutingView } from '@peerconnect/protocol'
import { ofType, seen, startRouting, stopRouting, tableOf } from './fakes.js'

const self = randomId()

const ro = suite('routing - BEP 43 read-only senders (ro)')

ro('a read-only querier is not pinged back, and its replies do not admit it', () => {
  const h = startRouting(self)
  const id = randomId()
  h.in$.next(seen(id, { host: '10.7.0.1', port: 7000, queried: true, ro: true }))
  assert.is(h.pings().length, 0, 'no ping back')
  h.in$.next(seen(id, { host: '10.7.0.1', port: 7000, rtt: 4, ro: true }))
  assert.is(tableOf(h).length, 0)
  assert.is(ofType(h.out, 'routing.peer.added').length, 0)
})

ro('a contact that goes read-only is removed (reason readonly) and leaves the find_node view; back to read-write it may enter again',
  async () => {
    const h = startRouting(self)
    const id = randomId()
    h.in$.next(seen(id, { host: '10.7.0.2', port: 7000, rtt: 4 }))
    assert.is(tableOf(h).length, 1)
    h.clock.advance(1000)
    h.in$.next(seen(id, { host: '10.7.0.2', port: 7000, queried: true, ro: true }))
    assert.is(tableOf(h).length, 0)
    const removed = ofType<RoutingPeerRemoved>(h.out, 'routing.peer.removed')
    assert.is(removed.length, 1)
    assert.is(removed[0]!.reason, 'readonly')
    await new Promise(resolve => setTimeout(resolve, 50))
    const views = ofType<RoutingView>(h.out, 'routing.view')
    assert.ok(views.length > 0)
    assert.is(views.at(-1)!.contacts.length, 0, 'the transport stops naming it')
    h.clock.advance(61_000)
    h.in$.next(seen(id, { host: '10.7.0.2', port: 7000, queried: true }))
    assert.is(h.pings().length, 1, 'no ro: pinged back as anyone')
    h.in$.next(seen(id, { host: '10.7.0.2', port: 7000, rtt: 3 }))
    assert.is(tableOf(h).length, 1)
  })

ro('an ro sighting of an address we do not hold changes nothing', () => {
  const h = startRouting(self)
  const id = randomId()
  h.in$.next(seen(id, { host: '10.7.0.3', port: 7000, rtt: 4 }))
  h.in$.next(seen(randomId(), { host: '10.7.0.4', port: 7000, queried: true, ro: true }))
  assert.is(tableOf(h).length, 1)
  assert.is(ofType(h.out, 'routing.peer.removed').length, 0)
})

ro.after(() => {
  stopRouting()
})
ro.run()
