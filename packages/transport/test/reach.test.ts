import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import dgram from 'node:dgram'
import { of } from 'rxjs'
import { decodeKrpc, encodeQuery, isTransportInfoReply, isTransportSeen, randomId } from '@peerconnect/protocol'
import type { Message, TransportInfoReply, TransportSeen } from '@peerconnect/protocol'
import { pickLoopback, waitFor, withTimeout } from '@peerconnect/test-helpers'
import { transport } from '../src/index.js'
import type { TransportInit } from '../src/index.js'
import type { DatagramSocket } from '../src/socket.js'
import type { DatagramNetwork } from '@peerconnect/runtime'
import { answerReach, createProbeLimiter } from '../src/reach-helper.js'
import type { InboundQuery, KrpcSocket } from '../src/socket.js'
import { fakeDeps, runInProcess } from './fixtures/deps.js'

const T = 15_000
const FAST = { firstDelay: 100, probeWait: 600, retry: 300, recheck: 60_000 }

const handlers = { 'rpc.ping': (m: Message) => of({ type: 'rpc.reply', re: m.cid ?? -1, end: true, r: {} } as Message) }

/**
 * A port-restricted NAT's filter in front of a real socket: inbound datagrams from an address
 * this socket never sent to are dropped, as the testbed's router drops unsolicited inbound.
 */
function behindNat (type: 'udp4' | 'udp6'): DatagramSocket & { dropped: number } {
  const sock = dgram.createSocket(type)
  const sentTo = new Set<string>()
  const wrapped = new Map<unknown, (buf: Buffer, rinfo: dgram.RemoteInfo) => void>()
  const self = {
    dropped: 0,
    bind: (o: { address: string, port: number }, cb: () => void) => sock.bind(o, cb),
    address: () => sock.address(),
    send: (buf: Uint8Array, port: number, host: string, cb?: (err: Error | null) => void) => {
      sentTo.add(`${host}:${port}`)
      sock.send(buf, port, host, cb)
    },
    close: (cb: () => void) => sock.close(cb),
    on (event: string, listener: (...args: never[]) => void) {
      if (event !== 'message') {
        sock.on(event, listener as never)
        return self
      }
      const l = (buf: Buffer, rinfo: dgram.RemoteInfo): void => {
        if (sentTo.has(`${rinfo.address}:${rinfo.port}`)) (listener as (b: Buffer, r: dgram.RemoteInfo) => void)(buf, rinfo)
        else self.dropped++
      }
      wrapped.set(listener, l)
      sock.on('message', l)
      return self
    },
    once (event: string, listener: (err: Error) => void) {
      sock.once(event, listener)
      return self
    },
    off (event: string, listener: (...args: never[]) => void) {
      sock.off(event, (wrapped.get(listener) ?? listener) as never)
      return self
    }
  }
  return self
}

async function start (host: string, init: Partial<TransportInit> = {}, network?: DatagramNetwork) {
  const id = randomId()
  const deps = network === undefined ? fakeDeps(handlers) : { ...fakeDeps(handlers), network }
  const node = runInProcess(transport({ host, port: 0, tcp: false, ...init, id }), deps)
  const info = await node.request({ type: 'transport.info' })
  assert.ok(isTransportInfoReply(info))
  return { ...node, id, udp: info.udp, info: async () => await node.request({ type: 'transport.info' }) as TransportInfoReply }
}

async function helpers (n: number) {
  const out = []
  const hosts = new Set<string>()
  while (hosts.size < n) hosts.add(await pickLoopback())
  for (const h of hosts) out.push(await start(h))
  return out
}

function viewOf (self: Uint8Array, nodes: Array<{ id: Uint8Array, udp: { host: string, port: number } }>): Message {
  return { type: 'routing.view', self,
    contacts: nodes.map(n => ({ id: n.id, host: n.udp.host, port: n.udp.port, goodFor: 60_000 })) } as Message
}

const reach = suite('transport actor - reachability checks (real UDP on loopback)')

reach('a node whose probes arrive stays read-write: probes counted, no ro in its queries', withTimeout(T, async () => {
  const hs = await helpers(3)
  const a = await start(await pickLoopback(), { reachability: FAST })
  try {
    a.in$.next(viewOf(a.id, hs))
    const info = await waitFor(async () => {
      const i = await a.info()
      return i.stats.reachChecks! >= 1 && i.stats.reachProbesIn! >= 1 ? i : undefined
    }, { timeout: 5000, what: 'a check with a probe' })
    await waitFor(async () => (await a.info()).stats.readOnly === 0 && !(await a.info()).stats.reachUndecided ? true : undefined, {
      timeout: 2000,
      what: 'decided'
    })
    assert.is(info.readOnly, undefined)
    const probes = (await Promise.all(hs.map(h => h.info()))).reduce((s, i) => s + i.stats.probesSent!, 0)
    assert.ok(probes >= 1, 'the helpers probed')
  } finally {
    a.stop()
    hs.forEach(h => h.stop())
  }
}))

reach('behind a NAT that drops unsolicited inbound: read-only; every query then carries ro, and helpers mark it',
  withTimeout(T, async () => {
    const hs = await helpers(3)
    const nat: Array<DatagramSocket & { dropped: number }> = []
    const a = await start(await pickLoopback(), { reachability: FAST }, { createSocket: type => {
      const s = behindNat(type)
      nat.push(s)
      return s
    } })
    try {
      a.in$.next(viewOf(a.id, hs))
      const info = await waitFor(async () => {
        const i = await a.info()
        return i.readOnly === true ? i : undefined
      }, { timeout: 5000, what: 'read-only' })
      assert.is(info.stats.reachProbesIn, 0)
      assert.ok(nat[0]!.dropped >= 2, 'the probes were dropped by the NAT')
      // On entering read-only it pinged every contact of the view with ro: each helper's transport says so.
      for (const h of hs) {
        const seen = await waitFor(
          () =>
            h.out.find((m): m is TransportSeen => isTransportSeen(m) && m.host === a.udp.host && m.port === a.udp.port && m.ro === true),
          { timeout: 3000, what: 'seen ro' }
        )
        assert.ok(seen.queried)
        const hi = await h.info()
        assert.is(hi.stats.readOnlyPeers, 1)
      }
      // A read-only node is never asked to hold a record, however it was chosen; other queries go.
      const h0 = hs[0]!
      const sentBefore = (await h0.info()).stats.queriesSent!
      for (const q of ['pc_announce', 'pc_handoff']) {
        const res = await h0.request({ type: 'transport.query', to: a.udp, q, a: { list: 1 } } as Message)
        assert.is((res as Message & { error?: { code: string } }).error?.code, 'ERR_RPC_READ_ONLY', q)
      }
      assert.is((await h0.info()).stats.queriesSent, sentBefore, 'nothing sent')
      assert.is((await h0.info()).stats.refusedReadOnly, 2)
      const pong = await h0.request({ type: 'transport.query', to: a.udp, q: 'ping', a: {} } as Message)
      assert.is(pong.type, 'transport.response', 'a ping still goes (and comes back through the mapping A opened)')
    } finally {
      a.stop()
      hs.forEach(h => h.stop())
    }
  }))

reach('too few contacts (one): no check is decided and the node stays read-write', withTimeout(T, async () => {
  const hs = await helpers(1)
  const a = await start(await pickLoopback(), { reachability: FAST }, { createSocket: behindNat })
  try {
    a.in$.next(viewOf(a.id, hs))
    await waitFor(async () => (await a.info()).stats.reachUndecided! >= 2 ? true : undefined, { timeout: 5000,
      what: 'two undecided rounds' })
    const i = await a.info()
    assert.is(i.readOnly, undefined)
    assert.is(i.stats.reachChecks, 0, 'nothing asked')
  } finally {
    a.stop()
    hs.forEach(h => h.stop())
  }
}))

reach.run()

const help = suite('transport - the helper\'s side of pc_reach')

function fakeSocket () {
  const replies: Array<{ r?: Record<string, unknown>, code?: number, message?: string }> = []
  const socket = {
    reply: (_q: InboundQuery, r: Record<string, unknown>) => replies.push({ r }),
    replyError: (_q: InboundQuery, code: number, message: string) => replies.push({ code, message }),
    address: () => ({ host: '10.0.0.9', port: 7000 })
  } as unknown as KrpcSocket
  return { socket, replies }
}

function fakeProbeSockets () {
  const sent: Array<{ to: string, buf: Uint8Array, from: { address: string, port: number } }> = []
  const createSocket = (): DatagramSocket => {
    let bound = { address: '', port: 0 }
    return {
      bind: (o: { address: string, port: number }, cb: () => void) => {
        bound = { address: o.address, port: 54_321 }
        cb()
      },
      address: () => bound,
      send: (buf: Uint8Array, port: number, host: string, cb?: (e: Error | null) => void) => {
        sent.push({ to: `${host}:${port}`, buf, from: bound })
        cb?.(null)
      },
      close: (cb: () => void) => cb(),
      on: () => undefined,
      once: () => undefined,
      off: () => undefined
    }
  }
  return { sent, createSocket }
}

function reachQuery (from: { host: string, port: number }, bytes?: number): InboundQuery {
  const id = randomId()
  const buf = encodeQuery(new Uint8Array([1, 2, 3, 4]), 'pc_reach', { id, n: new Uint8Array(8).fill(7) })
  return { method: 'pc_reach', args: { id, n: new Uint8Array(8).fill(7) }, id, from, t: new Uint8Array([1, 2, 3, 4]),
    bytes: bytes ?? buf.length }
}

help('answers with the address it saw, and probes only that address, from a new port, within 3x the query', () => {
  const { socket, replies } = fakeSocket()
  const { sent, createSocket } = fakeProbeSockets()
  const counts = { probesSent: 0, probesRefused: 0 }
  const q = reachQuery({ host: '198.51.100.4', port: 6001 })
  answerReach(q, { id: randomId(), socket, limiter: createProbeLimiter(), createSocket, host: () => '10.0.0.9', now: () => 0,
    tid: () => new Uint8Array(4) }, counts)
  assert.is(replies.length, 1)
  assert.equal(replies[0]!.r!.a, new Uint8Array([198, 51, 100, 4, 0x17, 0x71]))
  assert.is(sent.length, 1)
  assert.is(sent[0]!.to, '198.51.100.4:6001', 'to the query\'s own source')
  assert.is(sent[0]!.from.address, '10.0.0.9')
  assert.is.not(sent[0]!.from.port, 7000, 'not from our main port')
  const probe = decodeKrpc(sent[0]!.buf)
  assert.ok(probe.ok && probe.msg.y === 'q' && probe.msg.q === 'pc_probe')
  assert.ok(sent[0]!.buf.length + 90 <= 3 * q.bytes, 'answer + probe within 3x')
  assert.is(counts.probesSent, 1)
})

help('a query too small for answer + probe within 3x: 203, no probe; rate-limited: 201, no probe', () => {
  const { socket, replies } = fakeSocket()
  const { sent, createSocket } = fakeProbeSockets()
  const counts = { probesSent: 0, probesRefused: 0 }
  const deps = { id: randomId(), socket, limiter: createProbeLimiter(), createSocket, host: () => '10.0.0.9', now: () => 0,
    tid: () => new Uint8Array(4) }
  answerReach(reachQuery({ host: '198.51.100.4', port: 6001 }, 40), deps, counts)
  assert.is(replies[0]!.code, 203)
  assert.is(sent.length, 0)
  for (let i = 0; i < 5; i++) answerReach(reachQuery({ host: '198.51.100.5', port: 6001 + i }), deps, counts)
  assert.is(sent.length, 3, 'three probes to one IP at once')
  assert.equal(replies.slice(-2).map(r => r.code), [201, 201])
  assert.match(replies.at(-1)!.message!, /ERR_RATE_LIMITED/)
  assert.is(counts.probesRefused, 3)
})

help.run()
