import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeKrpc, encodeNodes, encodeResponse, randomId } from '@peerconnect/protocol'
import type { Obj } from '@peerconnect/protocol'
import { encodeFlatResponse } from '../src/response-encoder.js'

const hex = (b: Uint8Array | undefined): string => b === undefined ? 'undefined' : Buffer.from(b).toString('hex')
const same = (t: Uint8Array, r: Obj, what: string): void => {
  const id = randomId()
  assert.is(hex(encodeFlatResponse(t, r, id)), hex(encodeResponse(t, { ...r, id })), what)
}

const shapes = suite('response encoder - same bytes as encodeResponse')

shapes('response encoder - ping and find_node replies', () => {
  const nodes = encodeNodes(Array.from({ length: 8 }, (_, i) => ({ id: randomId(), host: `10.0.0.${i + 1}`, port: 6881 + i })))
  for (const tl of [1, 2, 4, 9, 10, 16]) {
    const t = new Uint8Array(tl).map((_, i) => i * 37)
    same(t, {}, `empty r, tid ${tl}`)
    same(t, { nodes }, `find_node, tid ${tl}`)
    same(t, { nodes: new Uint8Array(0) }, `no nodes, tid ${tl}`)
    same(t, { nodes, nodes6: new Uint8Array(38) }, `both families, tid ${tl}`)
    same(t, { token: new Uint8Array(20), nodes }, `token first, tid ${tl}`)
  }
})

shapes('response encoder - r.id is always ours', () => {
  same(new Uint8Array([1]), { id: randomId(), nodes: new Uint8Array(26) }, 'their id replaced')
  const id = randomId()
  const out = encodeFlatResponse(new Uint8Array([7, 7]), { id: new Uint8Array(3) }, id)!
  const res = decodeKrpc(out)
  assert.ok(res.ok && res.msg.y === 'r')
  assert.is(hex(res.ok && res.msg.y === 'r' ? res.msg.r.id : undefined), hex(id))
})

shapes('response encoder - strings, integers, null and undefined values, odd keys', () => {
  const t = new Uint8Array([0xff, 0])
  same(t, { name: 'plain', n: 42 }, 'string and int')
  same(t, { name: 'héllo ✓ 𝄞', z: -7, a: 0 }, 'UTF-8 and negative')
  same(t, { big: Number.MAX_SAFE_INTEGER, small: Number.MIN_SAFE_INTEGER, neg0: -0 }, 'integer limits and -0')
  same(t, { gone: undefined, nil: null, kept: 'x' }, 'null and undefined left out')
  same(t, { 'ключ': 'v', Z: 'upper', a10: 'x', a9: 'y', '': 'empty key' }, 'key order by code unit')
  same(t, { lone: '\ud800' }, 'a lone surrogate becomes U+FFFD in both')
})

shapes.run()

const fallback = suite('response encoder - other shapes fall back')

fallback('response encoder - lists, dicts and non-integers are not written here', () => {
  const t = new Uint8Array([1])
  const id = randomId()
  for (const r of [{ values: [new Uint8Array(6)] }, { d: { a: 1 } }, { f: 1.5 }, { b: true }, { x: 2n ** 60n }, { u: new Uint16Array(2) }, {
    n: Number.MAX_SAFE_INTEGER + 1
  }] as Obj[]) {
    assert.is(encodeFlatResponse(t, r, id), undefined, JSON.stringify(Object.keys(r)))
  }
})

fallback('response encoder - a fallback shape still encodes (or throws) through encodeResponse', () => {
  const id = randomId()
  const r = { values: [new Uint8Array(6), new Uint8Array(6)], id }
  assert.ok(decodeKrpc(encodeResponse(new Uint8Array([1]), r)).ok)
  assert.throws(() => encodeResponse(new Uint8Array([1]), { f: 1.5, id }), (e: { code?: string }) => e.code === 'ERR_KRPC_ENCODE')
})

fallback.run()

const bep42 = suite('response encoder - BEP 42 ip')

bep42('response encoder - with ip: the same bytes as encodeResponse with ip, for v4 and v6 queriers and every tid length', () => {
  const nodes = encodeNodes(Array.from({ length: 8 }, (_, i) => ({ id: randomId(), host: `10.0.0.${i + 1}`, port: 6881 + i })))
  for (const ip of [new Uint8Array([203, 0, 113, 5, 0x1a, 0xe1]), new Uint8Array(18).fill(0x20)]) {
    for (const tl of [1, 2, 4, 16]) {
      const t = new Uint8Array(tl).fill(tl)
      const id = randomId()
      assert.is(hex(encodeFlatResponse(t, { nodes }, id, { ip })), hex(encodeResponse(t, { nodes, id }, { ip })),
        `ip ${ip.length}, tid ${tl}`)
      const back = decodeKrpc(encodeFlatResponse(t, {}, id, { ip })!)
      assert.ok(back.ok && back.msg.y === 'r' && hex(back.msg.ip) === hex(ip), 'decodes with its ip')
    }
  }
})

bep42('response encoder - ip is left out when the reply would then be over its budget, and kept when it fits exactly', () => {
  const id = randomId()
  const t = new Uint8Array([1, 2])
  const ip = new Uint8Array([198, 51, 100, 7, 0, 80])
  const without = encodeFlatResponse(t, { nodes: new Uint8Array(26) }, id)!
  const withIp = encodeFlatResponse(t, { nodes: new Uint8Array(26) }, id, { ip })!
  assert.is(withIp.length - without.length, 12, '2:ip6:<6 bytes>')
  assert.is(hex(encodeFlatResponse(t, { nodes: new Uint8Array(26) }, id, { ip, budget: withIp.length })), hex(withIp))
  assert.is(hex(encodeFlatResponse(t, { nodes: new Uint8Array(26) }, id, { ip, budget: withIp.length - 1 })), hex(without))
})

bep42.run()
