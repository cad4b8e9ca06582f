import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { idToHex, idsEqual, ID_LENGTH } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import { seededRandom } from '@peerconnect/runtime'
import { createLookup } from '../src/lookup.js'
import { EXPIRE_INITIAL, EXPIRE_MAX, EXPIRE_MIN, SLOW_INITIAL, SLOW_MAX, SLOW_MIN } from '../src/constants.js'
import { createSimNetwork } from './fixtures/sim-network.js'
import type { SimNetwork, SimNode } from './fixtures/sim-network.js'
import { driveLookup, QUERY_BYTES, REPLY_BYTES } from './fixtures/drive-lookup.js'

// ── ids at known distances: id(d) is at XOR distance d (in the last byte) from TARGET ─────────

const TARGET = new Uint8Array(ID_LENGTH)
const id = (d: number): NodeId => {
  const x = new Uint8Array(ID_LENGTH)
  x[ID_LENGTH - 1] = d
  return x
}
const contact = (d: number, extra: Partial<Contact> = {}): Contact => ({ id: id(d), host: '10.0.0.' + d, port: 1000 + d, lastSeen: 0,
  ...extra })
/** A lookup's stats with every count at 0 (tests spell out the others). */
const NONE = { queries: 0, responded: 0, failed: 0, active: 0, slow: 0, expired: 0, retrying: 0, retries: 0, bytes: 0, candidates: 0 }
const dist = (c: { id: NodeId }): number => c.id[ID_LENGTH - 1]!
const node = (d: number) => ({ id: id(d), host: '10.0.0.' + d, port: 1000 + d })

const basics = suite('lookup - basics')

basics('lookup - no seeds is done at once', () => {
  const l = createLookup(TARGET, [])
  assert.ok(l.done)
  assert.equal(l.take(0), [])
  assert.equal(l.closest(), [])
  assert.is(l.stats().queries, 0)
})

basics('lookup - take hands out alpha queries, closest first', () => {
  const l = createLookup(TARGET, [contact(9), contact(3), contact(7), contact(5), contact(1)])
  const first = l.take(0)
  assert.equal(first.map(dist), [1, 3, 5])
  assert.equal(l.take(1), [], 'no free slot while three are in flight')
  assert.is(l.stats().active, 3)
  assert.is(l.stats().queries, 3)
})

basics('lookup - alpha and k are options', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7].map(d => contact(d))
  assert.equal(createLookup(TARGET, seeds, { alpha: 5 }).take(0).map(dist), [1, 2, 3, 4, 5])
  assert.equal(createLookup(TARGET, seeds, { alpha: 5, k: 2 }).take(0).map(dist), [1, 2], 'only the k closest are worth asking')
})

basics('lookup - what a node speaks (pc, from its reply or its seed) rides on its contact in the result', () => {
  const l = createLookup(TARGET, [contact(1, { pc: true }), contact(2), contact(3)], { k: 3 })
  l.take(0)
  l.reply(id(1), 1, { id: id(1), nodes: [] })
  l.reply(id(2), 1, { id: id(2), nodes: [], pc: false })
  l.reply(id(3), 1, { id: id(3), nodes: [] })
  assert.equal(l.closest().map(c => c.pc), [true, false, undefined])
  assert.not.ok('pc' in l.closest()[2]!, 'not known: no field')
})

basics('lookup - our own id is never a candidate', () => {
  const l = createLookup(TARGET, [contact(1), contact(2)], { self: id(1) })
  assert.equal(l.take(0).map(dist), [2])
  l.reply(id(2), 5, { id: id(2), nodes: [node(1), node(3)] })
  assert.equal(l.take(5).map(dist), [3])
})

basics('lookup - replies add closer candidates, which are asked next', () => {
  const l = createLookup(TARGET, [contact(40), contact(50), contact(60)], { alpha: 1 })
  assert.equal(l.take(0).map(dist), [40])
  assert.ok(l.reply(id(40), 10, { id: id(40), nodes: [node(4), node(30), node(50)] }))
  assert.equal(l.take(10).map(dist), [4])
  assert.is(l.stats().candidates, 5)
})

basics('lookup - ends when the k closest non-failed have answered', () => {
  const l = createLookup(TARGET, [contact(1), contact(2), contact(3), contact(4)], { k: 2, alpha: 3 })
  assert.equal(l.take(0).map(dist), [1, 2])
  l.reply(id(2), 5, { id: id(2), nodes: [] })
  assert.not.ok(l.done, 'the closest has not answered yet')
  l.fail(id(1), 6)
  assert.not.ok(l.done, 'after a failure the next closest must be asked')
  assert.equal(l.take(6).map(dist), [3])
  l.reply(id(3), 9, { id: id(3), nodes: [] })
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [2, 3])
  assert.equal(l.take(9), [])
  assert.equal(l.stats(), { ...NONE, queries: 3, responded: 2, failed: 1, candidates: 4 })
})

basics('lookup - a closer node learned late keeps the lookup going', () => {
  const l = createLookup(TARGET, [contact(10), contact(20)], { k: 2 })
  l.take(0)
  l.reply(id(20), 5, { id: id(20), nodes: [node(1)] })
  l.reply(id(10), 6, { id: id(10), nodes: [] })
  assert.not.ok(l.done, 'node 1 is closer and unqueried')
  assert.equal(l.take(6).map(dist), [1])
  l.reply(id(1), 8, { id: id(1), nodes: [] })
  assert.ok(l.done)
  assert.equal(l.closest(2).map(dist), [1, 10])
})

basics('lookup - reply tells whether the k closest responsive set changed', () => {
  const l = createLookup(TARGET, [contact(1), contact(2), contact(3)], { k: 2, alpha: 3 })
  assert.equal(l.take(0).map(dist), [1, 2])
  assert.ok(l.reply(id(2), 1, { id: id(2), nodes: [] }))
  assert.ok(l.reply(id(1), 2, { id: id(1), nodes: [] }), 'closer than the best so far')
  assert.ok(l.done)
  const m = createLookup(TARGET, [contact(1), contact(2), contact(3)], { k: 1, alpha: 3 })
  m.take(0)
  m.fail(id(1), 1)
  assert.equal(m.take(1).map(dist), [2])
  assert.ok(m.reply(id(2), 2, { id: id(2), nodes: [node(3)] }))
  assert.not.ok(m.reply(id(3), 3, { id: id(3), nodes: [] }), 'node 3 was not asked')
  const n = createLookup(TARGET, [contact(20), contact(30)], { k: 1, alpha: 1 })
  n.take(0)
  assert.ok(n.reply(id(20), 1, { id: id(20), nodes: [node(1)] }))
  n.take(1)
  assert.ok(n.reply(id(1), 2, { id: id(1), nodes: [node(25)] }))
  assert.ok(n.done)
  assert.is(n.stats().queries, 2)
})

basics('lookup - result contacts carry lastSeen and rtt', () => {
  const l = createLookup(TARGET, [contact(1)])
  l.take(100)
  l.reply(id(1), 130, { id: id(1), nodes: [] })
  assert.equal(l.closest(), [{ id: id(1), host: '10.0.0.1', port: 1001, lastSeen: 130, rtt: 30 }])
  const m = createLookup(TARGET, [contact(1)])
  m.take(100)
  m.reply(id(1), 130, { id: id(1), nodes: [], rtt: 12 })
  assert.is(m.closest()[0]!.rtt, 12, 'an RTT measured by the transport wins')
})

basics('lookup - the result keeps up to `keep` responsive contacts, more than k', () => {
  const seeds = Array.from({ length: 30 }, (_, i) => contact(i + 20))
  const l = createLookup(TARGET, seeds, { k: 10, alpha: 10, keep: 15 })
  const far = l.take(0)
  assert.equal(far.map(dist), [20, 21, 22, 23, 24, 25, 26, 27, 28, 29])
  for (const c of far) l.reply(c.id, 1, { id: c.id, nodes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(node) })
  assert.not.ok(l.done)
  for (const c of l.take(1)) l.reply(c.id, 2, { id: c.id, nodes: [] })
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 21, 22, 23, 24])
  assert.is(l.closest(3).length, 3)
  assert.is(createLookup(TARGET, [], { k: 10, keep: 4 }).closest(99).length, 0)
})

basics('lookup - replies and failures of unknown or settled queries are ignored', () => {
  const l = createLookup(TARGET, [contact(1), contact(2)], { alpha: 1 })
  l.take(0)
  assert.not.ok(l.reply(id(99), 1, { id: id(99), nodes: [node(3)], bytes: 10 }))
  assert.not.ok(l.reply(id(2), 1, { id: id(2), nodes: [] }), 'node 2 was never asked')
  l.fail(id(2), 1)
  assert.equal(l.stats(), { ...NONE, queries: 1, active: 1, bytes: 10, candidates: 2 })
  l.reply(id(1), 2, { id: id(1), nodes: [] })
  assert.not.ok(l.reply(id(1), 3, { id: id(1), nodes: [] }), 'a second reply counts once')
  assert.is(l.stats().responded, 1)
})

basics('lookup - a node answering under another id is dropped and counted under its real id', () => {
  const l = createLookup(TARGET, [contact(1), contact(5)], { k: 2 })
  l.take(0)
  l.reply(id(1), 4, { id: id(70), nodes: [node(3)] })
  assert.is(l.stats().failed, 1)
  assert.equal(l.closest().map(dist), [70])
  assert.equal(l.closest()[0]!.host, '10.0.0.1', 'the real id is kept with the address that answered')
  assert.equal(l.take(4).map(dist), [3])
})

basics('lookup - stopWhenFound ends when the target itself answers', () => {
  const seeds = [contact(0), contact(1), contact(2), contact(3)]
  const l = createLookup(TARGET, seeds, { stopWhenFound: true })
  l.take(0)
  assert.is(l.found, null)
  l.reply(id(0), 3, { id: id(0), nodes: [] })
  assert.ok(l.done)
  assert.ok(l.found !== null && idsEqual(l.found.id, TARGET))
  const plain = createLookup(TARGET, seeds)
  plain.take(0)
  plain.reply(id(0), 3, { id: id(0), nodes: [] })
  assert.not.ok(plain.done, 'a plain lookup still waits for the k closest')
  assert.ok(plain.found !== null, 'but it reports the target as found')
})

basics('lookup - bytes add up over replies and failures', () => {
  const l = createLookup(TARGET, [contact(1), contact(2)])
  l.take(0)
  l.reply(id(1), 1, { id: id(1), nodes: [], bytes: 300 })
  l.fail(id(2), 2, 60)
  assert.is(l.stats().bytes, 360)
})

basics('lookup - candidates beyond maxCandidates are forgotten', () => {
  const l = createLookup(TARGET, [contact(1)], { k: 2, maxCandidates: 4 })
  l.take(0)
  l.reply(id(1), 1, { id: id(1), nodes: [10, 20, 30, 40, 50, 60].map(node) })
  assert.is(l.stats().candidates, 4)
})

const slow = suite('lookup - slow peers')

slow('lookup - the slow threshold starts at slowAfter and follows the median RTT', () => {
  const seeds = [1, 2, 3, 4, 5, 6].map(d => contact(d))
  const l = createLookup(TARGET, seeds, { alpha: 6 })
  assert.is(l.slowThreshold(), SLOW_INITIAL)
  assert.is(createLookup(TARGET, seeds, { slowAfter: 123 }).slowThreshold(), 123)
  l.take(0)
  l.reply(id(1), 100, { id: id(1), nodes: [] })
  assert.is(l.slowThreshold(), 200, '2 × the median')
  l.reply(id(2), 300, { id: id(2), nodes: [] })
  l.reply(id(3), 300, { id: id(3), nodes: [] })
  assert.is(l.slowThreshold(), 600)
  l.reply(id(4), 5000, { id: id(4), nodes: [] })
  l.reply(id(5), 5000, { id: id(5), nodes: [] })
  assert.is(l.slowThreshold(), 600, 'the median resists outliers')
  l.reply(id(6), 5000, { id: id(6), nodes: [] })
  assert.is(l.slowThreshold(), SLOW_MAX, 'clamped from above')
  const fast = createLookup(TARGET, [contact(1)])
  fast.take(0)
  fast.reply(id(1), 1, { id: id(1), nodes: [] })
  assert.is(fast.slowThreshold(), SLOW_MIN, 'clamped from below')
})

slow('lookup - seed RTTs known from routing set the threshold before any reply', () => {
  const l = createLookup(TARGET, [contact(1, { rtt: 40 }), contact(2, { rtt: 60 })])
  assert.is(l.slowThreshold(), 100)
})

slow('lookup - a slow peer gives its slot up at the threshold and its late reply still counts', () => {
  const seeds = [1, 2, 3, 4, 5].map(d => contact(d))
  const l = createLookup(TARGET, seeds, { alpha: 2, k: 5, slowAfter: 100 })
  assert.equal(l.take(0).map(dist), [1, 2])
  assert.is(l.nextDeadline(), 100)
  l.reply(id(2), 50, { id: id(2), nodes: [] })
  assert.equal(l.take(50).map(dist), [3])
  assert.equal(l.take(99), [], 'node 1 still holds its slot')
  assert.equal(l.take(100).map(dist), [4], 'node 1 turned slow: its slot goes to node 4')
  assert.equal(l.stats().slow, 1)
  assert.is(l.nextDeadline(), 150, 'node 3 (sent at 50, threshold 100 after the 50 ms reply) is next')
  l.reply(id(1), 400, { id: id(1), nodes: [node(0)] })
  assert.equal(l.stats().slow, 0)
  assert.equal(l.closest().map(dist), [1, 2], 'the late reply is used')
  l.reply(id(3), 401, { id: id(3), nodes: [] })
  assert.equal(l.take(401).map(dist), [0], 'and so are the nodes it brought')
})

slow('lookup - a slow peer gives its rank up too: the next candidate is asked, but the closer slow one is still awaited', () => {
  const l = createLookup(TARGET, [contact(1), contact(2)], { alpha: 1, k: 1, slowAfter: 10, expireAfter: 100 })
  assert.equal(l.take(0).map(dist), [1])
  assert.equal(l.take(10).map(dist), [2], 'node 1 turned slow: node 2 is worth asking now')
  assert.is(l.stats().slow, 1)
  l.reply(id(2), 15, { id: id(2), nodes: [] })
  assert.not.ok(l.done, 'node 1 is closer and may still answer')
  l.reply(id(1), 40, { id: id(1), nodes: [] })
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [1, 2], 'the late reply won its place back')
})

slow('lookup - a slow peer that finally fails is dropped', () => {
  const l = createLookup(TARGET, [contact(1), contact(2)], { alpha: 1, k: 1, slowAfter: 10 })
  l.take(0)
  assert.equal(l.take(10).map(dist), [2])
  l.reply(id(2), 12, { id: id(2), nodes: [] })
  assert.not.ok(l.done)
  l.fail(id(1), 500)
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [2])
  assert.equal(l.stats(), { ...NONE, queries: 2, responded: 1, failed: 1, candidates: 2 })
})

slow('lookup - nextDeadline: slot release, then expiry, then nothing', () => {
  const l = createLookup(TARGET, [contact(1)], { slowAfter: 10, expireAfter: 50, retries: 0 })
  assert.is(l.nextDeadline(), undefined, 'nothing in flight')
  l.take(0)
  assert.is(l.nextDeadline(), 10)
  l.take(10)
  assert.is(l.nextDeadline(), 50, 'the only query turned slow: its expiry is next')
  l.take(50)
  assert.is(l.stats().expired, 1)
  assert.ok(l.done, 'the only candidate is presumed lost')
  assert.is(l.nextDeadline(), undefined)
})

const lost = suite('lookup - presumed lost')

lost('lookup - the expiry starts at expireAfter and follows 3× the median RTT, clamped', () => {
  assert.is(createLookup(TARGET, [contact(1)]).expireThreshold(), EXPIRE_INITIAL)
  assert.is(createLookup(TARGET, [contact(1)], { expireAfter: 700 }).expireThreshold(), 700)
  assert.is(createLookup(TARGET, [contact(1)], { slowAfter: 900, expireAfter: 700 }).expireThreshold(), 900,
    'never before the slot release')
  assert.is(createLookup(TARGET, [contact(1, { rtt: 100 })]).expireThreshold(), 300)
  assert.is(createLookup(TARGET, [contact(1, { rtt: 1 })]).expireThreshold(), EXPIRE_MIN, 'clamped from below')
  assert.is(createLookup(TARGET, [contact(1, { rtt: 5000 })]).expireThreshold(), EXPIRE_MAX, 'clamped from above')
  const l = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { alpha: 3 })
  l.take(0)
  l.reply(id(1), 60, { id: id(1), nodes: [] })
  l.reply(id(2), 80, { id: id(2), nodes: [] })
  l.reply(id(3), 100, { id: id(3), nodes: [] })
  assert.is(l.expireThreshold(), 240, '3 × the 80 ms median')
  assert.is(l.slowThreshold(), 160)
})

lost('lookup - a node silent past the expiry is presumed lost: the lookup ends without waiting for it', () => {
  const seeds = [1, 2, 3].map(d => contact(d, { rtt: 20 }))
  const l = createLookup(TARGET, seeds, { k: 2, alpha: 3, retries: 0 })
  assert.is(l.slowThreshold(), SLOW_MIN)
  assert.is(l.expireThreshold(), EXPIRE_MIN)
  assert.equal(l.take(0).map(dist), [1, 2])
  l.reply(id(2), 20, { id: id(2), nodes: [] })
  assert.equal(l.take(20), [], 'node 1 still holds its rank')
  assert.equal(l.take(SLOW_MIN).map(dist), [3], 'slow: its rank goes to node 3')
  l.reply(id(3), SLOW_MIN + 20, { id: id(3), nodes: [] })
  assert.not.ok(l.done, 'node 1 may still answer')
  assert.is(l.nextDeadline(), EXPIRE_MIN)
  assert.equal(l.take(EXPIRE_MIN), [])
  assert.ok(l.done, 'node 1 is presumed lost; the 2 closest others have answered')
  assert.equal(l.closest().map(dist), [2, 3])
  assert.equal(l.stats(), { ...NONE, queries: 3, responded: 2, expired: 1, candidates: 3 })
})

lost('lookup - a late reply from a presumed-lost node still counts while the lookup runs', () => {
  const l = createLookup(TARGET, [1, 2, 3, 4].map(d => contact(d)), { k: 2, alpha: 1, slowAfter: 10, expireAfter: 20, retries: 0 })
  assert.equal(l.take(0).map(dist), [1])
  assert.equal(l.take(10).map(dist), [2])
  assert.equal(l.take(20).map(dist), [3], 'node 1 expired at 20 and node 2 turned slow')
  assert.is(l.stats().expired, 1)
  assert.ok(l.reply(id(1), 25, { id: id(1), nodes: [node(0)] }), 'node 1 answers after all')
  assert.is(l.stats().expired, 0)
  assert.is(l.stats().responded, 1)
  assert.equal(l.closest().map(dist), [1])
  assert.equal(l.take(25), [], 'node 3 holds the only slot')
  l.reply(id(3), 26, { id: id(3), nodes: [] })
  assert.equal(l.take(26).map(dist), [0], 'and the node it brought is asked')
})

lost('lookup - a presumed-lost node that then fails counts once, as failed', () => {
  const l = createLookup(TARGET, [contact(1)], { slowAfter: 10, expireAfter: 20, retries: 0 })
  l.take(0)
  l.take(20)
  assert.is(l.stats().expired, 1)
  l.fail(id(1), 500)
  l.fail(id(1), 501)
  assert.equal(l.stats(), { ...NONE, queries: 1, failed: 1, candidates: 1 })
})

lost('lookup - every query is accounted for: queries = responded + failed + active + slow + expired + retrying + retries', () => {
  const net = createSimNetwork(200, { seed: 31 })
  for (const n of net.nodes) if (net.random() < 0.25) n.dead = true
  for (let i = 0; i < 10; i++) {
    const origin = net.nodes.filter(n => !n.dead)[i]!
    const lookup = createLookup(net.randomId(), net.seedsFor(origin, origin.id, 16), { self: origin.id })
    driveLookup(net, lookup, { timeout: 2000 })
    const s = lookup.stats()
    assert.is(s.queries, s.responded + s.failed + s.active + s.slow + s.expired + s.retrying + s.retries, JSON.stringify(s))
  }
})

const retry = suite('lookup - retries')

retry('lookup - a closest node whose query timed out is asked once more, and its answer counts', () => {
  const l = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { k: 2, alpha: 3 })
  assert.equal(l.take(0).map(dist), [1, 2])
  l.reply(id(2), 10, { id: id(2), nodes: [] })
  l.fail(id(1), 150, 0, 'timeout')
  assert.is(l.stats().retrying, 1)
  assert.not.ok(l.done, 'node 1 still ranks first')
  assert.equal(l.take(150).map(dist), [1], 'asked again, not node 3')
  assert.equal(l.stats(), { ...NONE, queries: 3, responded: 1, active: 1, retries: 1, candidates: 3 })
  l.reply(id(1), 170, { id: id(1), nodes: [] })
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [1, 2])
  // without retries (the code before): node 1 is dropped and the lookup ends without the closest node
  const m = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { k: 2, alpha: 3, retries: 0 })
  m.take(0)
  m.reply(id(2), 10, { id: id(2), nodes: [] })
  m.fail(id(1), 150, 0, 'timeout')
  assert.equal(m.take(150).map(dist), [3])
  m.reply(id(3), 170, { id: id(3), nodes: [] })
  assert.ok(m.done)
  assert.equal(m.closest().map(dist), [2, 3])
})

retry('lookup - silent twice, a node is dropped; an error or a bad reply is never retried', () => {
  const l = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { k: 1, alpha: 1 })
  assert.equal(l.take(0).map(dist), [1])
  l.fail(id(1), 150, 0, 'timeout')
  assert.equal(l.take(150).map(dist), [1])
  l.fail(id(1), 450, 0, 'timeout')
  assert.equal(l.take(450).map(dist), [2], 'two tries (RETRIES 1): then the next one')
  l.fail(id(2), 460)
  assert.equal(l.take(460).map(dist), [3], 'an answer that is not a reply says the node is there: no retry')
  l.reply(id(3), 500, { id: id(3), nodes: [] })
  assert.ok(l.done)
  assert.equal(l.stats(), { ...NONE, queries: 4, responded: 1, failed: 2, retries: 1, candidates: 3 })
  const two = createLookup(TARGET, [contact(1)], { retries: 2 })
  two.take(0)
  two.fail(id(1), 1, 0, 'timeout')
  assert.equal(two.take(1).map(dist), [1])
  two.fail(id(1), 2, 0, 'timeout')
  assert.equal(two.take(2).map(dist), [1], 'retries is an option')
})

retry('lookup - a presumed-lost node is asked again at once; an answer to either query counts, once', () => {
  const l = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { k: 2, alpha: 3, slowAfter: 50, expireAfter: 100 })
  assert.equal(l.take(0).map(dist), [1, 2])
  l.reply(id(2), 10, { id: id(2), nodes: [] })
  assert.equal(l.take(50).map(dist), [3], 'slow: its rank goes to node 3')
  l.reply(id(3), 60, { id: id(3), nodes: [] })
  assert.not.ok(l.done, 'node 1 may still answer')
  assert.is(l.expireThreshold(), EXPIRE_MIN, 'the replies measured 10 and 60 ms')
  assert.equal(l.take(EXPIRE_MIN - 1), [])
  assert.equal(l.take(EXPIRE_MIN).map(dist), [1], 'presumed lost: asked again, the first query still out')
  assert.equal(l.stats().retries, 1)
  l.fail(id(1), 200, 0, 'timeout') // the first query's transport timeout: the retry is still out
  assert.not.ok(l.done)
  assert.is(l.stats().active, 1)
  assert.ok(l.reply(id(1), 210, { id: id(1), nodes: [] }), 'the retry answers')
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [1, 2, 3])
  assert.not.ok(l.reply(id(1), 220, { id: id(1), nodes: [] }), 'a second answer counts once')
  assert.is(l.stats().responded, 3)
  // the first query's late answer counts as well as the retry's
  const m = createLookup(TARGET, [contact(1)], { k: 1, slowAfter: 50, expireAfter: 100 })
  m.take(0)
  m.take(50)
  assert.equal(m.take(100).map(dist), [1])
  assert.ok(m.reply(id(1), 120, { id: id(1), nodes: [] }))
  assert.ok(m.done)
  m.fail(id(1), 300, 0, 'timeout')
  assert.equal(m.stats(), { ...NONE, queries: 2, responded: 1, retries: 1, candidates: 1 })
})

retry('lookup - a node beyond the k closest is not asked again', () => {
  const l = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { k: 1, alpha: 3 })
  assert.equal(l.take(0).map(dist), [1])
  l.reply(id(1), 10, { id: id(1), nodes: [] })
  assert.ok(l.done)
  const m = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { k: 2, alpha: 1 })
  assert.equal(m.take(0).map(dist), [1])
  m.reply(id(1), 10, { id: id(1), nodes: [node(0)] })
  assert.equal(m.take(10).map(dist), [0])
  m.reply(id(0), 20, { id: id(0), nodes: [] })
  assert.ok(m.done, 'nodes 2 and 3 were never needed')
  assert.is(m.stats().retries, 0)
})

retry('lookup - under 5% lost queries the closest node is still found; without retries it is missed', () => {
  const net = createSimNetwork(300, { seed: 17 })
  const random = seededRandom(99)
  const run = (retries: number): { found: number, queries: number } => {
    let found = 0
    let queries = 0
    for (let i = 0; i < 200; i++) {
      const origin = net.nodes[i]!
      const target = net.randomId()
      const lookup = createLookup(target, net.seedsFor(origin, target, 16), { self: origin.id, retries })
      driveLookup(net, lookup, { loss: 0.05, random })
      if (lookup.closest().some(c => idsEqual(c.id, net.trueClosest(target, 1, origin)[0]!.id))) found++
      queries += lookup.stats().queries
    }
    return { found, queries }
  }
  const without = run(0)
  const withRetry = run(1)
  assert.ok(withRetry.found >= 199, `with a retry: ${withRetry.found} of 200`)
  assert.ok(without.found < withRetry.found, `without: ${without.found} of 200`)
  assert.ok(withRetry.queries < without.queries * 1.15, `queries ${withRetry.queries} vs ${without.queries}`)
})

// ── against a simulated network ──────────────────────────────────────────────────────────────

const sim = suite('lookup - simulated network')

const hex = (xs: Array<{ id: NodeId }>): string[] => xs.map(x => idToHex(x.id))

function lookupFrom (net: SimNetwork, origin: SimNode, target: NodeId, opts: { k?: number, alpha?: number } = {}) {
  const lookup = createLookup(target, net.seedsFor(origin, target, 16), { ...opts, self: origin.id })
  return { lookup, drive: driveLookup(net, lookup) }
}

sim('lookup - finds the true k closest for random targets, every time', () => {
  const net = createSimNetwork(300, { seed: 7 })
  for (let i = 0; i < 60; i++) {
    const origin = net.nodes[Math.floor(net.random() * net.nodes.length)]!
    const target = i % 3 === 0 ? net.nodes[(origin.index + 1 + i) % net.nodes.length]!.id : net.randomId()
    const { lookup, drive } = lookupFrom(net, origin, target)
    assert.not.ok(drive.stalled, `lookup ${i} stalled`)
    assert.equal(hex(lookup.closest(8)), hex(net.trueClosest(target, 8, origin)), `lookup ${i}`)
  }
})

sim('lookup - with k = 4 it finds the true 4 closest with fewer queries', () => {
  const net = createSimNetwork(300, { seed: 11 })
  let q4 = 0
  let q8 = 0
  for (let i = 0; i < 30; i++) {
    const origin = net.nodes[i * 7]!
    const target = net.randomId()
    const four = lookupFrom(net, origin, target, { k: 4 }).lookup
    assert.equal(hex(four.closest(4)), hex(net.trueClosest(target, 4, origin)), `lookup ${i}`)
    q4 += four.stats().queries
    q8 += lookupFrom(net, origin, target).lookup.stats().queries
  }
  assert.ok(q4 < q8, `k = 4 took ${q4} queries, k = 8 took ${q8}`)
})

sim('lookup - with k = 16 it finds the true 16 closest when nodes answer with 16', () => {
  // A node only returns the 8 closest it knows (BEP 5), so k above 8 cannot be exact; with
  // 16 per reply it is.
  const net = createSimNetwork(300, { seed: 11, bucketSize: 16 })
  for (let i = 0; i < 20; i++) {
    const origin = net.nodes[i * 7]!
    const target = net.randomId()
    const { lookup } = lookupFrom(net, origin, target, { k: 16 })
    assert.equal(hex(lookup.closest(16)), hex(net.trueClosest(target, 16, origin)), `lookup ${i}`)
    assert.ok(lookup.closest().length <= 20)
  }
})

sim('lookup - alpha is never exceeded', () => {
  const net = createSimNetwork(300, { seed: 3 })
  for (const alpha of [1, 3, 5]) {
    for (let i = 0; i < 10; i++) {
      const { drive } = lookupFrom(net, net.nodes[i]!, net.randomId(), { alpha })
      assert.ok(drive.maxActive <= alpha, `alpha ${alpha}: saw ${drive.maxActive} in flight`)
      assert.is(drive.maxActive, alpha, 'and the slots are used')
    }
  }
})

sim('lookup - a slow node releases its slot and the lookup does not wait for it to start others', () => {
  const net = createSimNetwork(300, { seed: 5, latency: [20, 20] })
  const origin = net.nodes[0]!
  const target = net.randomId()
  const seeds = net.seedsFor(origin, target, 16)
  const slowest = net.byAddress(seeds[0]!.host, seeds[0]!.port)!
  slowest.latency = 120
  assert.ok(hex(net.trueClosest(target, 8, origin)).includes(idToHex(slowest.id)), 'the slow node is one of the true 8 closest')
  const lookup = createLookup(target, seeds, { self: origin.id })
  const drive = driveLookup(net, lookup, { timeout: 5000 })
  assert.is(lookup.expireThreshold(), EXPIRE_MIN, '3 × 20 ms, clamped: the 120 ms node is slow, not lost')
  const sentBeforeSlowReply = drive.sent.filter(s => s.at < 120).length
  assert.ok(sentBeforeSlowReply > 3, `queries kept flowing while the slow node was out (${sentBeforeSlowReply})`)
  assert.ok(drive.maxActive <= 3)
  assert.equal(hex(lookup.closest(8)), hex(net.trueClosest(target, 8, origin)), 'its late reply was used')
})

sim('lookup - a node far slower than the others is presumed lost: the lookup ends without waiting for it', () => {
  const net = createSimNetwork(300, { seed: 5, latency: [20, 20] })
  const origin = net.nodes[0]!
  const target = net.randomId()
  const seeds = net.seedsFor(origin, target, 16)
  const slowest = net.byAddress(seeds[0]!.host, seeds[0]!.port)!
  slowest.latency = 900
  assert.ok(hex(net.trueClosest(target, 8, origin)).includes(idToHex(slowest.id)), 'the slow node is one of the true 8 closest')
  const lookup = createLookup(target, seeds, { self: origin.id })
  const drive = driveLookup(net, lookup, { timeout: 5000 })
  assert.ok(lookup.done)
  assert.ok(drive.now < 900, `ended at ${drive.now} ms, before the slow node's reply`)
  const others = net.trueClosest(target, 9, origin).filter(n => n !== slowest).slice(0, 8)
  assert.equal(hex(lookup.closest(8)), hex(others), 'the true closest but the lost one')
  assert.is(lookup.stats().expired, 1)
})

sim('lookup - dead nodes do not stall it and are left out of the result', () => {
  // 30% of the nodes are dead but still in everyone's table (a worst case: routing evicts
  // failed contacts). Nobody may name some live close nodes, so exactness is measured in aggregate.
  const net = createSimNetwork(300, { seed: 9 })
  for (const n of net.nodes) if (net.random() < 0.3) n.dead = true
  const live = net.nodes.filter(n => !n.dead)
  let overlap = 0
  let nearestFound = 0
  const runs = 40
  for (let i = 0; i < runs; i++) {
    const origin = live[i]!
    const target = net.randomId()
    const { lookup, drive } = lookupFrom(net, origin, target)
    assert.not.ok(drive.stalled, `lookup ${i} stalled`)
    assert.ok(lookup.done)
    assert.ok(drive.now < 20_000, `lookup ${i} took ${drive.now} simulated ms`)
    for (const c of lookup.closest()) assert.not.ok(net.byAddress(c.host, c.port)!.dead, 'a dead node in the result')
    const want = hex(net.trueClosest(target, 8, origin))
    const got = hex(lookup.closest(8))
    assert.is(got.length, 8)
    overlap += got.filter(x => want.includes(x)).length / 8
    if (got[0] === want[0]) nearestFound++
  }
  assert.ok(overlap / runs >= 0.85, `overlap with the true 8 closest: ${overlap / runs}`)
  assert.ok(nearestFound / runs >= 0.9, `nearest live node found in ${nearestFound} of ${runs}`)
})

sim('lookup - with 10% dead nodes it still finds the true closest nearly always', () => {
  const net = createSimNetwork(300, { seed: 4 })
  for (const n of net.nodes) if (net.random() < 0.1) n.dead = true
  const live = net.nodes.filter(n => !n.dead)
  let exact = 0
  for (let i = 0; i < 40; i++) {
    const origin = live[i]!
    const target = net.randomId()
    const { lookup } = lookupFrom(net, origin, target)
    if (hex(lookup.closest(8)).join() === hex(net.trueClosest(target, 8, origin)).join()) exact++
  }
  assert.ok(exact >= 32, `exact in ${exact} of 40`)
})

sim('lookup - a network that is all dead ends with an empty result', () => {
  const net = createSimNetwork(50, { seed: 2 })
  for (const n of net.nodes) n.dead = true
  const { lookup, drive } = lookupFrom(net, net.nodes[0]!, net.randomId())
  assert.not.ok(drive.stalled)
  assert.equal(lookup.closest(), [])
  const s = lookup.stats()
  assert.is(s.failed + s.expired, s.queries - s.retries, 'every node asked is given up')
  assert.is(s.retries, s.queries / 2, 'each once more (its silence may have been one lost datagram), not more')
})

sim('lookup - queries and bytes per lookup are reported', () => {
  const net = createSimNetwork(300, { seed: 13 })
  let total = 0
  for (let i = 0; i < 20; i++) {
    const { lookup, drive } = lookupFrom(net, net.nodes[i]!, net.randomId())
    const s = lookup.stats()
    assert.is(s.queries, drive.sent.length)
    assert.ok(s.responded <= s.queries)
    assert.is(s.bytes, drive.bytes)
    assert.is(s.bytes, s.responded * (QUERY_BYTES + REPLY_BYTES) + s.failed * QUERY_BYTES)
    total += s.queries
  }
  assert.ok(total / 20 < 40, `about ${total / 20} queries per lookup`)
})

sim('lookup - deterministic: the same network and target give the same queries', () => {
  const a = createSimNetwork(200, { seed: 21 })
  const b = createSimNetwork(200, { seed: 21 })
  const t = a.randomId()
  b.randomId()
  const ra = lookupFrom(a, a.nodes[4]!, t)
  const rb = lookupFrom(b, b.nodes[4]!, t)
  assert.equal(ra.drive.sent.map(s => s.node?.index), rb.drive.sent.map(s => s.node?.index))
})

basics.run()
slow.run()
lost.run()
retry.run()
sim.run()

// ── the final round of a wide lookup ─────────────────────────────────────────────────────────

const final = suite('lookup - final round')

final('final round - once the closest candidate has answered, every unqueried one of the k closest is asked at once', () => {
  const l = createLookup(TARGET, [contact(50), contact(60), contact(70)], { k: 10, alpha: 3, finalRound: true })
  assert.equal(l.take(0).map(dist), [50, 60, 70])
  const near = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map(node)
  l.reply(id(60), 5, { id: id(60), nodes: near })
  assert.equal(l.take(5).map(dist), [1], 'not converged: one freed slot, the closest candidate')
  l.reply(id(50), 6, { id: id(50), nodes: [] })
  l.reply(id(70), 6, { id: id(70), nodes: [] })
  assert.equal(l.take(6).map(dist), [2, 3], 'still alpha at a time while 1 has not answered')
  l.reply(id(2), 7, { id: id(2), nodes: [] })
  assert.equal(l.take(7).map(dist), [4], 'still alpha at a time')
  l.reply(id(1), 8, { id: id(1), nodes: [] })
  assert.equal(l.take(8).map(dist), [5, 6, 7, 8, 9, 10], 'converged: the rest of the 10 closest in one round')
  assert.is(l.stats().active, 8)
  assert.equal(l.take(9), [], 'nothing beyond the k closest')
})

final('final round - off by default: alpha at a time to the end', () => {
  const l = createLookup(TARGET, [1, 2, 3, 4, 5, 6, 7, 8].map(d => contact(d)), { k: 8, alpha: 3 })
  assert.equal(l.take(0).map(dist), [1, 2, 3])
  for (const d of [1, 2, 3]) l.reply(id(d), 5, { id: id(d), nodes: [] })
  assert.equal(l.take(5).map(dist), [4, 5, 6])
})

final('final round - a failed closest node does not count as answered: the next one must answer first', () => {
  const l = createLookup(TARGET, [1, 2, 3, 4, 5, 6, 7, 8].map(d => contact(d)), { k: 6, alpha: 2, finalRound: true })
  assert.equal(l.take(0).map(dist), [1, 2])
  l.fail(id(1), 3)
  assert.equal(l.take(3).map(dist), [3], 'not converged (2 has not answered): alpha at a time')
  l.reply(id(2), 4, { id: id(2), nodes: [] })
  assert.equal(l.take(4).map(dist), [4, 5, 6, 7], 'converged on 2: the rest of the 6 closest non-failed')
})

final('final round - the end does not wait for a slow query to expire; without it, it does', () => {
  for (const finalRound of [true, false]) {
    const l = createLookup(TARGET, [1, 2, 3].map(d => contact(d)), { k: 3, alpha: 3, slowAfter: 100, expireAfter: 300, finalRound,
      retries: 0 })
    assert.equal(l.take(0).map(dist), [1, 2, 3])
    l.reply(id(1), 10, { id: id(1), nodes: [] })
    l.reply(id(2), 10, { id: id(2), nodes: [] })
    assert.equal(l.take(10), [])
    assert.not.ok(l.done)
    assert.equal(l.take(100), [], 'no candidate left to replace the slow one')
    assert.is(l.stats().slow, 1)
    assert.is(l.done, finalRound, `slow at 100 ms, finalRound ${String(finalRound)}`)
    if (!finalRound) {
      l.take(300)
      assert.ok(l.done, 'ends once it is presumed lost')
    }
    assert.equal(l.closest().map(dist), [1, 2])
  }
})

final('final round - in a simulated network it still finds the true k closest, in fewer round trips', () => {
  const net = createSimNetwork(300, { seed: 31, bucketSize: 20, latency: [20, 20] })
  const origin = net.nodes[0]!
  for (let i = 0; i < 8; i++) {
    const target = net.randomId()
    const seeds = net.seedsFor(origin, target, 16)
    const wide = createLookup(target, seeds, { k: 20, self: origin.id, finalRound: true })
    const plain = createLookup(target, seeds, { k: 20, self: origin.id })
    const wideRun = driveLookup(net, wide, { count: 20 })
    const plainRun = driveLookup(net, plain, { count: 20 })
    const truth = net.trueClosest(target, 20, origin).map(x => idToHex(x.id))
    assert.equal(wide.closest(20).map(x => idToHex(x.id)), truth, `target ${i}`)
    assert.equal(plain.closest(20).map(x => idToHex(x.id)), truth, `target ${i} without`)
    assert.ok(wideRun.now < plainRun.now, `target ${i}: ${wideRun.now} ms with the final round, ${plainRun.now} without`)
  }
})

final.run()

// ── one subnet cannot fill a lookup ─────────────────────────────────────────────────────────

const subnets = suite('lookup - subnets')

subnets('lookup - at most 2 of a /24 are asked, counted and returned; the others are asked instead', () => {
  const same = (d: number): Contact => ({ id: id(d), host: `127.77.0.${d}`, port: 1000 + d, lastSeen: 0 })
  const l = createLookup(TARGET, [same(1), same(2), same(3), same(4), contact(10), contact(11), contact(12)], { k: 4, alpha: 10,
    subnets: { perSubnet: 2, mode: 'strict' } })
  assert.equal(l.take(0).map(dist), [1, 2, 10, 11], 'the 3rd and 4th of 127.77.0.0/24 hold no rank')
  for (const d of [1, 2, 10, 11]) l.reply(id(d), 5, { id: id(d), nodes: [] })
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [1, 2, 10, 11])
})

subnets('lookup - by default loopback is exempt', () => {
  const same = (d: number): Contact => ({ id: id(d), host: `127.77.0.${d}`, port: 1000 + d, lastSeen: 0 })
  const l = createLookup(TARGET, [same(1), same(2), same(3), same(4)], { k: 4, alpha: 10 })
  assert.equal(l.take(0).map(dist), [1, 2, 3, 4])
})

subnets.run()
