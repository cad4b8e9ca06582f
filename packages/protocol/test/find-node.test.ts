/**
 * Answering find_node (find-node.ts): address families (BEP 32 want), the reply fitted within 3×
 * its query for every tid length, byte-exact compact lists, and the count a query may ask for.
 * Routing's tests check its answers through the actor; the transport's, from routing's view.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AMPLIFICATION_LIMIT, decodeNodes, decodeNodes6, encodeKrpc, encodeNodes, encodeNodes6, encodeResponse, FIND_NODE_COUNT, fitNodes,
  MAX_FIND_NODE_COUNT, randomId, replyBytes, wantedCount, wantedFamilies } from '../src/index.js'
import type { Contact } from '../src/index.js'

const v4 = (i: number): Contact => ({ id: randomId(), host: `10.0.0.${i + 1}`, port: 6881 + i, lastSeen: 0 })
const v6 = (i: number): Contact => ({ id: randomId(), host: `2001:db8::${i + 1}`, port: 7000 + i, lastSeen: 0 })

function query (tidLength: number, extra: { v?: boolean, want?: string[] } = {}): number {
  const a: Record<string, unknown> = { id: randomId(), target: randomId() }
  if (extra.want !== undefined) a.want = extra.want
  const msg = { y: 'q' as const, t: new Uint8Array(tidLength), q: 'find_node', a: a as { id: Uint8Array },
    ...(extra.v === true ? { v: new Uint8Array([80, 67, 0, 1]) } : {}) }
  return encodeKrpc(msg).length
}

const families = suite('find_node families')

families('families - no want: the querier address family decides', () => {
  assert.equal(wantedFamilies(undefined, '1.2.3.4'), { v4: true, v6: false })
  assert.equal(wantedFamilies(undefined, '2001:db8::1'), { v4: false, v6: true })
  assert.equal(wantedFamilies(undefined, '::ffff:1.2.3.4'), { v4: true, v6: false })
})

families('families - want as strings or bytes', () => {
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
  assert.equal(wantedFamilies(['n4', 'n6'], '1.2.3.4'), { v4: true, v6: true })
  assert.equal(wantedFamilies([bytes('n6')], '1.2.3.4'), { v4: false, v6: true })
  assert.equal(wantedFamilies([bytes('n4')], '2001:db8::1'), { v4: true, v6: false })
})

families('families - a want with nothing known falls back to the address family', () => {
  assert.equal(wantedFamilies(['xx', 3, null], '1.2.3.4'), { v4: true, v6: false })
  assert.equal(wantedFamilies('n6', '1.2.3.4'), { v4: true, v6: false })
})

families.run()

const fit = suite('find_node fit')

fit('fit - a plain BEP 5 query (2-byte tid, no v) gets all 8 IPv4 nodes', () => {
  const nodes = Array.from({ length: 8 }, (_, i) => v4(i))
  const q = query(2)
  const r = fitNodes(nodes, { v4: true, v6: false }, q)
  assert.equal(decodeNodes(r.nodes)?.map(n => n.host), nodes.map(n => n.host))
  assert.is(r.nodes6, undefined)
})

fit('fit - for every tid length, with and without v and want, the reply stays within 3x the query', () => {
  const nodes = [...Array.from({ length: 8 }, (_, i) => v4(i)), ...Array.from({ length: 8 }, (_, i) => v6(i))]
  for (let tid = 1; tid <= 16; tid++) {
    for (const extra of [{}, { v: true }, { want: ['n4', 'n6'] }, { v: true, want: ['n6'] }]) {
      const fam = extra.want === undefined ? { v4: true, v6: false } : wantedFamilies(extra.want, '1.2.3.4')
      const q = query(tid, extra)
      const r = fitNodes(nodes, fam, q)
      const size = encodeResponse(new Uint8Array(tid), { ...r, id: randomId() }).length
      assert.ok(size <= AMPLIFICATION_LIMIT * q, `tid ${tid} ${JSON.stringify(extra)}: ${size} > 3 x ${q}`)
      const sent = (decodeNodes(r.nodes ?? new Uint8Array())?.length ?? 0) + (decodeNodes6(r.nodes6 ?? new Uint8Array())?.length ?? 0)
      assert.ok(sent >= 5, `tid ${tid} ${JSON.stringify(extra)}: only ${sent} nodes`)
    }
  }
})

fit('fit - replyBytes counts exactly what the KRPC encoder writes', () => {
  for (const tid of [1, 2, 4, 9, 10, 16]) {
    for (const [n4, n6] of [[-1, 0], [0, -1], [0, 0], [8, -1], [-1, 8], [3, 5], [1, 1], [4, 0]] as const) {
      const r: Record<string, Uint8Array> = { id: randomId() }
      if (n4 >= 0) r.nodes = new Uint8Array(26 * n4)
      if (n6 >= 0) r.nodes6 = new Uint8Array(38 * n6)
      const real = encodeResponse(new Uint8Array(tid), r).length
      assert.is(replyBytes(tid, n4 < 0 ? -1 : 26 * n4, n6 < 0 ? -1 : 38 * n6), real, `tid ${tid}, ${n4} v4, ${n6} v6`)
    }
  }
})

fit('fit - the lists are the compact encoding of the contacts, byte for byte', () => {
  const both = { v4: true, v6: true }
  const mapped: Contact = { id: randomId(), host: '::ffff:10.1.2.3', port: 4000, lastSeen: 0 }
  const nodes = [v4(0), v6(0), mapped, v4(1), v6(1)]
  const r = fitNodes(nodes, both, 10_000)
  const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex')
  assert.is(hex(r.nodes), hex(encodeNodes(nodes)), 'IPv4, the mapped address counted as IPv4')
  assert.is(hex(r.nodes6), hex(encodeNodes6(nodes)))
})

fit('fit - addresses stay right for one host on many ports and past the cache bound', () => {
  const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex')
  const same = Array.from({ length: 300 }, (_, i): Contact => ({ id: randomId(), host: '10.0.0.1', port: 1000 + i, lastSeen: 0 }))
  const many = Array.from({ length: 5000 },
    (_, i): Contact => ({ id: randomId(), host: `10.${(i >> 8) & 255}.${i & 255}.7`, port: 6881, lastSeen: 0 }))
  for (const list of [same, many, same]) {
    for (let i = 0; i < list.length; i += 8) {
      const chunk = list.slice(i, i + 8)
      assert.is(hex(fitNodes(chunk, { v4: true, v6: false }, 10_000).nodes), hex(encodeNodes(chunk)), `chunk at ${i}`)
    }
  }
})

fit('fit - nearest nodes are kept when trimming', () => {
  const nodes = Array.from({ length: 8 }, (_, i) => v4(i))
  const r = fitNodes(nodes, { v4: true, v6: false }, 60)
  const got = decodeNodes(r.nodes) ?? []
  assert.ok(got.length < 8)
  assert.equal(got.map(n => n.host), nodes.slice(0, got.length).map(n => n.host))
})

fit('fit - a tiny query gets an empty but well-formed list', () => {
  const r = fitNodes([v4(0)], { v4: true, v6: false }, 10)
  assert.ok(r.nodes instanceof Uint8Array)
  assert.is(r.nodes.length, 0)
})

fit('fit - only nodes of a wanted family are sent', () => {
  const r = fitNodes([v4(0), v6(0), v4(1)], { v4: false, v6: true }, 200)
  assert.is(r.nodes, undefined)
  assert.equal(decodeNodes6(r.nodes6)?.map(n => n.host), ['2001:db8::1'])
  const both = fitNodes([v4(0), v6(0)], { v4: true, v6: true }, 200)
  assert.is(decodeNodes(both.nodes)?.length, 1)
  assert.is(decodeNodes6(both.nodes6)?.length, 1)
})

fit.run()

const count = suite('find_node count')

count('n - wantedCount: an integer 1..20 is taken, anything else means BEP 5 (8)', () => {
  for (const n of [1, 7, 8, 9, 20]) assert.is(wantedCount(n), n)
  for (const n of [undefined, 0, -3, 21, 2.5, '12', Number.NaN, new Uint8Array([12])]) assert.is(wantedCount(n), FIND_NODE_COUNT, String(n))
  assert.is(MAX_FIND_NODE_COUNT, 20)
})

count.run()
