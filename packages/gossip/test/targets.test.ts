import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { commonPrefixLength } from '@peerconnect/protocol'
import type { Contact } from '@peerconnect/protocol'
import { seededRandom } from '@peerconnect/runtime'
import { createPeerView, idKey } from '../src/view.js'
import { pickReplacement, pickTargets } from '../src/targets.js'
import { planForwards } from '../src/spread.js'
import { extendPath } from '../src/rumor.js'
import type { NoteRumor } from '../src/rumor.js'
import { makeSwarm } from './fixtures/swarm.js'
import { roundsTo, spreadTree } from './fixtures/tree.js'

const SELF = new Uint8Array(20)
let serial = 0
/** A contact sharing exactly `cpl` leading bits with SELF (all zeros), distinct per call. */
const at = (cpl: number): Contact => {
  const id = new Uint8Array(20)
  id[Math.floor(cpl / 8)] = 0x80 >> (cpl % 8)
  serial++
  id[18] = serial >> 8
  id[19] = serial & 255
  if (cpl >= 144) id[17] = 1
  return { id, host: '10.0.0.1', port: 6881, lastSeen: 0 }
}
const viewOf = (contacts: Contact[]) => {
  const v = createPeerView(SELF)
  for (const c of contacts) v.add(c)
  return v
}
const none = (): boolean => false
const keys = (cs: Contact[]): string[] => cs.map(c => idKey(c.id))

const pick = suite('targets - pickTargets')

const depthOf = (t: Array<{ contact: Contact, depth: number }>, c: Contact): number =>
  t.find(x => idKey(x.contact.id) === idKey(c.id))?.depth ?? -1
const partOf = (t: Array<{ contact: Contact }>, group: Contact[]): number => t.filter(x => keys(group).includes(idKey(x.contact.id))).length

pick('targets - at the top: the half we are not in, the quarter beside us, and our own quarter', () => {
  const b0 = [at(0), at(0)]
  const b1 = [at(1), at(1)]
  const rest = [at(3), at(5), at(9), at(12), at(20)]
  const v = viewOf([...b0, ...b1, ...rest])
  for (let seed = 1; seed < 30; seed++) {
    const t = pickTargets(v, 0, { fanout: 3, excluded: none, random: seededRandom(seed) })
    assert.is(t.length, 3)
    assert.is(partOf(t, b0), 1)
    assert.is(partOf(t, b1), 1)
    assert.is(partOf(t, rest), 1)
    assert.is(t.find(x => keys(b0).includes(idKey(x.contact.id)))!.depth, 1, 'covers the other half')
    assert.is(t.find(x => keys(b1).includes(idKey(x.contact.id)))!.depth, 2, 'covers the quarter beside us')
    const own = t.find(x => keys(rest).includes(idKey(x.contact.id)))!
    assert.is(own.depth, 2, 'covers our own quarter')
    assert.is(idKey(own.anchor), idKey(SELF))
  }
})

pick('targets - each target shares its depth in bits with its anchor: it lies inside the part it covers', () => {
  const swarm = makeSwarm(500, { seed: 3 })
  for (let i = 0; i < 50; i++) {
    for (const depth of [0, 2, 5]) {
      const t = pickTargets(swarm.views[i]!, depth, { fanout: 3, excluded: none, random: seededRandom(i) })
      for (const x of t) assert.ok(commonPrefixLength(x.contact.id, x.anchor) >= x.depth)
      for (const x of t) assert.ok(commonPrefixLength(x.contact.id, swarm.ids[i]!) >= depth, 'inside our region')
    }
  }
})

pick('targets - the parts do not overlap', () => {
  const swarm = makeSwarm(500, { seed: 6 })
  for (let i = 0; i < 100; i++) {
    const t = pickTargets(swarm.views[i]!, 0, { fanout: 3, excluded: none, random: seededRandom(i) })
    for (const a of t) {
      for (const b of t) {
        if (a === b) continue
        const nested = commonPrefixLength(a.anchor, b.anchor) >= Math.min(a.depth, b.depth)
        assert.not.ok(nested, 'one part inside another')
      }
    }
  }
})

pick('targets - few candidates: one each, cut so that each covers as much as it alone can', () => {
  const a = at(1)
  const b = at(7)
  const c = at(7)
  c.id[1] = 0x80
  const t = pickTargets(viewOf([a, b, c]), 0, { fanout: 3, excluded: none, random: seededRandom(4) })
  assert.equal(keys(t.map(x => x.contact)).sort(), keys([a, b, c]).sort())
  assert.is(depthOf(t, a), 2)
  assert.ok(depthOf(t, b) > 8 && depthOf(t, c) > 8, 'b and c share bucket 7 and are cut apart inside it')
})

pick('targets - a part known only by a sample is never narrowed to where the sample lies', () => {
  const far = [at(0), at(0), at(0), at(0)]
  for (const x of far) x.id[0] = 0xc0
  const v = viewOf([...far, at(3)])
  const t = pickTargets(v, 0, { fanout: 3, excluded: none, random: seededRandom(1) })
  const farTargets = t.filter(x => keys(far).includes(idKey(x.contact.id)))
  assert.is(farTargets.length, 1, 'all four far contacts share bit 1: the far half is not split')
  assert.is(farTargets[0]!.depth, 1, 'and its peer covers the whole far half')
})

pick('targets - only buckets at or below the region depth are candidates', () => {
  const v = viewOf([at(0), at(1), at(2), at(8), at(9)])
  const t = pickTargets(v, 8, { fanout: 3, excluded: none, random: seededRandom(5) })
  assert.ok(t.every(x => commonPrefixLength(x.contact.id, SELF) >= 8))
  assert.is(t.length, 2)
  assert.equal(pickTargets(v, 10, { fanout: 3, excluded: none, random: seededRandom(5) }), [])
})

pick('targets - excluded contacts are never picked', () => {
  const banned = [at(0), at(0)]
  const ok = [at(1), at(2), at(3), at(4)]
  const bannedKeys = new Set(keys(banned))
  const v = viewOf([...banned, ...ok])
  for (let seed = 1; seed < 50; seed++) {
    const t = pickTargets(v, 0, { fanout: 3, excluded: c => bannedKeys.has(idKey(c.id)), random: seededRandom(seed) })
    assert.is(t.length, 3)
    assert.ok(t.every(x => !bannedKeys.has(idKey(x.contact.id))))
  }
})

pick('targets - never the same peer twice in one forward, whatever the draw or fanout', () => {
  const v = viewOf(Array.from({ length: 40 }, (_, i) => at(i % 12)))
  for (let seed = 1; seed < 200; seed++) {
    for (const fanout of [1, 2, 3, 5]) {
      const t = pickTargets(v, 0, { fanout, excluded: none, random: seededRandom(seed) })
      assert.is(t.length, fanout)
      assert.is(new Set(keys(t.map(x => x.contact))).size, t.length)
    }
  }
})

pick('targets - fanout 1: one peer covers the whole region', () => {
  const v = viewOf([at(0), at(3), at(5)])
  const t = pickTargets(v, 0, { fanout: 1, excluded: none, random: seededRandom(2) })
  assert.is(t.length, 1)
  assert.is(t[0]!.depth, 0)
})

pick('targets - an empty view gives nothing', () => {
  assert.equal(pickTargets(createPeerView(SELF), 0, { fanout: 3, excluded: none, random: Math.random }), [])
})

pick.run()

const replace = suite('targets - pickReplacement')

replace('targets - a replacement comes from the same part and is not excluded', () => {
  const part = [at(3), at(3), at(3)]
  const v = viewOf([at(0), ...part, at(9)])
  const target = { contact: part[0]!, depth: 4, anchor: part[0]!.id }
  const tried = new Set([idKey(part[0]!.id)])
  for (let seed = 1; seed < 20; seed++) {
    const r = pickReplacement(v, target, { excluded: c => tried.has(idKey(c.id)), random: seededRandom(seed) })
    assert.ok(r !== undefined)
    assert.ok(keys(part.slice(1)).includes(idKey(r.contact.id)))
    assert.is(r.depth, 4)
  }
})

replace('targets - the part holding us may be replaced from any of its buckets', () => {
  const v = viewOf([at(0), at(5), at(9), at(12)])
  const seen = new Set<number>()
  for (let seed = 1; seed < 60; seed++) {
    const r = pickReplacement(v, { contact: at(5), depth: 5, anchor: SELF }, { excluded: none, random: seededRandom(seed) })
    assert.ok(r !== undefined && commonPrefixLength(r.contact.id, SELF) >= 5)
    seen.add(commonPrefixLength(r.contact.id, SELF))
  }
  assert.equal([...seen].sort((a, b) => a - b), [5, 9, 12])
})

replace('targets - a sub-part of a far bucket: only its own half', () => {
  const left = at(0)
  const right = at(0)
  right.id[0] = 0xc0
  const right2 = at(0)
  right2.id[0] = 0xc0
  const v = viewOf([left, right, right2])
  for (let seed = 1; seed < 20; seed++) {
    const r = pickReplacement(v, { contact: right, depth: 2, anchor: right.id }, { excluded: c => idKey(c.id) === idKey(right.id),
      random: seededRandom(seed) })
    assert.is(idKey(r!.contact.id), idKey(right2.id))
  }
})

replace('targets - nothing left in the part: no replacement', () => {
  const only = at(3)
  const v = viewOf([only, at(4)])
  assert.is(
    pickReplacement(v, { contact: only, depth: 4, anchor: only.id }, { excluded: c => idKey(c.id) === idKey(only.id),
      random: Math.random }),
    undefined
  )
  assert.is(pickReplacement(v, { contact: only, depth: 160, anchor: only.id }, { excluded: none, random: Math.random }), undefined)
})

replace.run()

const plan = suite('targets - planForwards (sender, origin, path)')

plan('targets - the sender, the origin and everyone on the path are left out', () => {
  const swarm = makeSwarm(300, { seed: 11 })
  const me = 0
  const view = swarm.views[me]!
  const all = view.contacts()
  const sender = all[0]!
  const origin = all[1]!
  let path: Uint8Array = new Uint8Array(0)
  for (const c of all.slice(2, 8)) path = extendPath(path, c.id)
  const rumor: NoteRumor = { kind: 'note', id: new Uint8Array(8), hops: 3, topic: 't', data: new Uint8Array(0), origin: origin.id, depth: 0,
    path }
  const banned = new Set(keys([sender, origin, ...all.slice(2, 8)]))
  for (let seed = 1; seed < 100; seed++) {
    const p = planForwards(view, rumor, { sender: sender.id, fanout: 3, random: seededRandom(seed) })
    assert.is(p.targets.length, 3)
    for (const t of p.targets) assert.not.ok(banned.has(idKey(t.contact.id)))
    for (const t of p.targets) assert.ok(p.excluded.has(idKey(t.contact.id)), 'targets are excluded from replacements')
  }
})

plan.run()

const tree = suite('targets - the spread over a swarm')

tree('targets - one rumor reaches every node of 2,000, about one message each, in ≤ log3(N) + 3 hops', () => {
  const n = 2000
  const swarm = makeSwarm(n, { k: 8, seed: 5 })
  for (const origin of [0, 777, 1999]) {
    const r = spreadTree(swarm, origin)
    assert.is(r.reached, n, `origin ${origin}: reached ${r.reached}`)
    assert.is(r.badTarget, false)
    assert.ok(r.maxFanout <= 3)
    assert.ok(r.messages / n <= 1.05, `messages per node ${r.messages / n}`)
    assert.ok(r.duplicates / n <= 0.02, `duplicates per node ${r.duplicates / n}`)
    const rounds = roundsTo(r, n, 0.99)
    assert.ok(rounds > 0 && rounds <= Math.log(n) / Math.log(3) + 3, `99% after ${rounds} hops`)
  }
})

tree('targets - a bigger bucket size (k = 20) works the same', () => {
  const n = 1500
  const r = spreadTree(makeSwarm(n, { k: 20, seed: 8 }), 3)
  assert.is(r.reached, n)
  assert.ok(roundsTo(r, n, 0.99) <= Math.log(n) / Math.log(3) + 3)
})

tree('targets - with fanout 1 it is a chain; with fanout 2 a deeper tree; both still reach everyone', () => {
  const n = 200
  const swarm = makeSwarm(n, { seed: 2 })
  const one = spreadTree(swarm, 0, { fanout: 1 })
  const two = spreadTree(swarm, 0, { fanout: 2 })
  const three = spreadTree(swarm, 0, { fanout: 3 })
  assert.is(one.maxFanout, 1)
  assert.is(two.reached, n)
  assert.is(three.reached, n)
  assert.ok(two.reachedAt.length >= three.reachedAt.length)
})

tree('targets - dead nodes lose only their own part (no retries here)', () => {
  const n = 1000
  const swarm = makeSwarm(n, { seed: 4 })
  const dead = new Set(Array.from({ length: 10 }, (_, i) => 100 + i * 37))
  const r = spreadTree(swarm, 0, { dead })
  assert.ok(r.reached >= 0.9 * n && r.reached < n - dead.size + 1, `reached ${r.reached}`)
})

tree.run()
