import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { idsEqual, randomId } from '@peerconnect/protocol'
import type { LivenessCheck, Message, NodeId, RoutingContactsReply, RoutingGetReply, RoutingPeerAdded,
  RoutingPeerRemoved } from '@peerconnect/protocol'
import { routingActor } from '../src/index.js'
import { alive, fakeClock, fakeDeps, harness, idIn, manualAsk, ofType, seen } from './fakes.js'

const self = randomId()
let cid = 0

const running: Array<() => void> = []
function stopAll (): void {
  for (const stop of running.splice(0)) stop()
}

/** An actor with k = 2 whose bucket 0 holds `members` (oldest first); liveness asks are answered by hand. */
function fullBucket () {
  const clock = fakeClock()
  const m = manualAsk()
  const h = harness(routingActor({ id: self, k: 2 }), fakeDeps(m.ask, { clock }))
  running.push(h.stop)
  const members: NodeId[] = [idIn(self, 0), idIn(self, 0)]
  for (const id of members) {
    h.in$.next(seen(id))
    clock.advance(1000)
  }
  return { ...h, ...m, clock, members }
}

function get (h: { in$: { next(m: Message): void }, out: Message[] }, id: NodeId): RoutingGetReply['contact'] {
  const q = { type: 'routing.get', cid: ++cid, id } as Message
  h.in$.next(q)
  return (h.out.find(x => x.re === q.cid) as RoutingGetReply).contact
}

const checks = suite('eviction checks')

checks('checks - a newcomer to a full bucket makes routing ask liveness about the oldest contact', () => {
  const h = fullBucket()
  h.in$.next(seen(idIn(self, 0), { host: '10.0.0.9' }))
  assert.is(h.asked.length, 1)
  const check = h.asked[0] as LivenessCheck
  assert.is(check.type, 'liveness.check')
  assert.ok(idsEqual(check.id, h.members[0]!))
  assert.equal([check.host, check.port], ['127.0.0.1', 7000])
})

checks('checks - a failed check evicts the oldest (reason failed) and admits the newcomer', () => {
  const h = fullBucket()
  const newcomer = idIn(self, 0)
  h.in$.next(seen(newcomer, { host: '10.0.0.9', rtt: 3 }))
  h.answer(0, alive(h.asked[0]!, false))
  const removed = ofType<RoutingPeerRemoved>(h.out, 'routing.peer.removed')
  assert.is(removed.length, 1)
  assert.is(removed[0]!.reason, 'failed')
  assert.ok(idsEqual(removed[0]!.contact.id, h.members[0]!))
  const added = ofType<RoutingPeerAdded>(h.out, 'routing.peer.added')
  assert.ok(idsEqual(added[added.length - 1]!.contact.id, newcomer))
  assert.is(added[added.length - 1]!.contact.host, '10.0.0.9')
  assert.is(get(h, h.members[0]!), null)
  assert.ok(get(h, newcomer) !== null)
})

checks('checks - a live oldest contact is refreshed and the newcomer dropped', () => {
  const h = fullBucket()
  const newcomer = idIn(self, 0)
  const before = get(h, h.members[0]!)!.lastSeen
  h.clock.advance(60_000)
  h.in$.next(seen(newcomer))
  h.answer(0, alive(h.asked[0]!, true))
  assert.is(ofType(h.out, 'routing.peer.removed').length, 0)
  assert.is(get(h, newcomer), null)
  const after = get(h, h.members[0]!)!
  assert.ok(after.lastSeen > before)
  assert.is(after.rtt, 5)
  // refreshed: the other member is now the oldest and gets the next check
  h.in$.next(seen(idIn(self, 0)))
  assert.ok(idsEqual((h.asked[1] as LivenessCheck).id, h.members[1]!))
})

checks('checks - at most one check per bucket; newcomers meanwhile are dropped', () => {
  const h = fullBucket()
  const first = idIn(self, 0)
  h.in$.next(seen(first))
  h.in$.next(seen(idIn(self, 0)))
  h.in$.next(seen(idIn(self, 0)))
  assert.is(h.asked.length, 1)
  h.answer(0, alive(h.asked[0]!, false))
  const added = ofType<RoutingPeerAdded>(h.out, 'routing.peer.added')
  assert.ok(idsEqual(added[added.length - 1]!.contact.id, first), 'the first newcomer is the one admitted')
  const q = { type: 'routing.contacts', cid: ++cid } as Message
  h.in$.next(q)
  assert.is((h.out.find(x => x.re === q.cid) as RoutingContactsReply).contacts.length, 2)
})

checks('checks - a new check may start once the previous one settled', () => {
  const h = fullBucket()
  h.in$.next(seen(idIn(self, 0)))
  h.answer(0, alive(h.asked[0]!, true))
  h.in$.next(seen(idIn(self, 0)))
  assert.is(h.asked.length, 2)
})

checks('checks - different buckets are checked independently', () => {
  const h = fullBucket()
  h.in$.next(seen(idIn(self, 1)))
  h.in$.next(seen(idIn(self, 1)))
  h.in$.next(seen(idIn(self, 0)))
  h.in$.next(seen(idIn(self, 1)))
  assert.is(h.asked.length, 2)
  assert.ok(idsEqual((h.asked[0] as LivenessCheck).id, h.members[0]!))
})

checks('checks - a check that cannot run keeps the old contact and frees the bucket', () => {
  const h = fullBucket()
  const newcomer = idIn(self, 0)
  h.in$.next(seen(newcomer))
  h.fail(0, 'ERR_NO_CONSUMER')
  assert.is(ofType(h.out, 'routing.peer.removed').length, 0)
  assert.is(get(h, newcomer), null)
  assert.ok(get(h, h.members[0]!) !== null)
  h.in$.next(seen(idIn(self, 0)))
  assert.is(h.asked.length, 2, 'the bucket can be checked again')
})

checks('checks - a reply that is not a liveness.result counts as unknown: nothing is evicted', () => {
  const h = fullBucket()
  h.in$.next(seen(idIn(self, 0)))
  h.answer(0, { type: 'something.else' })
  assert.is(ofType(h.out, 'routing.peer.removed').length, 0)
})

checks('checks - the oldest seen again during the check is kept even if the check says dead', () => {
  const h = fullBucket()
  h.in$.next(seen(idIn(self, 0)))
  h.clock.advance(10)
  h.in$.next(seen(h.members[0]!))
  h.answer(0, alive(h.asked[0]!, false))
  assert.is(ofType(h.out, 'routing.peer.removed').length, 0)
  assert.ok(get(h, h.members[0]!) !== null)
})

checks('checks - the check asks with the configured bound', () => {
  const clock = fakeClock()
  const seenOpts: Array<number | undefined> = []
  const m = manualAsk()
  const h = harness(routingActor({ id: self, k: 1, checkTimeout: 1234 }), fakeDeps((msg, o) => {
    seenOpts.push(o?.timeout)
    return m.ask(msg, o)
  }, { clock }))
  running.push(h.stop)
  h.in$.next(seen(idIn(self, 0)))
  h.in$.next(seen(idIn(self, 0)))
  assert.equal(seenOpts, [1234])
})

checks('checks - unsubscribing cancels the check in flight', () => {
  const h = fullBucket()
  h.in$.next(seen(idIn(self, 0)))
  h.stop()
  assert.is(h.cancelled(), 1)
})

checks('checks - a contact that failed a status check is offered first', () => {
  const h = fullBucket()
  h.in$.next({ type: 'liveness.status', id: h.members[1]!, host: '127.0.0.1', port: 7000, alive: false, checkedAt: 0 } as Message)
  h.in$.next(seen(idIn(self, 0)))
  assert.ok(idsEqual((h.asked[0] as LivenessCheck).id, h.members[1]!))
})

checks.after.each(stopAll)
checks.run()
