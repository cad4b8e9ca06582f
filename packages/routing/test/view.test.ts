/**
 * The published view answers find_node exactly as the table does: protocol's ContactView over a
 * table's viewContacts gives the same contacts, in the same order, as the table's own closest()
 * (good ones first, topped up with old ones, never failed ones, the querier left out) — for
 * random tables and targets, including targets deep in our own bucket.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ContactView, idToHex, randomId, randomIdWithPrefix } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { RoutingTable } from '../src/table.js'

const GOOD = 15 * 60_000
const NOW = 100 * GOOD

/** A table of about `size` contacts: a third old (past the good window), every `failEvery`th failed. */
function tableOf (self: NodeId, size: number, failEvery: number): RoutingTable {
  const table = new RoutingTable(self, { goodWindow: GOOD })
  for (let i = 0; i < size; i++) {
    const id = i % 4 === 0 ? randomIdWithPrefix(self, 1 + (i % 24)) : randomId()
    const old = i % 3 === 0
    table.add({ id, host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`, port: 1000 + i,
      lastSeen: old ? NOW - GOOD - 1000 - i : NOW - i * 100 })
    if (failEvery > 0 && i % failEvery === 0) table.markFailed(id)
  }
  return table
}

const hexes = (cs: ReadonlyArray<{ id: NodeId }>): string[] => cs.map(c => idToHex(c.id))

const parity = suite('routing view - parity with the table')

parity('view - the same contacts in the same order as the table, for random tables, targets, counts and queriers', () => {
  for (const [size, failEvery] of [[30, 0], [400, 7], [1500, 3], [5, 2]] as const) {
    const self = randomId()
    const table = tableOf(self, size, failEvery)
    const view = new ContactView(self, table.viewContacts(NOW), NOW)
    const all = table.all()
    for (let t = 0; t < 300; t++) {
      const target = t % 3 === 0 ? randomIdWithPrefix(self, t % 40) : t % 11 === 0 ? self : randomId()
      const n = [1, 8, 20][t % 3]!
      const exclude = t % 5 === 0 && all.length > 0 ? all[t % all.length]!.id : undefined
      const at = NOW + (t % 7) * 60_000 // later reads: some good contacts have turned old since the view
      const want = table.closest(target, n, { goodAt: at, exclude, topUp: true })
      const got = view.closest(target, n, { now: at, exclude })
      assert.equal(hexes(got), hexes(want), `size ${size}, target #${t}, n ${n}`)
    }
  }
})

parity('view - failed contacts are not in it; the view of an empty table answers nothing; n <= 0 or a bad target answers nothing', () => {
  const self = randomId()
  const table = tableOf(self, 50, 2)
  const view = new ContactView(self, table.viewContacts(NOW), NOW)
  assert.ok(view.size < table.size, 'failed contacts left out')
  for (const c of view.closest(randomId(), 50, { now: NOW })) assert.ok(table.get(c.id) !== null)
  const empty = new ContactView(self, [], NOW)
  assert.equal(empty.closest(randomId(), 8, { now: NOW }), [])
  assert.equal(view.closest(randomId(), 0, { now: NOW }), [])
  assert.equal(view.closest(new Uint8Array(19), 8, { now: NOW }), [])
})

parity('view - a view naming our own id leaves it out', () => {
  const self = randomId()
  const view = new ContactView(self, [{ id: self, host: '10.0.0.1', port: 1, goodFor: GOOD }, { id: randomId(), host: '10.0.0.2', port: 2,
    goodFor: GOOD }], NOW)
  assert.is(view.size, 1)
  assert.is(view.closest(self, 8, { now: NOW }).length, 1)
})

parity.run()
