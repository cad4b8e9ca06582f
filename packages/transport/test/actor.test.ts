import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import net from 'node:net'
import dgram from 'node:dgram'
import { EMPTY, NEVER, Observable, of, throwError, delay } from 'rxjs'
import { decodeNodes, encodeNodes, idsEqual, isTransportFailed, isTransportInfoReply, isTransportResponse, isTransportSeen,
  randomId } from '@peerconnect/protocol'
import type { Message, NodeId, RpcRequest, TransportFailed, TransportInfo, TransportSeen } from '@peerconnect/protocol'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import { transport } from '../src/index.js'
import type { TransportInit } from '../src/index.js'
import { boundSocket, closeAll } from './fixtures/udp.js'
import { coded, fakeDeps, recordingLogger, runInProcess } from './fixtures/deps.js'
import type { AskHandler } from './fixtures/deps.js'

const T = 8000

const rpcReply = (msg: Message, r: Record<string, unknown>, extra: Record<string, unknown> = {}): Message =>
  ({ type: 'rpc.reply', re: msg.cid ?? -1, end: true, r, ...extra }) as Message

/** Answers ping with {} and find_node with one node whose id is the target. */
const routingLike: Record<string, AskHandler> = {
  'rpc.ping': m => of(rpcReply(m, {})),
  'rpc.find_node': m =>
    of(rpcReply(m, { nodes: encodeNodes([{ id: (m as RpcRequest).args.target as NodeId, host: '10.9.8.7', port: 6881 }]) }))
}

async function startActor (handlers: Record<string, AskHandler> = routingLike, init: Partial<TransportInit> = {},
  opts: Parameters<typeof fakeDeps>[1] = {}) {
  const id = init.id ?? randomId()
  const deps = fakeDeps(handlers, opts)
  const node = runInProcess(transport({ host: '127.0.0.1', port: 0, ...init, id }), deps)
  const info = await node.request({ type: 'transport.info' })
  assert.ok(isTransportInfoReply(info), `transport.info: ${JSON.stringify(info)}`)
  return { ...node, id, deps, udp: info.udp, info }
}

type Started = Awaited<ReturnType<typeof startActor>>

// ── lifecycle ────────────────────────────────────────────────────────────────────────────────

const life = suite('transport actor - lifecycle')

life('transport actor - transport.info with stats: false gives the same addresses and no counters', withTimeout(T, async () => {
  const a = await startActor()
  try {
    const ask: TransportInfo = { type: 'transport.info', stats: false }
    const brief = await a.request(ask)
    assert.ok(isTransportInfoReply(brief), JSON.stringify(brief))
    assert.ok(idsEqual(brief.id, a.id))
    assert.equal(brief.udp, a.udp)
    assert.equal(brief.advertised, (a.info as Message & { advertised?: unknown }).advertised)
    assert.equal(brief.stats, {})
    const full = await a.request({ type: 'transport.info' })
    assert.ok(isTransportInfoReply(full))
    assert.is(full.stats.tcpPort, a.udp.port)
    const bad = await a.request({ type: 'transport.info', stats: 'no' } as Message)
    assert.is((bad as Message & { error?: { code?: string } }).error?.code, 'ERR_BAD_REQUEST')
  } finally {
    a.stop()
  }
}))

life('transport actor - subscribing binds UDP and TCP on the same port; info reports them', withTimeout(T, async () => {
  const a = await startActor()
  try {
    assert.is(a.udp.host, '127.0.0.1')
    assert.ok(a.udp.port > 0)
    const info = a.info as Message & { id: NodeId, stats: Record<string, number> }
    assert.ok(idsEqual(info.id, a.id))
    assert.is(info.stats.tcpPort, a.udp.port)
    assert.is(info.stats.sent, 0)
    await new Promise<void>((resolve, reject) => {
      const c = net.connect(a.udp.port, '127.0.0.1', () => {
        c.on('close', () => resolve())
      })
      c.on('error', reject)
    })
  } finally {
    a.stop()
  }
}))

life('transport actor - unsubscribing closes the UDP socket and the TCP listener', withTimeout(T, async () => {
  const a = await startActor()
  a.stop()
  const port = a.udp.port
  await waitFor(() => canBindUdp(port), { what: 'the UDP port to be free' })
  await waitFor(() => canListenTcp(port), { what: 'the TCP port to be free' })
}))

life('transport actor - a taken TCP port is logged and the node goes on without it', withTimeout(T, async () => {
  const blocker = net.createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as net.AddressInfo).port
  const log = recordingLogger()
  let a: Started | undefined
  try {
    a = await startActor(routingLike, { port }, { log })
    assert.is(a.udp.port, port)
    assert.is((a.info as Message & { stats: Record<string, number> }).stats.tcpPort, 0)
    assert.ok(log.lines.some(l => l.level === 'warn' && /tcp/.test(l.msg)), 'a warning was logged')
    const probe = await boundSocket()
    try {
      const res = await probe.socket.query(a.udp, 'ping', {})
      assert.ok(idsEqual(res.id, a.id), 'UDP works')
    } finally {
      await closeAll(probe.socket)
    }
  } finally {
    a?.stop()
    await new Promise(resolve => blocker.close(resolve))
  }
}))

life('transport actor - tcp: false does not listen', withTimeout(T, async () => {
  const a = await startActor(routingLike, { tcp: false })
  try {
    assert.is((a.info as Message & { stats: Record<string, number> }).stats.tcpPort, 0)
  } finally {
    a.stop()
  }
}))

life('transport actor - a UDP port that cannot be bound errors out$ with ERR_BIND', withTimeout(T, async () => {
  const taken = dgram.createSocket('udp4')
  await new Promise<void>(resolve => taken.bind(0, '127.0.0.1', resolve))
  try {
    const node = runInProcess(transport({ id: randomId(), host: '127.0.0.1', port: taken.address().port }), fakeDeps(routingLike))
    await waitFor(() => node.errors.length > 0, { what: 'out$ to error' })
    assert.is((node.errors[0] as { code?: string }).code, 'ERR_BIND')
    node.stop()
  } finally {
    await new Promise<void>(resolve => taken.close(() => resolve()))
  }
}))

// ── outbound queries ─────────────────────────────────────────────────────────────────────────

const out = suite('transport actor - transport.query')

out('transport actor - transport.query between two actors gives transport.response', withTimeout(T, async () => {
  const a = await startActor()
  const b = await startActor()
  try {
    const target = randomId()
    const res = await a.request({ type: 'transport.query', to: b.udp, q: 'find_node', a: { target } } as Message)
    assert.ok(isTransportResponse(res), JSON.stringify(res))
    assert.ok(idsEqual(res.id, b.id))
    assert.equal(res.from, b.udp)
    assert.ok(res.bytes > 0 && res.rtt >= 0)
    assert.ok(idsEqual(decodeNodes(res.r.nodes)![0]!.id, target))
    const asked = b.deps.asked[0] as RpcRequest
    assert.is(asked.type, 'rpc.find_node')
    assert.is(asked.method, 'find_node')
    assert.ok(idsEqual(asked.id, a.id), 'the rpc request names the querier')
    assert.equal(asked.from, a.udp)
    assert.ok(idsEqual(asked.args.target as NodeId, target))
    assert.ok(asked.queryBytes > 40)
  } finally {
    a.stop()
    b.stop()
  }
}))

out('transport actor - a query nobody answers gives an ERR_RPC_TIMEOUT error reply', withTimeout(T, async () => {
  const a = await startActor()
  const silent = dgram.createSocket('udp4')
  await new Promise<void>(resolve => silent.bind(0, '127.0.0.1', resolve))
  try {
    const res = await a.request(
      { type: 'transport.query', to: { host: '127.0.0.1', port: silent.address().port }, q: 'ping', a: {}, timeout: 100 } as Message
    )
    assert.is(res.type, 'error')
    assert.is((res as Message & { error: { code: string } }).error.code, 'ERR_RPC_TIMEOUT')
  } finally {
    a.stop()
    await new Promise<void>(resolve => silent.close(() => resolve()))
  }
}))

out('transport actor - a malformed transport.query gets ERR_BAD_REQUEST', withTimeout(T, async () => {
  const a = await startActor()
  try {
    for (const bad of [{ to: 'x', q: 'ping', a: {} }, { to: { host: '127.0.0.1', port: 1 }, q: 5, a: {} }, {
      to: { host: '127.0.0.1', port: 1 },
      q: 'ping'
    }]) {
      const res = await a.request({ type: 'transport.query', ...bad })
      assert.is((res as Message & { error: { code: string } }).error.code, 'ERR_BAD_REQUEST')
    }
  } finally {
    a.stop()
  }
}))

out('transport actor - a bad address gives ERR_RPC_SEND', withTimeout(T, async () => {
  const a = await startActor()
  try {
    const res = await a.request({ type: 'transport.query', to: { host: 'no.such.host', port: 6881 }, q: 'ping', a: {} } as Message)
    assert.is((res as Message & { error: { code: string } }).error.code, 'ERR_RPC_SEND')
  } finally {
    a.stop()
  }
}))

// ── inbound queries ──────────────────────────────────────────────────────────────────────────

const inbound = suite('transport actor - inbound queries')

async function queryActor (handlers: Record<string, AskHandler>, q: string, args: Record<string, unknown> = {},
  init: Partial<TransportInit> = {}) {
  const a = await startActor(handlers, { answerTimeout: 300, ...init })
  const probe = await boundSocket()
  try {
    return { res: await probe.socket.query(a.udp, q, args, { timeout: 3000 }), a }
  } finally {
    await closeAll(probe.socket)
    a.stop()
  }
}

inbound('transport actor - the rpc.reply r goes back with our id', withTimeout(T, async () => {
  const { res, a } = await queryActor(routingLike, 'ping')
  assert.ok(idsEqual(res.id, a.id))
}))

inbound('transport actor - no consumer for the method → 204', withTimeout(T, async () => {
  const err = await rejects(queryActor({}, 'ping'), 'ERR_RPC_REMOTE')
  assert.match(String(err.message), /^204 /)
}))

inbound('transport actor - the answering actor times out → 202', withTimeout(T, async () => {
  const err = await rejects(queryActor({ 'rpc.ping': () => NEVER }, 'ping'), 'ERR_RPC_REMOTE')
  assert.match(String(err.message), /^202 /)
}))

inbound('transport actor - error codes map through KRPC_CODE_BY_ERROR', withTimeout(T, async () => {
  const cases: Array<[string, number]> = [['ERR_KRPC_PROTOCOL', 203], ['ERR_KRPC_GENERIC', 201], ['ERR_KRPC_METHOD_UNKNOWN', 204], [
    'ERR_SOMETHING_ELSE',
    202
  ]]
  for (const [code, krpc] of cases) {
    const err = await rejects(queryActor({ 'rpc.ping': () => throwError(() => coded(code, 'because')) }, 'ping'), 'ERR_RPC_REMOTE')
    assert.match(String(err.message), new RegExp(`^${krpc} `), code)
  }
}))

inbound('transport actor - an answering actor that crashed while answering (ERR_ACTOR_RESTARTED) is asked once more; twice → 202',
  withTimeout(T, async () => {
    let asked = 0
    const crashOnce: AskHandler = m =>
      ++asked === 1 ? throwError(() => coded('ERR_ACTOR_RESTARTED', 'actor routing crashed and is restarting')) : of(rpcReply(m, {}))
    const { res } = await queryActor({ 'rpc.ping': crashOnce }, 'ping')
    assert.ok(res.id instanceof Uint8Array, 'the ping was answered')
    assert.is(asked, 2)
    asked = 0
    const err = await rejects(queryActor({ 'rpc.ping': () => {
      asked++
      return throwError(() => coded('ERR_ACTOR_RESTARTED', 'again'))
    } }, 'ping'), 'ERR_RPC_REMOTE')
    assert.match(String(err.message), /^202 /)
    assert.is(asked, 2, 'asked twice, not more')
  }))

inbound('transport actor - a reply that is not rpc.reply → 202', withTimeout(T, async () => {
  const err = await rejects(queryActor({ 'rpc.ping': m => of({ type: 'something.else', re: m.cid ?? -1, end: true } as Message) }, 'ping'),
    'ERR_RPC_REMOTE')
  assert.match(String(err.message), /^202 /)
}))

inbound('transport actor - the amplification guard honours proven', withTimeout(T, async () => {
  const big = (proven: boolean): AskHandler => m => of(rpcReply(m, { pad: new Uint8Array(500) }, proven ? { proven } : {}))
  const err = await rejects(queryActor({ 'rpc.ping': big(false) }, 'ping'), 'ERR_RPC_REMOTE')
  assert.match(String(err.message), /^202 /)
  const { res } = await queryActor({ 'rpc.ping': big(true) }, 'ping')
  assert.is((res.r.pad as Uint8Array).length, 500)
}))

inbound('transport actor - answers that arrive out of order go to the right queriers', withTimeout(T, async () => {
  const slowFirst: AskHandler = m => {
    const target = (m as RpcRequest).args.target as NodeId
    return of(rpcReply(m, { nodes: encodeNodes([{ id: target, host: '1.1.1.1', port: 1 }]) })).pipe(delay(target[0]! % 2 === 0 ? 60 : 0))
  }
  const a = await startActor({ 'rpc.find_node': slowFirst })
  const probe = await boundSocket()
  try {
    const targets = Array.from({ length: 40 }, () => randomId())
    const results = await Promise.all(targets.map(target => probe.socket.query(a.udp, 'find_node', { target })))
    results.forEach((r, i) => assert.ok(idsEqual(decodeNodes(r.r.nodes)![0]!.id, targets[i]!)))
  } finally {
    await closeAll(probe.socket)
    a.stop()
  }
}))

inbound('transport actor - of a stream of answers only the first goes back, then the ask is cancelled', withTimeout(T, async () => {
  let cancelled = 0
  const stream: AskHandler = m => new Observable<Message>(sub => {
    sub.next({ type: 'rpc.reply', re: m.cid ?? -1, end: false, r: { n: 1 } } as Message)
    const later = setTimeout(() => sub.next(rpcReply(m, { n: 2 })), 50)
    return () => {
      clearTimeout(later)
      cancelled++
    }
  })
  const { res } = await queryActor({ 'rpc.ping': stream }, 'ping')
  assert.is(res.r.n, 1)
  assert.is(cancelled, 1)
}))

inbound('transport actor - an ask that ends without an answer leaves the query unanswered', withTimeout(T, async () => {
  const a = await startActor({ 'rpc.ping': () => EMPTY })
  const probe = await boundSocket()
  try {
    await rejects(probe.socket.query(a.udp, 'ping', {}, { timeout: 300 }), 'ERR_RPC_TIMEOUT')
    assert.is(a.deps.asked.filter(m => m.type === 'rpc.ping').length, 1)
    assert.is(a.errors.length, 0)
  } finally {
    await closeAll(probe.socket)
    a.stop()
  }
}))

inbound('transport actor - stopping the actor cancels the asks still open', withTimeout(T, async () => {
  let open = 0
  const hang: AskHandler = () =>
    new Observable<Message>(() => {
      open++
      return () => {
        open--
      }
    })
  const a = await startActor({ 'rpc.ping': hang })
  const probe = await boundSocket()
  try {
    const queries = [1, 2, 3].map(async () => await probe.socket.query(a.udp, 'ping', {}, { timeout: 1000 }).catch(() => undefined))
    await waitFor(() => open === 3, { what: 'three asks open' })
    a.stop()
    assert.is(open, 0, 'every open ask was unsubscribed')
    await Promise.all(queries)
  } finally {
    await closeAll(probe.socket)
    a.stop()
  }
}))

// ── transport.seen ───────────────────────────────────────────────────────────────────────────

const seen = suite('transport actor - transport.seen')

seen('transport actor - queries and replies publish transport.seen, at most once a second per contact', withTimeout(T, async () => {
  let now = 1_000_000
  const a = await startActor(routingLike, {}, { now: () => now })
  const b = await startActor()
  const probe = await boundSocket()
  try {
    for (let i = 0; i < 5; i++) await probe.socket.query(a.udp, 'ping', {})
    const fromProbe = (): TransportSeen[] => a.out.filter(isTransportSeen).filter(s => s.port === probe.address.port)
    assert.is(fromProbe().length, 1, 'five queries within the second: one report')
    assert.ok(idsEqual(fromProbe()[0]!.id, probe.id))
    assert.is(fromProbe()[0]!.rtt, undefined)
    assert.is(fromProbe()[0]!.queried, true, 'a query is marked: not proof the node lives there')
    assert.not.ok('rtt' in fromProbe()[0]!, 'no undefined fields in messages')
    now += 1000
    await probe.socket.query(a.udp, 'ping', {})
    assert.is(fromProbe().length, 2, 'a second later: another report')
    await a.request({ type: 'transport.query', to: b.udp, q: 'ping', a: {} } as Message)
    const fromB = a.out.filter(isTransportSeen).filter(s => s.port === b.udp.port)
    assert.is(fromB.length, 1)
    assert.ok(idsEqual(fromB[0]!.id, b.id))
    assert.type(fromB[0]!.rtt, 'number', 'a reply carries its rtt')
    assert.not.ok('queried' in fromB[0]!, 'a reply to our query is not marked')
    assert.not.ok(fromB[0]!.id === (b.id as unknown), 'the id is a copy')
  } finally {
    await closeAll(probe.socket)
    a.stop()
    b.stop()
  }
}))

seen('transport actor - a reply right after a query from the same node is reported too (throttled apart)', withTimeout(T, async () => {
  const a = await startActor(routingLike)
  const b = await startActor(routingLike)
  try {
    await b.request({ type: 'transport.query', to: a.udp, q: 'ping', a: {} } as Message)
    await a.request({ type: 'transport.query', to: b.udp, q: 'ping', a: {} } as Message)
    const fromB = a.out.filter(isTransportSeen).filter(s => s.port === b.udp.port)
    assert.equal(fromB.map(s => s.queried === true), [true, false])
  } finally {
    a.stop()
    b.stop()
  }
}))

seen('transport actor - malformed queries publish nothing', withTimeout(T, async () => {
  const a = await startActor()
  const probe = await boundSocket()
  try {
    await rejects(probe.socket.query(a.udp, 'find_node', {}), 'ERR_RPC_REMOTE')
    assert.is(a.out.filter(isTransportSeen).length, 0)
  } finally {
    await closeAll(probe.socket)
    a.stop()
  }
}))

// ── transport.failed ─────────────────────────────────────────────────────────────────────────

const failed = suite('transport actor - transport.failed')

failed('transport actor - a timed-out query publishes transport.failed with the id last seen there, once a second per contact',
  withTimeout(T, async () => {
    let now = 1_000_000
    const a = await startActor(routingLike, {}, { now: () => now })
    const mute = await boundSocket({ onQuery: () => {} })
    try {
      await mute.socket.query(a.udp, 'ping', {})
      const query = { type: 'transport.query', to: mute.address, q: 'find_node', a: { target: randomId() }, timeout: 50 } as Message
      const first = await a.request(query)
      assert.is((first as { error?: { code?: string } }).error?.code, 'ERR_RPC_TIMEOUT')
      const reports = (): TransportFailed[] => a.out.filter(isTransportFailed)
      assert.is(reports().length, 1)
      assert.ok(idsEqual(reports()[0]!.id!, mute.id), 'the id the transport saw at that address')
      assert.is(reports()[0]!.port, mute.address.port)
      assert.is(reports()[0]!.reason, 'timeout')
      await a.request(query)
      assert.is(reports().length, 1, 'a second timeout within the second: no report')
      now += 1000
      await a.request(query)
      assert.is(reports().length, 2, 'a second later: another report')
    } finally {
      await closeAll(mute.socket)
      a.stop()
    }
  }))

failed('transport actor - a contact never heard from fails without an id; answered and refused queries publish nothing',
  withTimeout(T, async () => {
    const a = await startActor()
    const b = await startActor()
    const silent = await boundSocket({ onQuery: () => {} })
    try {
      await a.request({ type: 'transport.query', to: silent.address, q: 'ping', a: {}, timeout: 50 } as Message)
      const reports = a.out.filter(isTransportFailed)
      assert.is(reports.length, 1)
      assert.not.ok('id' in reports[0]!, 'no undefined fields in messages')
      assert.ok(isTransportResponse(await a.request({ type: 'transport.query', to: b.udp, q: 'ping', a: {} } as Message)))
      await a.request({ type: 'transport.query', to: b.udp, q: 'find_node', a: {} } as Message)
      assert.is(a.out.filter(isTransportFailed).length, 1, 'only the timeout was reported')
    } finally {
      await closeAll(silent.socket)
      a.stop()
      b.stop()
    }
  }))

// ── actor.cancel ─────────────────────────────────────────────────────────────────────────────

const cancel = suite('transport actor - actor.cancel')

cancel('transport actor - actor.cancel for a pending query cancels it: nothing pending, no timeout, no reply, no transport.failed',
  withTimeout(T, async () => {
    const a = await startActor()
    const mute = await boundSocket({ onQuery: () => {} })
    try {
      a.in$.next({ type: 'transport.query', cid: 500, to: mute.address, q: 'ping', a: {}, timeout: 150 } as Message)
      await waitFor(() => mute.socket.stats().queriesIn === 1, { what: 'the query to arrive' })
      const stats = async (): Promise<Record<string, number>> =>
        ((await a.request({ type: 'transport.info' })) as Message & { stats: Record<string, number> }).stats
      assert.is((await stats()).pending, 1)
      a.in$.next({ type: 'actor.cancel', ask: 500 } as Message)
      assert.is((await stats()).pending, 0, 'cancelled at once')
      // A later query to the same contact, answered by timing out, proves the first one's timer is gone:
      const later = await a.request({ type: 'transport.query', to: mute.address, q: 'ping', a: {}, timeout: 300 } as Message)
      assert.is((later as { error?: { code?: string } }).error?.code, 'ERR_RPC_TIMEOUT')
      const after = await stats()
      assert.is(after.timeouts, 1, 'only the later query timed out')
      assert.is(a.out.filter(m => m.re === 500).length, 0, 'the cancelled ask got no reply')
      assert.is(a.out.filter(isTransportFailed).length, 1, 'one transport.failed, for the later query')
    } finally {
      await closeAll(mute.socket)
      a.stop()
    }
  }))

cancel('transport actor - actor.cancel for an unknown or finished ask, or malformed, changes nothing', withTimeout(T, async () => {
  const a = await startActor()
  const b = await startActor()
  try {
    const res = await a.request({ type: 'transport.query', to: b.udp, q: 'ping', a: {} } as Message)
    assert.ok(isTransportResponse(res))
    a.in$.next({ type: 'actor.cancel', ask: res.re } as Message)
    a.in$.next({ type: 'actor.cancel', ask: 9999 } as Message)
    a.in$.next({ type: 'actor.cancel', ask: 'x' } as unknown as Message)
    a.in$.next({ type: 'actor.cancel' })
    assert.ok(isTransportResponse(await a.request({ type: 'transport.query', to: b.udp, q: 'ping', a: {} } as Message)), 'still works')
    assert.is(a.errors.length, 0)
  } finally {
    a.stop()
    b.stop()
  }
}))

life.run()
out.run()
inbound.run()
seen.run()
failed.run()
cancel.run()

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function canBindUdp (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = dgram.createSocket('udp4')
    s.once('error', () => {
      s.close()
      resolve(false)
    })
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

function canListenTcp (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}
