/**
 * One subnet cannot own a list id. With strict IP limits, 300 ids ground next to list 12's id, on
 * 127.77.X.1–250 (one /24), join a 60-node swarm whose nodes each sit on a /24 of their own. They
 * answer ping and find_node (naming each other), accept announces and answer every pc_list with
 * nothing. No table holds more than 10 of them, lookups of list 12's id still return honest nodes
 * among the closest, and the directory still reads every honest record of list 12.
 */
import dgram from 'node:dgram'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { closest, closestListId, decodeKrpc, encodeError, encodeNodes, encodeQuery, encodeResponse, generateIdentity, idToHex,
  isListsPageReply, LIST_IDS, randomIdWithPrefix } from '@peerconnect/protocol'
import type { Identity, ListsPageReply, Message, NodeId } from '@peerconnect/protocol'
import { createComputePool, silentLogger } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { createNode } from '../src/index.js'
import type { PeerNode } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { contactsOf, lookup } from './fixtures/node.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 240_000
const HONEST = 60
const SYBILS = 300
const LIST = 12
const X = Number(LOOPBACK.split('.')[2]) // this process's own third byte: no other test file uses these /24s
const honestHost = (i: number): string => `127.${10 + i}.${X}.1`
const sybilNet = `127.77.${X}.`
const isSybil = (c: { host: string }): boolean => c.host.startsWith(sybilNet)

interface Sybil {
  id: NodeId
  sock: dgram.Socket
  host: string
  port: number
}

const state = { nodes: [] as PeerNode[], sybils: [] as Sybil[], members: [] as PeerNode[], pool: createComputePool() }
const sybil = suite('sybil - one /24 next to a list id')

sybil.before(hook(T, async () => {
  // Honest nodes: a /24 each, strict limits, quick announces; four of them in list 12.
  const identities: Identity[] = []
  while (identities.length < 4) {
    const id = generateIdentity()
    if (closestListId(id.id).index === LIST) identities.push(id)
  }
  for (let i = 0; i < HONEST; i++) {
    state.nodes.push(await createNode({
      name: `honest-${i}`,
      identity: identities[i] ?? generateIdentity(),
      host: honestHost(i),
      port: 0,
      inline: true,
      log: silentLogger,
      pool: state.pool,
      ipLimits: 'strict',
      lists: { announceInterval: 2000 }
    }))
  }
  state.members = state.nodes.slice(0, 4)
  const seed = state.nodes[HONEST - 1]!
  for (let i = 0; i < HONEST - 1; i += 6) {
    await Promise.all(state.nodes.slice(i, Math.min(i + 6, HONEST - 1)).map(async n => await n.bootstrap([seed.udp])))
  }
  await Promise.all(state.nodes.slice(0, 12).map(async n => await n.bootstrap([])))
  // The sybils: sockets on one /24, ids sharing 30+ bits with list 12's id.
  for (let i = 0; i < SYBILS; i++) {
    const host = `${sybilNet}${1 + (i % 250)}`
    const sock = dgram.createSocket('udp4')
    sock.on('error', () => {})
    await new Promise<void>(resolve => sock.bind(0, host, resolve))
    state.sybils.push({ id: randomIdWithPrefix(LIST_IDS[LIST]!, 30 + (i % 20)), sock, host, port: sock.address().port })
  }
  for (const s of state.sybils) s.sock.on('message', (buf, rinfo) => answer(s, buf, rinfo))
  // They join: each pings and asks find_node of 12 honest nodes.
  for (const [i, s] of state.sybils.entries()) {
    for (let j = 0; j < 12; j++) {
      const to = state.nodes[(i * 7 + j * 5) % HONEST]!
      s.sock.send(encodeQuery(new Uint8Array([1, j]), 'ping', { id: s.id }), to.udp.port, to.udp.host)
      s.sock.send(encodeQuery(new Uint8Array([2, j]), 'find_node', { id: s.id, target: LIST_IDS[LIST]! }), to.udp.port, to.udp.host)
    }
    if (i % 25 === 24) await new Promise(resolve => setTimeout(resolve, 50))
  }
  await new Promise(resolve => setTimeout(resolve, 3000))
  // Lookups near list 12 (a refresh would do the same) meet the sybils the tables let in.
  await Promise.all(state.nodes.slice(0, 20).map(async n => await lookup(n, LIST_IDS[LIST]!)))
}))

sybil.after(hook(T, async () => {
  for (const s of state.sybils) {
    try {
      s.sock.close()
    } catch {}
  }
  await Promise.all(state.nodes.map(async n => await n.stop()))
  await state.pool.close()
}))

sybil('sybil - no table holds more than 10 of the /24', withTimeout(T, async () => {
  let most = 0
  let total = 0
  for (const n of state.nodes) {
    const held = (await contactsOf(n)).contacts.filter(isSybil).length
    most = Math.max(most, held)
    total += held
  }
  assert.ok(total > 0, 'the sybils did get in (as far as the limits let them)')
  assert.ok(most <= 10, `a table holds ${most} sybils`)
  process.stderr.write(`sybils in tables: ${total} in all, at most ${most} in one\n`)
}))

sybil('sybil - lookups of list 12\'s id return honest nodes among the closest', withTimeout(T, async () => {
  for (const n of state.nodes.slice(30, 36)) {
    const res = await lookup(n, LIST_IDS[LIST]!)
    const top = res.closest.slice(0, 8)
    const honest = top.filter(c => !isSybil(c)).length
    assert.ok(honest >= 6, `${n.name}: ${honest} honest of the 8 closest (${top.map(c => c.host).join(' ')})`)
    assert.ok(res.closest.filter(isSybil).length <= 2, `${n.name}: at most 2 of the /24 in a lookup's result`)
  }
}))

sybil('sybil - the directory still reads every honest record of list 12 (the sybils answer pc_list with nothing)',
  withTimeout(T, async () => {
    const reader = state.nodes[40]!
    const want = state.members.map(m => idToHex(m.id))
    let page: ListsPageReply | undefined
    let missing = want
    for (let attempt = 0; attempt < 10 && missing.length > 0; attempt++) {
      if (attempt > 0) await new Promise(resolve => setTimeout(resolve, 2000))
      await reader.request({ type: 'lists.invalidate' })
      const r = await reader.request({ type: 'lists.page', limit: 500 } as Message, { timeout: 60_000 })
      assert.ok(isListsPageReply(r))
      page = r
      const listed = new Set(r.peers.filter(p => p.list === LIST).map(p => idToHex(p.record.id)))
      missing = want.filter(h => !listed.has(h))
    }
    assert.equal(missing, [], 'every honest member of list 12 is listed')
    const h = page!.holders?.find(x => x.list === LIST)
    assert.ok(h !== undefined && h.answered >= 3, `list 12 read from ${JSON.stringify(h)} holders`)
  }))

sybil.run()

/** A sybil answers ping, find_node (the sybils closest to the target), pc_list (nothing) and pc_announce (dropped). */
function answer (s: Sybil, buf: Buffer, rinfo: dgram.RemoteInfo): void {
  const res = decodeKrpc(buf)
  if (!res.ok || res.msg.y !== 'q') return
  const { t, q, a } = res.msg
  const send = (out: Uint8Array): void => {
    s.sock.send(out, rinfo.port, rinfo.address)
  }
  if (q === 'ping' || q === 'pc_announce') send(encodeResponse(t, { id: s.id }))
  else if (q === 'find_node' || q === 'get_peers') {
    const target = (a as { target?: NodeId, info_hash?: NodeId }).target ?? (a as { info_hash?: NodeId }).info_hash ?? s.id
    const near = closest(state.sybils, target, 8, x => x.id)
    send(encodeResponse(t, { id: s.id, nodes: encodeNodes(near.map(x => ({ id: x.id, host: x.host, port: x.port }))) }))
  } else if (q === 'pc_list') send(encodeResponse(t, { id: s.id, token: new Uint8Array(8) }))
  else send(encodeError(t, 204, 'method unknown'))
}
