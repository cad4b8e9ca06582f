import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeNodes, encodeQuery, encodeResponse, randomId } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { seededRandom } from '@peerconnect/runtime'
import type { InboundQuery, KrpcSocket } from '../src/socket.js'
import { boundSocket, closeAll, rawSocket } from './fixtures/udp.js'
import type { RawSocket } from './fixtures/udp.js'

const T = 20_000
const enc = new TextEncoder()

function answering (opts: Parameters<typeof boundSocket>[0] = {}, handler?: (s: KrpcSocket, q: InboundQuery) => void) {
  let s: KrpcSocket | undefined
  return boundSocket({
    ...opts,
    onQuery: q => {
      if (handler !== undefined) handler(s!, q)
      else if (q.method === 'find_node') s!.reply(q, { nodes: encodeNodes([{ id: q.args.target as NodeId, host: '10.0.0.1', port: 1 }]) })
      else s!.reply(q, {})
    }
  }).then(b => {
    s = b.socket
    return b
  })
}

/** Sends `packets` in small bursts, waiting for the socket to drain between them. */
async function flood (raw: RawSocket, to: { host: string, port: number }, packets: Uint8Array[]): Promise<void> {
  for (let i = 0; i < packets.length; i += 50) {
    await Promise.all(packets.slice(i, i + 50).map(p => raw.send(p, to)))
    await new Promise(resolve => setImmediate(resolve))
  }
}

async function stillAnswers (b: { address: { host: string, port: number } }): Promise<void> {
  const probe = await boundSocket()
  try {
    const res = await probe.socket.query(b.address, 'ping', {}, { timeout: 3000 })
    assert.ok(res.id instanceof Uint8Array)
  } finally {
    await closeAll(probe.socket)
  }
}

// ── garbage ──────────────────────────────────────────────────────────────────────────────────

const garbage = suite('socket - garbage')

garbage('socket - thousands of random packets neither throw nor stop it answering', withTimeout(T, async () => {
  const b = await answering()
  const raw = await rawSocket()
  try {
    const random = seededRandom(42)
    const packets = Array.from({ length: 3000 }, () => {
      const n = Math.floor(random() * 200)
      const p = new Uint8Array(n)
      for (let i = 0; i < n; i++) p[i] = Math.floor(random() * 256)
      if (n > 0 && random() < 0.5) p[0] = 0x64 // 'd': looks like a dict
      return p
    })
    await flood(raw, b.address, packets)
    await waitFor(() => b.socket.stats().received >= 1000, { what: 'packets to arrive' })
    await stillAnswers(b)
    const s = b.socket.stats()
    assert.ok(s.droppedMalformed > 0, 'garbage is counted')
    assert.is(s.dropped, s.droppedMalformed + s.droppedUnknownTid + s.droppedWrongAddress + s.droppedRateLimited)
  } finally {
    await closeAll(b.socket, raw)
  }
}))

garbage('socket - thousands of mutated valid packets neither throw nor stop it answering', withTimeout(T, async () => {
  const b = await answering()
  const raw = await rawSocket()
  try {
    const random = seededRandom(7)
    const t = enc.encode('aa')
    const valid = [
      encodeQuery(t, 'ping', { id: randomId() }),
      encodeQuery(t, 'find_node', { id: randomId(), target: randomId() }),
      encodeQuery(t, 'pc_list', { id: randomId(), list: 3 }),
      encodeResponse(t, { id: randomId(), nodes: encodeNodes([{ id: randomId(), host: '1.2.3.4', port: 5 }]) })
    ]
    const packets = Array.from({ length: 4000 }, (_, i) => mutate(valid[i % valid.length]!, random))
    await flood(raw, b.address, packets)
    await waitFor(() => b.socket.stats().received >= 1000, { what: 'packets to arrive' })
    await stillAnswers(b)
    const s = b.socket.stats()
    assert.ok(s.droppedMalformed > 0)
    assert.ok(s.errorsSent > 0, 'malformed queries with a readable tid were answered with errors')
  } finally {
    await closeAll(b.socket, raw)
  }
}))

garbage('socket - an oversized packet is dropped', withTimeout(T, async () => {
  const b = await answering()
  const raw = await rawSocket()
  try {
    const big = encodeQuery(enc.encode('aa'), 'ping', { id: randomId(), pad: new Uint8Array(2000) })
    await raw.send(big, b.address)
    await waitFor(() => b.socket.stats().droppedMalformed === 1)
    assert.is(b.socket.stats().repliesSent, 0)
  } finally {
    await closeAll(b.socket, raw)
  }
}))

// ── rate limit ───────────────────────────────────────────────────────────────────────────────

const limit = suite('socket - rate limit')

limit('socket - excess queries from one source are dropped (loopback exemption off)', withTimeout(T, async () => {
  const b = await answering({ rateLimit: { rate: 0.001, burst: 5, exemptLoopback: false } })
  const raw = await rawSocket()
  try {
    const pings = Array.from({ length: 20 }, (_, i) => encodeQuery(enc.encode(`p${i}`), 'ping', { id: randomId() }))
    for (const p of pings) await raw.send(p, b.address)
    await waitFor(() => b.socket.stats().received === 20, { what: 'all 20 pings to arrive' })
    const s = b.socket.stats()
    assert.is(s.droppedRateLimited, 15)
    assert.is(s.repliesSent, 5)
    assert.is(s.rateLimitNotices, 1, 'one 201 per source per second; the rest unanswered')
    await waitFor(() => raw.received.length === 6)
    assert.equal(raw.received.map(r => r.msg?.y), ['r', 'r', 'r', 'r', 'r', 'e'])
    const notice = raw.received[5]!
    assert.is(notice.msg?.y === 'e' && notice.msg.e[0], 201)
    assert.ok(notice.bytes <= pings[5]!.length, 'the notice is no larger than the query')
  } finally {
    await closeAll(b.socket, raw)
  }
}))

limit('socket - a limited source\'s queries are refused before they are decoded', withTimeout(T, async () => {
  const b = await answering({ rateLimit: { rate: 0.001, burst: 2, exemptLoopback: false } })
  const raw = await rawSocket()
  try {
    for (let i = 0; i < 2; i++) await raw.send(encodeQuery(enc.encode(`p${i}`), 'ping', { id: randomId() }), b.address)
    // Not bencode at all, but shaped like a query's end: refused on the source's empty bucket, never decoded.
    for (let i = 0; i < 10; i++) await raw.send(enc.encode(`garbage-garbage-${i}1:y1:qe`), b.address)
    await waitFor(() => b.socket.stats().received === 12, { what: 'all 12 packets' })
    const s = b.socket.stats()
    assert.is(s.repliesSent, 2)
    assert.is(s.droppedRateLimited, 10)
    assert.is(s.droppedMalformed, 0, 'none was decoded')
    assert.is(s.rateLimitNotices, 0, 'no tid to answer: no 201')
  } finally {
    await closeAll(b.socket, raw)
  }
}))

limit('socket - get_peers and announce_peer share the source\'s bucket with every other query', withTimeout(T, async () => {
  const methods: string[] = []
  const b = await answering({ rateLimit: { rate: 0.001, burst: 5, exemptLoopback: false } }, (s, q) => {
    methods.push(q.method)
    s.reply(q, {})
  })
  const raw = await rawSocket()
  try {
    const ih = randomId()
    const queries = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? encodeQuery(enc.encode(`g${i}`), 'get_peers', { id: randomId(), info_hash: ih })
        : encodeQuery(enc.encode(`a${i}`), 'announce_peer', { id: randomId(), info_hash: ih, port: 6881, token: enc.encode('tok') }))
    for (const q of queries) await raw.send(q, b.address)
    await waitFor(() => b.socket.stats().received === 20, { what: 'all 20 queries to arrive' })
    assert.is(b.socket.stats().droppedRateLimited, 15)
    assert.equal(methods, ['get_peers', 'announce_peer', 'get_peers', 'announce_peer', 'get_peers'])
    const s = b.socket.stats()
    assert.is(s['queriesIn.get_peers'], 3)
    assert.is(s['queriesIn.announce_peer'], 2)
  } finally {
    await closeAll(b.socket, raw)
  }
}))

limit('socket - loopback is exempt by default', withTimeout(T, async () => {
  const b = await answering({ rateLimit: { rate: 0.001, burst: 5 } })
  const raw = await rawSocket()
  try {
    for (let i = 0; i < 20; i++) await raw.send(encodeQuery(enc.encode(`p${i}`), 'ping', { id: randomId() }), b.address)
    await waitFor(() => raw.received.length === 20, { what: '20 replies' })
    assert.is(b.socket.stats().droppedRateLimited, 0)
  } finally {
    await closeAll(b.socket, raw)
  }
}))

limit('socket - replies to our own queries are not rate limited', withTimeout(T, async () => {
  const a = await boundSocket({ rateLimit: { rate: 0.001, burst: 1, exemptLoopback: false } })
  const b = await answering()
  try {
    for (let i = 0; i < 10; i++) await a.socket.query(b.address, 'ping', {})
    assert.is(a.socket.stats().droppedRateLimited, 0)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

// ── amplification ────────────────────────────────────────────────────────────────────────────

const amp = suite('socket - amplification guard')

amp('socket - a reply over 3× its query is refused with 202 unless proven', withTimeout(T, async () => {
  let proven = false
  const b = await answering({}, (s, q) => s.reply(q, { pad: new Uint8Array(600) }, { proven }))
  const a = await boundSocket()
  try {
    const err = await a.socket.query(b.address, 'ping', {}).then(() => undefined, (e: unknown) => e as Error & { code?: string })
    assert.is(err?.code, 'ERR_RPC_REMOTE')
    assert.match(String(err?.message), /^202 /)
    assert.is(b.socket.stats().amplificationRefused, 1)
    proven = true
    const res = await a.socket.query(b.address, 'ping', {})
    assert.is((res.r.pad as Uint8Array).length, 600)
    assert.is(b.socket.stats().amplificationRefused, 1)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

amp('socket - a reply within 3× its query goes out', withTimeout(T, async () => {
  const b = await answering({}, (s, q) => s.reply(q, { pad: new Uint8Array(q.bytes) }))
  const a = await boundSocket()
  try {
    const res = await a.socket.query(b.address, 'ping', {})
    assert.ok(res.bytes - (res.r.pad as Uint8Array).length > 0)
    assert.is(b.socket.stats().amplificationRefused, 0)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

amp('socket - an unencodable reply becomes 202', withTimeout(T, async () => {
  const b = await answering({}, (s, q) => s.reply(q, { bad: 0.5 }))
  const a = await boundSocket()
  try {
    const err = await a.socket.query(b.address, 'ping', {}).then(() => undefined, (e: unknown) => e as Error & { code?: string })
    assert.match(String(err?.message), /^202 /)
    assert.is(b.socket.stats().replyEncodeErrors, 1)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

garbage.run()
limit.run()
amp.run()

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function mutate (p: Uint8Array, random: () => number): Uint8Array {
  const kind = Math.floor(random() * 5)
  const at = Math.floor(random() * p.length)
  if (kind === 0) {
    const q = Uint8Array.from(p)
    q[at] = q[at]! ^ (1 << Math.floor(random() * 8))
    return q
  }
  if (kind === 1) return p.slice(0, at)
  if (kind === 2) {
    const q = new Uint8Array(p.length + 1)
    q.set(p.subarray(0, at))
    q[at] = Math.floor(random() * 256)
    q.set(p.subarray(at), at + 1)
    return q
  }
  if (kind === 3) {
    const q = Uint8Array.from(p)
    for (let i = 0; i < q.length; i++) if (q[i]! >= 0x30 && q[i]! <= 0x39 && random() < 0.3) q[i] = 0x30 + Math.floor(random() * 10)
    return q
  }
  const q = Uint8Array.from(p)
  q[at] = Math.floor(random() * 256)
  q[Math.floor(random() * q.length)] = Math.floor(random() * 256)
  return q
}
