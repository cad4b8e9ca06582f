import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { randomId } from '@peerconnect/protocol'
import { PeerStore } from '../src/peer-store.js'
import { createPeerTokens } from '../src/peer-tokens.js'

const store = suite('peer store (BEP 5 announce_peer)')

const MIN = 60_000

store('peer store - holds peers per info-hash, newest announce first; a re-announce refreshes, not duplicates', () => {
  const s = new PeerStore()
  const a = randomId()
  const b = randomId()
  assert.is(s.add(a, '10.0.0.1', 6881, 0), 'stored')
  assert.is(s.add(a, '10.0.1.1', 6882, 10), 'stored')
  assert.is(s.add(b, '10.0.2.1', 6883, 20), 'stored')
  assert.is(s.add(a, '10.0.0.1', 6881, 30), 'refreshed')
  assert.equal(s.get(a, 40), [{ host: '10.0.0.1', port: 6881 }, { host: '10.0.1.1', port: 6882 }])
  assert.equal(s.get(b, 40), [{ host: '10.0.2.1', port: 6883 }])
  assert.equal(s.get(randomId(), 40), [])
  assert.equal(s.stats(), { hashes: 2, peers: 3, ips: 3 })
})

store('peer store - hosts are kept canonical (a mapped IPv4 is IPv4); not an IP, or a bad port, is not stored', () => {
  const s = new PeerStore()
  const a = randomId()
  assert.is(s.add(a, '::ffff:10.0.0.9', 7000, 0), 'stored')
  assert.is(s.add(a, '10.0.0.9', 7000, 1), 'refreshed')
  assert.is(s.add(a, 'example.com', 7000, 2), 'full')
  assert.is(s.add(a, '10.0.0.8', 0, 2), 'full')
  assert.is(s.add(a, '10.0.0.8', 70000, 2), 'full')
  assert.equal(s.get(a, 3), [{ host: '10.0.0.9', port: 7000 }])
})

store('peer store - a peer expires maxAge after its last announce; a re-announce keeps it', () => {
  const s = new PeerStore({ maxAge: 30 * MIN })
  const a = randomId()
  s.add(a, '10.0.0.1', 1000, 0)
  s.add(a, '10.0.0.2', 1000, 10 * MIN)
  s.add(a, '10.0.0.1', 1000, 20 * MIN)
  assert.equal(s.get(a, 35 * MIN).map(p => p.host), ['10.0.0.1', '10.0.0.2'])
  assert.equal(s.get(a, 40 * MIN).map(p => p.host), ['10.0.0.1'], '10.0.0.2 announced 30 min ago')
  assert.equal(s.get(a, 50 * MIN), [])
  assert.equal(s.stats(), { hashes: 0, peers: 0, ips: 0 }, 'nothing left behind')
})

store('peer store - the sweep drops expired info-hashes nobody reads', () => {
  const s = new PeerStore({ maxAge: 30 * MIN, sweepInterval: MIN })
  for (let i = 0; i < 50; i++) s.add(randomId(), `10.0.${i}.1`, 1000, 0)
  assert.is(s.stats().hashes, 50)
  s.add(randomId(), '10.1.0.1', 1000, 31 * MIN)
  assert.equal(s.stats(), { hashes: 1, peers: 1, ips: 1 })
})

store('peer store - an info-hash holds at most maxPerHash peers: the oldest goes', () => {
  const s = new PeerStore({ maxPerHash: 5 })
  const a = randomId()
  for (let i = 0; i < 8; i++) s.add(a, `10.0.${i}.1`, 1000, i)
  assert.equal(s.get(a, 10).map(p => p.host), ['10.0.7.1', '10.0.6.1', '10.0.5.1', '10.0.4.1', '10.0.3.1'])
  assert.is(s.stats().peers, 5)
})

store('peer store - one IP holds at most maxPerIpPerHash peers of an info-hash and maxPerIp in all, displacing only its own', () => {
  const s = new PeerStore({ maxPerIpPerHash: 2, maxPerIp: 5 })
  const a = randomId()
  s.add(a, '10.9.9.9', 5000, 0)
  for (let port = 1; port <= 10; port++) s.add(a, '10.6.6.6', port, port)
  assert.equal(s.get(a, 20), [{ host: '10.6.6.6', port: 10 }, { host: '10.6.6.6', port: 9 }, { host: '10.9.9.9', port: 5000 }])
  const hashes = Array.from({ length: 10 }, () => randomId())
  hashes.forEach((h, i) => s.add(h, '10.6.6.6', 1, 100 + i))
  assert.is(s.stats().peers, 6, 'five of 10.6.6.6, one of 10.9.9.9')
  assert.equal(s.get(a, 200), [{ host: '10.9.9.9', port: 5000 }], '10.6.6.6 pushed out its own oldest')
  assert.equal(hashes.map(h => s.get(h, 200).length), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
  assert.is(s.stats().hashes, 6, 'emptied info-hashes are dropped')
})

store('peer store - at most maxHashes info-hashes and maxPeers peers: a new info-hash is refused, known ones still take peers', () => {
  const s = new PeerStore({ maxHashes: 3, maxPeers: 5 })
  const hashes = [randomId(), randomId(), randomId()]
  hashes.forEach((h, i) => assert.is(s.add(h, `10.0.0.${i + 1}`, 1000, 0), 'stored'))
  assert.is(s.add(randomId(), '10.0.0.9', 1000, 1), 'full')
  assert.is(s.add(hashes[0]!, '10.0.1.1', 1000, 1), 'stored')
  assert.is(s.add(hashes[0]!, '10.0.1.2', 1000, 1), 'stored')
  assert.is(s.add(hashes[1]!, '10.0.1.3', 1000, 1), 'full', 'maxPeers')
  assert.equal(s.stats(), { hashes: 3, peers: 5, ips: 5 })
})

store('peer store - options given as undefined keep their defaults', () => {
  const s = new PeerStore({ maxAge: undefined, maxPerHash: undefined })
  const a = randomId()
  s.add(a, '10.0.0.1', 1000, 0)
  assert.is(s.get(a, 29 * MIN).length, 1)
  assert.is(s.get(a, 30 * MIN).length, 0)
})

store.run()

const tokens = suite('peer tokens (BEP 5 write tokens)')

tokens('peer tokens - bound to the IP (any port, mapped or not), 8 bytes, good for the current and the previous secret', () => {
  const t = createPeerTokens({ rotate: 5 * MIN })
  const tok = t.issue('10.0.0.1', 1 * MIN)
  assert.is(tok.length, 8)
  assert.ok(t.check(tok, '10.0.0.1', 2 * MIN))
  assert.ok(t.check(tok, '::ffff:10.0.0.1', 2 * MIN))
  assert.not.ok(t.check(tok, '10.0.0.2', 2 * MIN), 'another IP')
  assert.ok(t.check(tok, '10.0.0.1', 9 * MIN), 'the previous secret')
  assert.not.ok(t.check(tok, '10.0.0.1', 10 * MIN), 'two rotations later')
  assert.not.ok(t.check(tok.subarray(1), '10.0.0.1', 2 * MIN))
  assert.not.ok(t.check('tok', '10.0.0.1', 2 * MIN))
  assert.not.ok(t.check(new Uint8Array(8), '10.0.0.1', 2 * MIN))
})

tokens('peer tokens - each node has its own secret', () => {
  const a = createPeerTokens()
  const b = createPeerTokens()
  assert.not.ok(b.check(a.issue('10.0.0.1', 0), '10.0.0.1', 0))
})

tokens.run()
