/**
 * What a contact speaks (speaks.ts) and what the transport does with it: pc_* queries are not sent
 * to a BEP 5-only contact (ERR_RPC_UNSUPPORTED), seen / response messages say `pc`, and only a
 * silence to a query the contact is known to answer becomes transport.failed.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import dgram from 'node:dgram'
import { of } from 'rxjs'
import { CLIENT_VERSION, decodeKrpc, encodeKrpc, encodeNodes, isTransportFailed, isTransportInfoReply, isTransportResponse, isTransportSeen,
  randomId } from '@peerconnect/protocol'
import type { Address, Message, NodeId } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { createSpeaks, isPcVersion, transport } from '../src/index.js'
import type { TransportInit } from '../src/index.js'
import { boundSocket, closeAll } from './fixtures/udp.js'
import { fakeDeps, runInProcess } from './fixtures/deps.js'
import type { AskHandler } from './fixtures/deps.js'

const T = 8000
const BEP5_V = new Uint8Array([0x4c, 0x54, 1, 2]) // "LT" 1.2, as libtorrent sends

// ── the table ────────────────────────────────────────────────────────────────────────────────

const table = suite('speaks - the table')

table('speaks - unknown until heard; a "PC" v makes it PeerConnect, anything else BEP 5 only', () => {
  const s = createSpeaks()
  const pc = randomId()
  const bt = randomId()
  assert.is(s.pc('10.0.0.1:1'), undefined)
  assert.not.ok(s.refuses('10.0.0.1:1', 'pc_record'), 'never heard: sent (it may be one of ours)')
  assert.ok(s.heard('10.0.0.1:1', pc, CLIENT_VERSION))
  assert.not.ok(s.heard('10.0.0.2:2', bt, BEP5_V))
  assert.not.ok(s.heard('10.0.0.3:3', randomId(), undefined), 'no v at all: BEP 5 only')
  assert.not.ok(s.refuses('10.0.0.1:1', 'pc_record'))
  assert.ok(s.refuses('10.0.0.2:2', 'pc_record'))
  assert.ok(s.refuses('10.0.0.3:3', 'pc_gossip'))
  assert.not.ok(s.refuses('10.0.0.2:2', 'find_node'), 'BEP 5 methods always go')
  assert.not.ok(s.refuses('10.0.0.2:2', 'get_peers'))
  assert.ok(s.heard('10.0.0.1:1', pc, undefined), 'a PC node stays one')
  assert.ok(isPcVersion(new Uint8Array([0x50, 0x43])))
  assert.not.ok(isPcVersion(new Uint8Array([0x50])))
})

table('speaks - held gives the key string and id kept for a contact; copy: false keeps the caller\'s id', () => {
  const s = createSpeaks({ copy: false })
  const id = randomId()
  assert.is(s.held('10.0.0.1:1'), undefined)
  const key = ['10.0.0.1', '1'].join(':')
  s.heard(key, id, CLIENT_VERSION)
  assert.is(s.held('10.0.0.1:1')?.id, id)
  assert.is(s.held('10.0.0.1:1')?.key, key)
  s.heard('10.0.0.1:1', id, undefined)
  assert.is(s.held('10.0.0.1:1')?.key, key, 'heard again: the key it holds stays')
  const copying = createSpeaks()
  copying.heard(key, id, undefined)
  assert.ok(copying.held(key)?.id !== id, 'by default it keeps its own copy')
})

table('speaks - answering a pc_* query makes a contact PeerConnect whatever its v', () => {
  const s = createSpeaks()
  const id = randomId()
  s.heard('10.0.0.1:1', id, undefined)
  assert.ok(s.refuses('10.0.0.1:1', 'pc_list'))
  assert.ok(s.heard('10.0.0.1:1', id, undefined, 'pc_record'))
  assert.not.ok(s.refuses('10.0.0.1:1', 'pc_list'))
  assert.ok(s.heard('10.0.0.1:1', id, undefined, 'ping'), 'it stays PeerConnect')
})

table('speaks - silence counts for ping and find_node always, for another method only once the contact answered it', () => {
  const s = createSpeaks()
  const id = randomId()
  for (const key of ['10.0.0.9:9', '10.0.0.1:1']) {
    assert.ok(s.counts(key, 'ping'))
    assert.ok(s.counts(key, 'find_node'))
  }
  s.heard('10.0.0.1:1', id, CLIENT_VERSION)
  assert.not.ok(s.counts('10.0.0.1:1', 'pc_record'), 'a PC node that never answered pc_record')
  assert.not.ok(s.counts('10.0.0.1:1', 'pc_gossip'))
  s.heard('10.0.0.1:1', id, CLIENT_VERSION, 'pc_record')
  assert.ok(s.counts('10.0.0.1:1', 'pc_record'))
  assert.not.ok(s.counts('10.0.0.1:1', 'pc_gossip'), 'per method')
  assert.not.ok(s.counts('10.0.0.1:1', 'get_peers'), 'a method outside the catalogue is never remembered')
})

table('speaks - a new id at the address starts afresh; the table is bounded', () => {
  const s = createSpeaks({ maxContacts: 2 })
  s.heard('10.0.0.1:1', randomId(), CLIENT_VERSION, 'pc_record')
  assert.not.ok(s.heard('10.0.0.1:1', randomId(), undefined), 'another node now: BEP 5 only')
  assert.not.ok(s.counts('10.0.0.1:1', 'pc_record'))
  s.heard('10.0.0.2:2', randomId(), undefined)
  s.heard('10.0.0.3:3', randomId(), undefined)
  assert.is(s.size, 2)
  assert.is(s.pc('10.0.0.1:1'), undefined, 'the least recently heard is forgotten')
  assert.not.ok(s.refuses('10.0.0.1:1', 'pc_record'))
})

table.run()

// ── the actor ────────────────────────────────────────────────────────────────────────────────

/**
 * A BEP 5 node: answers ping and find_node without a `v` (as bittorrent-dht does), and says nothing
 * to any other method. Counts every query it receives by method.
 */
async function bep5Node (): Promise<{ id: NodeId, address: Address, got: Map<string, number>, close: () => Promise<void> }> {
  const id = randomId()
  const got = new Map<string, number>()
  const sock = dgram.createSocket('udp4')
  sock.on('message', (buf, rinfo) => {
    const res = decodeKrpc(buf)
    if (!res.ok || res.msg.y !== 'q') return
    got.set(res.msg.q, (got.get(res.msg.q) ?? 0) + 1)
    const r = res.msg.q === 'ping' ? { id } : res.msg.q === 'find_node' ? { id, nodes: encodeNodes([]) } : undefined
    if (r !== undefined) sock.send(encodeKrpc({ y: 'r', t: res.msg.t, r }), rinfo.port, rinfo.address)
  })
  await new Promise<void>(resolve => sock.bind(0, '127.0.0.1', resolve))
  return { id, address: { host: '127.0.0.1', port: sock.address().port }, got,
    close: async () => await new Promise<void>(resolve => sock.close(() => resolve())) }
}

const routingLike: Record<string, AskHandler> = {
  'rpc.ping': m => of({ type: 'rpc.reply', re: m.cid, end: true, r: {} } as Message)
}

async function startActor (init: Partial<TransportInit> = {}, opts: { now?: () => number } = {}) {
  const id = randomId()
  const node = runInProcess(transport({ host: '127.0.0.1', port: 0, ...init, id }), fakeDeps(routingLike, opts))
  const info = await node.request({ type: 'transport.info' })
  assert.ok(isTransportInfoReply(info))
  return { ...node, id, udp: info.udp }
}

const query = (to: Address, q: string, a: Record<string, unknown> = {}, timeout?: number): Message =>
  ({ type: 'transport.query', to, q, a, ...(timeout === undefined ? {} : { timeout }) }) as Message
const codeOf = (m: Message): string | undefined => (m as { error?: { code?: string } }).error?.code
const stats = async (a: Awaited<ReturnType<typeof startActor>>): Promise<Record<string, number>> => {
  const info = await a.request({ type: 'transport.info' })
  return (info as Message & { stats: Record<string, number> }).stats
}

const actor = suite('speaks - the transport actor')

actor('speaks - a pc_* query to a BEP 5-only contact is refused with ERR_RPC_UNSUPPORTED and never sent; seen and response say pc false',
  withTimeout(T, async () => {
    const a = await startActor()
    const bt = await bep5Node()
    try {
      const pong = await a.request(query(bt.address, 'ping'))
      assert.ok(isTransportResponse(pong))
      assert.is(pong.pc, false)
      const seen = a.out.filter(isTransportSeen)
      assert.is(seen.length, 1)
      assert.is(seen[0]!.pc, false)
      for (const q of ['pc_record', 'pc_handoff', 'pc_list', 'pc_search', 'pc_gossip']) {
        assert.is(codeOf(await a.request(query(bt.address, q, { list: 1 }))), 'ERR_RPC_UNSUPPORTED', q)
      }
      assert.ok(isTransportResponse(await a.request(query(bt.address, 'find_node', { target: randomId() }))), 'BEP 5 methods still go')
      assert.equal([...bt.got.keys()].sort(), ['find_node', 'ping'], 'no pc_* reached it')
      const s = await stats(a)
      assert.is(s.refusedUnsupported, 5)
      assert.is(s['queriesSent.pc_record'], 0)
      assert.is(a.out.filter(isTransportFailed).length, 0)
    } finally {
      await bt.close()
      a.stop()
    }
  }))

actor('speaks - a PeerConnect contact gets pc_* queries; seen and response say pc true', withTimeout(T, async () => {
  const a = await startActor()
  const b = await boundSocket({ onQuery: q => b.socket.reply(q, {}) })
  try {
    const r = await a.request(query(b.address, 'pc_gossip', { m: new Uint8Array(1) }))
    assert.ok(isTransportResponse(r), JSON.stringify(r))
    assert.is(r.pc, true)
    assert.is(a.out.filter(isTransportSeen)[0]!.pc, true)
  } finally {
    await closeAll(b.socket)
    a.stop()
  }
}))

actor('speaks - a timed-out pc_* the contact never answered is no failure; once it answered that method, its silence is one; ping always',
  withTimeout(T, async () => {
    let now = 1_000_000
    const a = await startActor({}, { now: () => now })
    let answerGossip = true
    const b = await boundSocket({
      onQuery: q => {
        if (q.method === 'pc_gossip' && !answerGossip) return
        if (q.method === 'pc_record') return
        b.socket.reply(q, {})
      }
    })
    const failures = (): number => a.out.filter(isTransportFailed).length
    const gossip = (timeout?: number): Message => query(b.address, 'pc_gossip', { m: new Uint8Array(1) }, timeout)
    try {
      assert.ok(isTransportResponse(await a.request(query(b.address, 'ping'))))
      assert.is(codeOf(await a.request(query(b.address, 'pc_record', {}, 50))), 'ERR_RPC_TIMEOUT')
      assert.is(failures(), 0, 'never answered pc_record: its silence says nothing')
      assert.is((await stats(a)).timeoutsNotCounted, 1)
      assert.ok(isTransportResponse(await a.request(gossip())))
      answerGossip = false
      now += 1000
      assert.is(codeOf(await a.request(gossip(50))), 'ERR_RPC_TIMEOUT')
      assert.is(failures(), 1, 'it answered pc_gossip before: this silence counts')
      await b.socket.close()
      now += 1000
      assert.is(codeOf(await a.request(query(b.address, 'ping', {}, 50))), 'ERR_RPC_TIMEOUT')
      assert.is(failures(), 2, 'ping always counts')
    } finally {
      await closeAll(b.socket)
      a.stop()
    }
  }))

actor.run()
