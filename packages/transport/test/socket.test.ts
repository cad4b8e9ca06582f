import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bencode, decodeNodes, encodeError, encodeNodes, encodeQuery, encodeResponse, idsEqual, KRPC_METHODS,
  randomId } from '@peerconnect/protocol'
import type { KrpcMessage, NodeId } from '@peerconnect/protocol'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import type { InboundQuery, KrpcSocket } from '../src/socket.js'
import { RTO_FLOOR } from '../src/constants.js'
import { boundSocket, closeAll, rawSocket } from './fixtures/udp.js'

const T = 5000
const enc = new TextEncoder()
const bytes = (s: string): Uint8Array => enc.encode(s)

/** A handler that answers ping with {} and find_node with one node whose id is the target. */
function echoHandler (socket: () => KrpcSocket) {
  return (q: InboundQuery): void => {
    if (q.method === 'ping') socket().reply(q, {})
    else if (q.method === 'find_node') {
      socket().reply(q, { nodes: encodeNodes([{ id: q.args.target as NodeId, host: '10.1.2.3', port: 4567 }]) })
    } else socket().replyError(q, 204, 'method unknown')
  }
}

async function pair () {
  let bs: KrpcSocket | undefined
  const seenByB: Array<{ id: NodeId, host: string, port: number, rtt: number | undefined }> = []
  const b = await boundSocket({ onQuery: q => echoHandler(() => bs!)(q),
    onSeen: (id, host, port, rtt) => seenByB.push({ id, host, port, rtt }) })
  bs = b.socket
  const seenByA: typeof seenByB = []
  const a = await boundSocket({ onSeen: (id, host, port, rtt) => seenByA.push({ id, host, port, rtt }) })
  return { a, b, seenByA, seenByB, close: () => closeAll(a.socket, b.socket) }
}

// ── round trips ──────────────────────────────────────────────────────────────────────────────

const trip = suite('socket - round trips')

trip('socket - ping round trip between two sockets on 127.0.0.1', withTimeout(T, async () => {
  const p = await pair()
  try {
    const res = await p.a.socket.query(p.b.address, 'ping', {})
    assert.ok(idsEqual(res.id, p.b.id), 'the reply carries the id of the node that answered')
    assert.ok(idsEqual(res.r.id as NodeId, p.b.id))
    assert.equal(res.from, p.b.address)
    assert.ok(res.rtt >= 0 && res.rtt < T)
    assert.ok(res.bytes > 40, `query + reply bytes: ${res.bytes}`)
    const sa = p.a.socket.stats()
    assert.is(sa.queriesSent, 1)
    assert.is(sa.repliesIn, 1)
    assert.is(sa.pending, 0)
    assert.is(p.b.socket.stats().queriesIn, 1)
    assert.is(p.b.socket.stats().repliesSent, 1)
  } finally {
    await p.close()
  }
}))

trip('socket - a dual-stack socket (bound to ::) queries an IPv4-only node and an IPv6 one, and answers both', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  let cs: KrpcSocket | undefined
  const v4 = await boundSocket({ onQuery: q => echoHandler(() => bs!)(q) })
  bs = v4.socket
  const v6 = await boundSocket({ host: '::1', onQuery: q => echoHandler(() => cs!)(q) })
  cs = v6.socket
  let ds: KrpcSocket | undefined
  const seenByDual: string[] = []
  const dual = await boundSocket({ host: '::', onQuery: q => echoHandler(() => ds!)(q), onSeen: (_id, host) => seenByDual.push(host) })
  ds = dual.socket
  try {
    const to4 = await dual.socket.query(v4.address, 'ping', {})
    assert.ok(idsEqual(to4.id, v4.id), 'the IPv4 node answered (sent as ::ffff:127.0.0.1 on the wire)')
    assert.equal(to4.from, v4.address)
    const to6 = await dual.socket.query(v6.address, 'ping', {})
    assert.ok(idsEqual(to6.id, v6.id))
    const back4 = await v4.socket.query({ host: '127.0.0.1', port: dual.address.port }, 'ping', {})
    assert.ok(idsEqual(back4.id, dual.id), 'and the IPv4 node reaches it back')
    assert.ok(seenByDual.includes('127.0.0.1'), 'the IPv4 node is seen as 127.0.0.1 ...')
    assert.not.ok(seenByDual.some(h => h.startsWith('::ffff:')), '... never as ::ffff:127.0.0.1: one peer, one address')
    assert.is(dual.socket.stats().sendErrors, 0)
  } finally {
    await closeAll(v4.socket, v6.socket, dual.socket)
  }
}))

trip('socket - find_node round trip carries the handler\'s nodes and our id in the query', withTimeout(T, async () => {
  const p = await pair()
  try {
    const target = randomId()
    const res = await p.a.socket.query(p.b.address, 'find_node', { target })
    const nodes = decodeNodes(res.r.nodes)
    assert.ok(nodes !== undefined && nodes.length === 1)
    assert.ok(idsEqual(nodes[0]!.id, target))
    assert.equal(nodes[0]!.host, '10.1.2.3')
    assert.ok(idsEqual(p.seenByB[0]!.id, p.a.id), 'B saw A\'s id in the query')
    assert.is(p.seenByB[0]!.rtt, undefined, 'a query carries no rtt')
    assert.ok(idsEqual(p.seenByA[0]!.id, p.b.id), 'A saw B\'s id in the reply')
    assert.type(p.seenByA[0]!.rtt, 'number')
  } finally {
    await p.close()
  }
}))

trip('socket - a thousand queries, a hundred in flight at a time, each get their own reply', withTimeout(2 * T, async () => {
  // A hundred at a time: both sockets share this event loop, so a burst must fit the kernel's
  // default receive buffer (212 KB) even where it cannot be raised.
  const p = await pair()
  try {
    for (let batch = 0; batch < 10; batch++) {
      const targets = Array.from({ length: 100 }, () => randomId())
      const results = await Promise.all(targets.map(target => p.a.socket.query(p.b.address, 'find_node', { target }, { timeout: 4000 })))
      results.forEach((res, i) =>
        assert.ok(idsEqual(decodeNodes(res.r.nodes)![0]!.id, targets[i]!), `reply ${batch}/${i} matched its query`)
      )
    }
    assert.is(p.a.socket.stats().pending, 0)
    assert.is(p.a.socket.stats().repliesIn, 1000)
  } finally {
    await p.close()
  }
}))

trip('socket - a handler may answer later', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => setTimeout(() => bs!.reply(q, {}), 30) })
  bs = b.socket
  const a = await boundSocket()
  try {
    const res = await a.socket.query(b.address, 'ping', {})
    assert.ok(idsEqual(res.id, b.id))
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

trip('socket - a KRPC error reply rejects with ERR_RPC_REMOTE "<code> <text>"', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => bs!.replyError(q, 201, 'nope') })
  bs = b.socket
  const a = await boundSocket()
  try {
    const err = await rejects(a.socket.query(b.address, 'ping', {}), 'ERR_RPC_REMOTE')
    assert.is(err.message, '201 nope')
    assert.is(a.socket.stats().errorsIn, 1)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

trip('socket - a reply failing the method\'s reply guard rejects with ERR_RPC_BAD_REPLY', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => bs!.reply(q, { nodes: new Uint8Array(25) }) })
  bs = b.socket
  const a = await boundSocket()
  try {
    await rejects(a.socket.query(b.address, 'find_node', { target: randomId() }), 'ERR_RPC_BAD_REPLY')
    assert.is(a.socket.stats().badReplies, 1)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

trip('socket - replies to methods without a guard pass as they are', withTimeout(T, async () => {
  const a = await boundSocket()
  const peer = await rawSocket()
  try {
    const pending = a.socket.query(peer.address, 'x_custom', { n: 1 })
    const q = (await peer.nth(1)).msg!
    assert.is(q.y === 'q' && q.q, 'x_custom')
    await peer.send(encodeResponse(q.t, { id: randomId(), anything: new Uint8Array(25) }), a.address)
    const res = await pending
    assert.is((res.r.anything as Uint8Array).length, 25)
  } finally {
    await closeAll(a.socket, peer)
  }
}))

trip('socket - a socket without a handler answers 204', withTimeout(T, async () => {
  const b = await boundSocket()
  const a = await boundSocket()
  try {
    const err = await rejects(a.socket.query(b.address, 'ping', {}), 'ERR_RPC_REMOTE')
    assert.match(String(err.message), /^204 /)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

// ── which replies are accepted ───────────────────────────────────────────────────────────────

const accept = suite('socket - reply matching')

accept('socket - a reply from another address with the right tid is ignored', withTimeout(T, async () => {
  const a = await boundSocket()
  const peer = await rawSocket()
  const other = await rawSocket()
  try {
    const bId = randomId()
    const pending = a.socket.query(peer.address, 'ping', {}, { timeout: 3000 })
    const q = (await peer.nth(1)).msg!
    await other.send(encodeResponse(q.t, { id: randomId() }), a.address)
    await waitFor(() => a.socket.stats().droppedWrongAddress === 1, { what: 'wrong-address drop' })
    await peer.send(encodeResponse(q.t, { id: bId }), a.address)
    const res = await pending
    assert.ok(idsEqual(res.id, bId), 'the real reply is still accepted after the forged one')
  } finally {
    await closeAll(a.socket, peer, other)
  }
}))

accept('socket - a reply with a wrong tid is ignored', withTimeout(T, async () => {
  const a = await boundSocket()
  const peer = await rawSocket()
  try {
    const pending = a.socket.query(peer.address, 'ping', {}, { timeout: 3000 })
    const q = (await peer.nth(1)).msg!
    const wrong = Uint8Array.from(q.t)
    wrong[0] = wrong[0]! ^ 0xff
    await peer.send(encodeResponse(wrong, { id: randomId() }), a.address)
    await peer.send(encodeResponse(bytes('xy'), { id: randomId() }), a.address)
    await waitFor(() => a.socket.stats().droppedUnknownTid === 2, { what: 'unknown-tid drops' })
    const id = randomId()
    await peer.send(encodeResponse(q.t, { id }), a.address)
    assert.ok(idsEqual((await pending).id, id))
    await peer.send(encodeResponse(q.t, { id }), a.address)
    await waitFor(() => a.socket.stats().droppedUnknownTid === 3, { what: 'a duplicate reply is dropped' })
  } finally {
    await closeAll(a.socket, peer)
  }
}))

accept('socket - transaction ids are 4 random bytes', withTimeout(T, async () => {
  const a = await boundSocket()
  const peer = await rawSocket()
  try {
    for (let i = 0; i < 20; i++) a.socket.request(peer.address, { q: 'ping', a: {}, timeout: 2000 }, () => {})
    await peer.nth(20)
    const tids = peer.received.map(r => Buffer.from(r.msg!.t).toString('hex'))
    assert.ok(tids.every(t => t.length === 8))
    assert.is(new Set(tids).size, 20)
  } finally {
    await closeAll(a.socket, peer)
  }
}))

accept('socket - a malformed reply to a pending query fails it with ERR_RPC_BAD_REPLY', withTimeout(T, async () => {
  const a = await boundSocket()
  const peer = await rawSocket()
  try {
    const pending = a.socket.query(peer.address, 'ping', {}, { timeout: 3000 })
    const q = (await peer.nth(1)).msg!
    await peer.send(bencode({ t: q.t, y: 'r', r: { id: new Uint8Array(5) } }), a.address)
    await rejects(pending, 'ERR_RPC_BAD_REPLY')
    assert.is(peer.received.length, 1, 'no 203 is sent back for a bad reply to our own query')
  } finally {
    await closeAll(a.socket, peer)
  }
}))

accept('socket - a cancelled query calls back nobody, but its late reply is a sighting (within its timeout, from its address)',
  withTimeout(T, async () => {
    const seen: Array<{ id: Uint8Array, port: number, rtt: number | undefined }> = []
    const a = await boundSocket({ onSeen: (id, _host, port, rtt) => seen.push({ id, port, rtt }) })
    const peer = await rawSocket()
    try {
      let called = 0
      const cancel = a.socket.request(peer.address, { q: 'ping', a: {}, timeout: 3000 }, () => {
        called++
      })
      const q = (await peer.nth(1)).msg!
      cancel()
      assert.is(a.socket.stats().pending, 0)
      const id = randomId()
      await peer.send(encodeResponse(q.t, { id }), a.address)
      await waitFor(() => a.socket.stats().lateReplies === 1)
      assert.is(called, 0)
      assert.is(seen.length, 1)
      assert.ok(idsEqual(seen[0]!.id, id) && seen[0]!.port === peer.address.port && seen[0]!.rtt !== undefined)
      // the same reply again is unknown: a late reply is taken once
      await peer.send(encodeResponse(q.t, { id }), a.address)
      await waitFor(() => a.socket.stats().droppedUnknownTid === 1)
      assert.is(seen.length, 1)
    } finally {
      await closeAll(a.socket, peer)
    }
  }))

accept('socket - a late reply to a cancelled query after its timeout is dropped, not a sighting', withTimeout(T, async () => {
  let seen = 0
  const a = await boundSocket({ onSeen: () => seen++ })
  const peer = await rawSocket()
  try {
    const cancel = a.socket.request(peer.address, { q: 'ping', a: {}, timeout: 200 }, () => {})
    const q = (await peer.nth(1)).msg!
    cancel()
    await new Promise(resolve => setTimeout(resolve, 300))
    await peer.send(encodeResponse(q.t, { id: randomId() }), a.address)
    await waitFor(() => a.socket.stats().droppedUnknownTid === 1)
    assert.is(seen, 0)
    assert.is(a.socket.stats().lateReplies, 0)
  } finally {
    await closeAll(a.socket, peer)
  }
}))

accept('socket - cancelled queries past their timeout are forgotten as new ones are cancelled', withTimeout(T, async () => {
  const a = await boundSocket()
  const peer = await rawSocket()
  try {
    for (let i = 0; i < 3; i++) a.socket.request(peer.address, { q: 'ping', a: {}, timeout: 100 }, () => {})()
    assert.is(a.socket.stats().abandoned, 3)
    await new Promise(resolve => setTimeout(resolve, 150))
    a.socket.request(peer.address, { q: 'ping', a: {}, timeout: 3000 }, () => {})()
    assert.is(a.socket.stats().abandoned, 1)
  } finally {
    await closeAll(a.socket, peer)
  }
}))

// ── timeouts ─────────────────────────────────────────────────────────────────────────────────

const time = suite('socket - timeouts')

time('socket - a query nobody answers rejects with ERR_RPC_TIMEOUT after its timeout', withTimeout(T, async () => {
  const a = await boundSocket()
  const silent = await rawSocket()
  try {
    const t0 = performance.now()
    const err = await rejects(a.socket.query(silent.address, 'ping', {}, { timeout: 120 }), 'ERR_RPC_TIMEOUT')
    assert.ok(performance.now() - t0 >= 115)
    assert.is((err as { timeout?: number }).timeout, 120)
    assert.is(a.socket.stats().timeouts, 1)
    assert.is(a.socket.stats().pending, 0)
  } finally {
    await closeAll(a.socket, silent)
  }
}))

time('socket - an unknown contact gets the default timeout, a fast known one a short one', withTimeout(T, async () => {
  let answer = true
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => {
    if (answer) bs!.reply(q, {})
  } })
  bs = b.socket
  const a = await boundSocket({ rtt: { initial: 400, unknownFloor: 1500 } })
  const silent = await rawSocket()
  const key = `${b.address.host}:${b.address.port}`
  try {
    const unknown = await rejects(a.socket.query(silent.address, 'ping', {}), 'ERR_RPC_TIMEOUT')
    assert.is((unknown as { timeout?: number }).timeout, 400, 'never measured: the initial timeout')
    for (let i = 0; i < 5; i++) await a.socket.query(b.address, 'ping', {})
    const measured = a.socket.rtt.timeout(key)
    assert.ok(measured >= RTO_FLOOR && measured < 1500, `loopback RTTs give a short timeout (${measured} ms)`)
    answer = false
    const fast = await rejects(a.socket.query(b.address, 'ping', {}), 'ERR_RPC_TIMEOUT')
    assert.is((fast as { timeout?: number }).timeout, measured, 'the fast contact timed out after its own short timeout')
    const stranger = a.socket.rtt.timeout(`${silent.address.host}:${silent.address.port}`)
    assert.ok(stranger >= 1500, `a stranger now gets the unknown timeout (${stranger} ms), not the initial one`)
  } finally {
    await closeAll(a.socket, b.socket, silent)
  }
}))

time('socket - onTimeout names the silent contact and the method; a cancelled query does not call it', withTimeout(T, async () => {
  const calls: Array<[string, number, string]> = []
  const a = await boundSocket({ onTimeout: (host, port, method) => {
    calls.push([host, port, method])
  } })
  const silent = await rawSocket()
  try {
    await rejects(a.socket.query(silent.address, 'find_node', { target: randomId() }, { timeout: 60 }), 'ERR_RPC_TIMEOUT')
    assert.equal(calls, [[silent.address.host, silent.address.port, 'find_node']])
    const cancel = a.socket.request(silent.address, { q: 'ping', a: {}, timeout: 60 }, () => {})
    await silent.nth(2)
    cancel()
    await rejects(a.socket.query(silent.address, 'ping', {}, { timeout: 150 }), 'ERR_RPC_TIMEOUT')
    assert.is(calls.length, 2, 'the cancelled query never timed out')
    assert.is(a.socket.stats().timeouts, 2)
  } finally {
    await closeAll(a.socket, silent)
  }
}))

time('socket - stats count queries sent, received and timed out per method; unknown methods as other', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => bs!.reply(q, q.method === 'find_node' ? { nodes: new Uint8Array(0) } : {}) })
  bs = b.socket
  const a = await boundSocket()
  const silent = await rawSocket()
  try {
    await a.socket.query(b.address, 'ping', {})
    await a.socket.query(b.address, 'ping', {})
    await a.socket.query(b.address, 'find_node', { target: randomId() })
    await rejects(a.socket.query(silent.address, 'find_node', { target: randomId() }, { timeout: 40 }), 'ERR_RPC_TIMEOUT')
    await rejects(a.socket.query(b.address, 'frobnicate', {}), 'ERR_RPC_REMOTE')
    const sa = a.socket.stats()
    assert.is(sa['queriesSent.ping'], 2)
    assert.is(sa['queriesSent.find_node'], 2)
    assert.is(sa['queriesSent.other'], 1)
    assert.is(sa['timeouts.find_node'], 1)
    assert.is(sa['timeouts.ping'], 0)
    assert.is(sa.queriesSent, 5, 'the totals stay')
    const sb = b.socket.stats()
    assert.is(sb['queriesIn.ping'], 2)
    assert.is(sb['queriesIn.find_node'], 1)
    assert.is(sb['queriesIn.other'], 1)
    assert.is(sb['queriesIn.pc_search'], 0, 'every known method has its keys, zeros included')
    const methodKeys = Object.keys(sb).filter(k => k.includes('.'))
    assert.is(methodKeys.length, 3 * (KRPC_METHODS.length + 1))
  } finally {
    await closeAll(a.socket, b.socket, silent)
  }
}))

time('socket - method names off the wire do not grow the stats', withTimeout(T, async () => {
  const b = await boundSocket({ onQuery: () => {} })
  const a = await boundSocket()
  try {
    const before = Object.keys(b.socket.stats()).length
    for (let i = 0; i < 20; i++) await rejects(a.socket.query(b.address, `m${i}`, {}, { timeout: 500 }), 'ERR_RPC_REMOTE')
    assert.is(Object.keys(b.socket.stats()).length, before)
    assert.is(b.socket.stats()['queriesIn.other'], 20)
  } finally {
    await closeAll(a.socket, b.socket)
  }
}))

// ── sending errors and closing ───────────────────────────────────────────────────────────────

const life = suite('socket - addresses and closing')

life('socket - a host name or a bad port fails with ERR_RPC_SEND, without DNS', withTimeout(T, async () => {
  const a = await boundSocket()
  try {
    await rejects(a.socket.query({ host: 'example.invalid', port: 6881 }, 'ping', {}), 'ERR_RPC_SEND')
    await rejects(a.socket.query({ host: '127.0.0.1', port: 0 }, 'ping', {}), 'ERR_RPC_SEND')
    await rejects(a.socket.query({ host: '300.1.1.1', port: 1 }, 'ping', {}), 'ERR_RPC_SEND')
    assert.is(a.socket.stats().sendErrors, 3)
    assert.is(a.socket.stats().pending, 0)
  } finally {
    await closeAll(a.socket)
  }
}))

life('socket - close fails pending queries and later ones with ERR_RPC_SEND', withTimeout(T, async () => {
  const a = await boundSocket()
  const silent = await rawSocket()
  try {
    const pending = a.socket.query(silent.address, 'ping', {}, { timeout: 4000 })
    await silent.nth(1)
    await a.socket.close()
    await rejects(pending, 'ERR_RPC_SEND')
    await rejects(a.socket.query(silent.address, 'ping', {}), 'ERR_RPC_SEND')
    await a.socket.close()
  } finally {
    await closeAll(silent)
  }
}))

life('socket - binding a taken port rejects with ERR_BIND', withTimeout(T, async () => {
  const a = await boundSocket()
  const { createKrpcSocket } = await import('../src/socket.js')
  const b = createKrpcSocket({ id: randomId(), host: '127.0.0.1', port: a.address.port })
  try {
    await rejects(b.bind(), 'ERR_BIND')
  } finally {
    await closeAll(a.socket, b)
  }
}))

life('socket - unencodable arguments fail with ERR_RPC_SEND', withTimeout(T, async () => {
  const a = await boundSocket()
  try {
    await rejects(a.socket.query({ host: '127.0.0.1', port: 9 }, 'ping', { bad: 1.5 }), 'ERR_RPC_SEND')
  } finally {
    await closeAll(a.socket)
  }
}))

// ── inbound errors: 203, 204 ─────────────────────────────────────────────────────────────────

const inbound = suite('socket - inbound errors')

async function ask (raw: Awaited<ReturnType<typeof rawSocket>>, to: { host: string, port: number }, packet: Uint8Array,
  n: number): Promise<KrpcMessage> {
  await raw.send(packet, to)
  const got = await raw.nth(n)
  assert.ok(got.msg !== undefined, 'the answer decodes')
  return got.msg
}

inbound('socket - an unknown method gets error 204 with the query\'s tid', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => echoHandler(() => bs!)(q) })
  bs = b.socket
  const raw = await rawSocket()
  try {
    const m = await ask(raw, b.address, encodeQuery(bytes('ab'), 'frobnicate', { id: randomId() }), 1)
    assert.is(m.y, 'e')
    assert.equal(m.t, bytes('ab'))
    assert.is(m.y === 'e' && m.e[0], 204)
  } finally {
    await closeAll(b.socket, raw)
  }
}))

inbound('socket - malformed queries that carry a tid get error 203', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => echoHandler(() => bs!)(q) })
  bs = b.socket
  const raw = await rawSocket()
  try {
    const cases = [
      encodeQuery(bytes('c1'), 'find_node', { id: randomId() }),
      encodeQuery(bytes('c2'), 'find_node', { id: randomId(), target: new Uint8Array(19) }),
      bencode({ t: bytes('c3'), y: 'q', q: 'ping', a: { id: new Uint8Array(3) } }),
      bencode({ t: bytes('c4'), y: 'q', a: { id: randomId() } }),
      bencode({ t: bytes('c5'), y: 'x', a: { id: randomId() } })
    ]
    for (let i = 0; i < cases.length; i++) {
      const m = await ask(raw, b.address, cases[i]!, i + 1)
      assert.is(m.y, 'e', `case ${i + 1}`)
      assert.equal(m.t, bytes(`c${i + 1}`))
      assert.is(m.y === 'e' && m.e[0], 203, `case ${i + 1}`)
    }
    assert.ok(b.socket.stats().errorsSent >= 5)
  } finally {
    await closeAll(b.socket, raw)
  }
}))

inbound('socket - no error reply passes 3× its query, and packets under 20 bytes get none', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => echoHandler(() => bs!)(q) })
  bs = b.socket
  const raw = await rawSocket()
  try {
    // 8–19 bytes with a readable tid: today's 203 reasons made them up to 8.9× larger.
    const tiny = ['d1:t1:xi', 'd1:t1:x1:y1:qe', 'd1:t2:xx1:y1:xe', 'd1:t1:x1:q1:ae', 'd1:t3:abc1:y1:qe']
    for (const p of tiny) await raw.send(bytes(p), b.address)
    await waitFor(() => b.socket.stats().errorsWithheld === tiny.length, { what: 'the tiny packets withheld' })
    // 20+ bytes: a 203 whose reason is cut to fit within 3×.
    const small = ['d1:t1:x1:y1:q1:q1:qe', 'd1:t4:abcd1:y1:q1:z1:ze',
      bencode({ t: bytes('c3'), y: 'q', q: 'ping', a: { id: new Uint8Array(3) } })]
      .map(p => typeof p === 'string' ? bytes(p) : p)
    for (let i = 0; i < small.length; i++) {
      const got = await raw.send(small[i]!, b.address).then(async () => await raw.nth(i + 1))
      assert.ok(got.msg?.y === 'e', `reply ${i + 1} is an error`)
      assert.ok(got.bytes <= 3 * small[i]!.length, `reply ${i + 1}: ${got.bytes} B to a ${small[i]!.length} B query`)
    }
    const m = await ask(raw, b.address, encodeQuery(bytes('ok'), 'ping', { id: randomId() }), small.length + 1)
    assert.is(m.y, 'r', 'nothing was sent for the tiny packets')
  } finally {
    await closeAll(b.socket, raw)
  }
}))

inbound('socket - garbage without a readable tid is dropped silently', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => echoHandler(() => bs!)(q) })
  bs = b.socket
  const raw = await rawSocket()
  try {
    await raw.send(bytes('hello'), b.address)
    await raw.send(new Uint8Array(0), b.address)
    await raw.send(bytes('d1:y1:qe'), b.address)
    await waitFor(() => b.socket.stats().droppedMalformed === 3)
    const m = await ask(raw, b.address, encodeQuery(bytes('ok'), 'ping', { id: randomId() }), 1)
    assert.is(m.y, 'r', 'the first answer it sent is the reply to the ping')
  } finally {
    await closeAll(b.socket, raw)
  }
}))

inbound('socket - error packets from strangers are never answered', withTimeout(T, async () => {
  let bs: KrpcSocket | undefined
  const b = await boundSocket({ onQuery: q => echoHandler(() => bs!)(q) })
  bs = b.socket
  const raw = await rawSocket()
  try {
    await raw.send(encodeError(bytes('zz'), 201, 'x'), b.address)
    await raw.send(encodeResponse(bytes('zz'), { id: randomId() }), b.address)
    await waitFor(() => b.socket.stats().droppedUnknownTid === 2)
    const m = await ask(raw, b.address, encodeQuery(bytes('ok'), 'ping', { id: randomId() }), 1)
    assert.equal(m.t, bytes('ok'))
  } finally {
    await closeAll(b.socket, raw)
  }
}))

trip.run()
accept.run()
time.run()
life.run()
inbound.run()
