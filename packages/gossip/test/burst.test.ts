/**
 * A burst of rumors must not silence gossip (issue 11). Thousands of notes arrive faster than the
 * forwards can go out; the forwards beyond `maxInFlight` wait in line and age. Once a slot frees
 * they are shed — and the actor must still answer afterwards: its own queue, bounded, drained by a
 * loop, never by one nested call per aged forward (mergeMap's buffer did that until the stack
 * overflowed, and the lost error left the actor's output dead while its input still flowed).
 * Virtual time: only the actor's clock and timers move; the fake transport answers on a microtask.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { VirtualTimeScheduler } from 'rxjs'
import { bdecode, bencode } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import { encodeRumor, extendPath } from '../src/rumor.js'
import type { NoteRumor } from '../src/rumor.js'
import { MAX_AGE, MAX_QUEUED } from '../src/constants.js'
import { contactOf, gossipDeps, idWith, rpcGossip, runGossip, tick } from './fixtures/gossip-deps.js'

type Any = Message & Record<string, any>

const SELF = idWith(0x00, 1)
/** Spread over the id space, so each rumor goes to 3 of them. */
const PEERS = Array.from({ length: 63 }, (_, i) => contactOf(idWith(4 * (i + 1), 7 + i)))
const wire = (r: NoteRumor): unknown => (bdecode(bencode(encodeRumor(r))) as { value: unknown }).value

function note (n: number): NoteRumor {
  const id = new Uint8Array(8)
  new DataView(id.buffer).setUint32(4, n + 1)
  const origin = idWith(0x7f, n & 255)
  return { kind: 'note', id, hops: 1, origin, depth: 0, path: extendPath(new Uint8Array(0), origin), topic: 'flood',
    data: new Uint8Array(8) }
}

/** Moves virtual time to `t` (running every timer due by then). */
function advanceTo (vts: VirtualTimeScheduler, t: number): void {
  if (t > vts.now()) vts.schedule(() => {}, t - vts.now())
  vts.maxFrames = t
  vts.flush()
}

async function settled (): Promise<void> {
  for (let i = 0; i < 5; i++) await tick()
}

const burst = suite('burst - a flood of rumors')

burst('burst - 6,000 notes in a burst: the aged forwards are shed, and gossip still answers, forwards and delivers', async () => {
  const vts = new VirtualTimeScheduler()
  let hold = true
  const fake = gossipDeps(SELF, { scheduler: vts, contacts: PEERS, fate: () => hold ? 'hold' : 'ok', random: () => 0.5 })
  const actor = runGossip({ id: SELF }, fake)
  await settled()
  const N = 6000
  for (let i = 0; i < N; i++) actor.send(rpcGossip(wire(note(i)), { id: PEERS[i % PEERS.length]!.id }, 10 + i))
  await settled()
  assert.is(actor.out.filter(m => m.type === 'rpc.reply').length, N, 'every rumor acknowledged')
  assert.is(fake.sent.length, 64, 'maxInFlight forwards out, the rest waiting')
  // Every waiting forward is now too old; the held ones fail, freeing their slots.
  advanceTo(vts, MAX_AGE + 1)
  hold = false
  for (const q of fake.sent.slice()) q.settle('fail')
  await settled()
  assert.equal(actor.errors, [], 'no fatal error')

  // Gossip still answers: stats, a malformed rumor (203), a fresh note is delivered and forwarded.
  const before = fake.sent.length
  actor.send({ type: 'gossip.stats', cid: 1 })
  actor.send(rpcGossip({ i: 'bad' }, { id: PEERS[0]!.id }, 2))
  actor.send(rpcGossip(wire(note(N + 1)), { id: PEERS[0]!.id }, 3))
  await settled()
  const stats = actor.out.find(m => m.re === 1) as Any
  assert.is(stats?.type, 'gossip.stats.reply', 'stats answered after the burst')
  assert.is(stats.dropped, N * 3 - 64, 'all but the first 64 forwards shed: beyond the bound at once, the rest aged in line')
  assert.ok(stats.inFlight <= 64)
  assert.is((actor.out.find(m => m.re === 2) as Any)?.type, 'error', 'a malformed rumor still gets its 203')
  assert.is((actor.out.find(m => m.re === 3) as Any)?.type, 'rpc.reply', 'a new rumor is acknowledged')
  assert.ok(
    actor.out.some(m =>
      m.type === 'gossip.note' && (m as Any).hops === 1 &&
      new DataView((m as Any).id.buffer, (m as Any).id.byteOffset).getUint32(4) === N + 2
    ),
    'and delivered'
  )
  assert.ok(fake.sent.length > before, 'and forwarded')
  actor.stop()
})

burst('burst - the line of waiting forwards is bounded: beyond MAX_QUEUED the oldest are shed at once', async () => {
  const vts = new VirtualTimeScheduler()
  const fake = gossipDeps(SELF, { scheduler: vts, contacts: PEERS, fate: 'hold', random: () => 0.5 })
  const actor = runGossip({ id: SELF, maxInFlight: 1 }, fake)
  await settled()
  const N = MAX_QUEUED
  for (let i = 0; i < N; i++) actor.send(rpcGossip(wire(note(i)), { id: PEERS[i % PEERS.length]!.id }, 10 + i))
  await settled()
  actor.send({ type: 'gossip.stats', cid: 1 })
  await settled()
  const stats = actor.out.find(m => m.re === 1) as Any
  // 3 forwards per note, 1 in flight, MAX_QUEUED waiting: the rest were shed as they came.
  assert.is(stats.dropped, N * 3 - 1 - MAX_QUEUED)
  actor.stop()
})

burst.run()
