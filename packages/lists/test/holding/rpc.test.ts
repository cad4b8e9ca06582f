import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { closest, createRecord, decodeNodes, generateIdentity, idsEqual, idToHex, LIST_IDS, parseReply, recordFromWire, recordToWire,
  verifyRecord } from '@peerconnect/protocol'
import type { Address, Identity, ListsStatsReply, Message, NodeId, PeerRecord, TransportResponse } from '@peerconnect/protocol'
import { createFakeNet } from '../fake-net.js'
import type { FakeNet, FakeNode } from '../fake-net.js'
import { padded } from '../../src/page.js'
import { codeOf, identityIn, recordOf, signedBy } from '../fixtures.js'

const LIST = 6

interface Peer {
  identity: Identity
  id: NodeId
  address: Address
  record: PeerRecord
}

let port = 30_000
function peer (list = LIST, opts: { name?: string, seq?: number, identity?: Identity, host?: string } = {}): Peer {
  const identity = opts.identity ?? identityIn(list)
  const address = { host: opts.host ?? '127.0.0.1', port: port++ }
  return { identity, id: identity.id, address,
    record: recordOf(identity, { name: opts.name ?? 'p', host: address.host, port: address.port, seq: opts.seq ?? 1 }) }
}

function setup (init: Record<string, unknown> = {}): { net: FakeNet, holder: FakeNode } {
  const net = createFakeNet()
  const holder = net.add({ init: { announce: false, ...init } })
  return { net, holder }
}

async function tokenFor (net: FakeNet, from: { id: NodeId, address: Address }, to: FakeNode, list = LIST): Promise<Uint8Array> {
  const res = await net.send(from, to.address, 'pc_list', { list }) as TransportResponse
  return res.r.token as Uint8Array
}

async function announce (net: FakeNet, p: Peer, to: FakeNode,
  opts: { record?: PeerRecord, token?: Uint8Array | null, list?: number } = {}): Promise<Message> {
  const token = opts.token === undefined ? await tokenFor(net, p, to) : opts.token
  const a: Record<string, unknown> = { list: opts.list ?? LIST, record: recordToWire(opts.record ?? p.record) }
  if (token !== null) a.token = token
  return await net.send(p, to.address, 'pc_announce', a)
}

async function refused (promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (err) {
    assert.is(codeOf(err), 'ERR_RPC_REMOTE', String((err as Error).message))
    return (err as Error).message
  }
  assert.unreachable('expected a KRPC error')
  return ''
}

async function stats (node: FakeNode): Promise<ListsStatsReply> {
  return await node.request({ type: 'lists.stats' }) as ListsStatsReply
}

function noAmplification (net: FakeNet): void {
  const over = net.queries.filter(q => q.error === 'amplification')
  assert.equal(over, [], 'no reply was refused by the 3× bound')
}

// ── pc_announce ──────────────────────────────────────────────────────────────────────────────

const announceOk = suite('rpc - pc_announce accepted')

announceOk('rpc - a peer announcing its own record with a token from pc_list is held', async () => {
  const { net, holder } = setup()
  const p = peer()
  const res = await announce(net, p, holder) as TransportResponse
  assert.ok(idsEqual(res.id, holder.id))
  const s = await stats(holder)
  assert.equal([s.held, s.records], [1, 1])
  assert.equal(s.rejected, {})
  net.stopAll()
})

announceOk('rpc - a re-announce and a newer sequence are accepted; the newest is what is held', async () => {
  const { net, holder } = setup()
  const p = peer()
  const token = await tokenFor(net, p, holder)
  await announce(net, p, holder, { token })
  await announce(net, p, holder, { token })
  const newer = recordOf(p.identity, { name: 'renamed', host: p.address.host, port: p.address.port, seq: 2 })
  await announce(net, p, holder, { token, record: newer })
  const page = await net.send(p, holder.address, 'pc_list', { list: LIST, token }) as TransportResponse
  const records = (page.r.records as unknown[]).map(recordFromWire)
  assert.is(records.length, 1)
  assert.is(records[0]!.n, 'renamed')
  assert.is((await stats(holder)).records, 1)
  net.stopAll()
})

announceOk.run()

const rejects = suite('rpc - pc_announce refused, each with its own code, nothing stored')

/** Runs one refused announce; checks the KRPC code, our code in the text, the count, and that nothing was stored. */
async function expectRefusal (name: string, krpc: number, code: string,
  act: (net: FakeNet, holder: FakeNode) => Promise<unknown>): Promise<void> {
  const { net, holder } = setup()
  const message = await refused(act(net, holder))
  assert.ok(message.startsWith(`${krpc} ${code}`), `${name}: ${message}`)
  const s = await stats(holder)
  assert.is(s.records, 0, `${name}: nothing stored`)
  assert.is(s.rejected[code], 1, `${name}: counted under ${code}`)
  net.stopAll()
}

rejects('rpc - a forged signature: 203 ERR_BAD_SIGNATURE', async () => {
  await expectRefusal('forged', 203, 'ERR_BAD_SIGNATURE', async (net, holder) => {
    const p = peer()
    const forged = { ...p.record, sig: p.record.sig.map((b, i) => i === 0 ? b ^ 1 : b) }
    return await announce(net, p, holder, { record: forged })
  })
})

rejects('rpc - a record signed by another key: 203 ERR_BAD_SIGNATURE', async () => {
  await expectRefusal('other signer', 203, 'ERR_BAD_SIGNATURE', async (net, holder) => {
    const p = peer()
    const { sig: _sig, ...unsigned } = p.record
    return await announce(net, p, holder, { record: signedBy(generateIdentity(), unsigned) })
  })
})

rejects('rpc - an id that is not SHA-1 of the key: 203 ERR_ID_MISMATCH', async () => {
  await expectRefusal('id mismatch', 203, 'ERR_ID_MISMATCH', async (net, holder) => {
    const p = peer()
    const other = generateIdentity()
    const { sig: _sig, ...unsigned } = p.record
    return await announce(net, p, holder, { record: signedBy(other, { ...unsigned, k: other.publicKey }) })
  })
})

rejects('rpc - someone else\'s record: 203 ERR_NOT_SENDER', async () => {
  await expectRefusal('not sender', 203, 'ERR_NOT_SENDER', async (net, holder) => {
    const victim = peer()
    const attacker = peer()
    const sameAddress = { ...attacker, record: victim.record, address: victim.address }
    return await announce(net, { ...sameAddress, id: attacker.id }, holder)
  })
})

rejects('rpc - a record whose address is not the sender\'s: 203 ERR_ADDRESS_MISMATCH', async () => {
  await expectRefusal('address', 203, 'ERR_ADDRESS_MISMATCH', async (net, holder) => {
    const p = peer()
    const elsewhere = createRecord(p.identity, { name: 'p', host: '10.9.9.9', port: 9999, seq: 1 })
    return await announce(net, p, holder, { record: elsewhere })
  })
})

rejects('rpc - a record for another list: 203 ERR_WRONG_LIST', async () => {
  await expectRefusal('wrong list', 203, 'ERR_WRONG_LIST', async (net, holder) => {
    const p = peer(LIST + 1)
    return await announce(net, p, holder, { list: LIST })
  })
})

rejects('rpc - a replayed older sequence: 201 ERR_STALE_SEQUENCE, the newer one stays', async () => {
  const { net, holder } = setup()
  const p = peer(LIST, { seq: 7 })
  await announce(net, p, holder)
  const old = recordOf(p.identity, { name: 'old', host: p.address.host, port: p.address.port, seq: 6 })
  const message = await refused(announce(net, p, holder, { record: old }))
  assert.ok(message.startsWith('201 ERR_STALE_SEQUENCE'), message)
  const s = await stats(holder)
  assert.is(s.records, 1)
  assert.is(s.rejected.ERR_STALE_SEQUENCE, 1)
  const page = await net.send(p, holder.address, 'pc_list', { list: LIST, token: await tokenFor(net, p, holder) }) as TransportResponse
  assert.is(recordFromWire((page.r.records as unknown[])[0])!.s, 7)
  net.stopAll()
})

rejects('rpc - no token: refused (the transport\'s guard says 203 token missing; the actor says ERR_TOKEN_MISSING)', async () => {
  const { net, holder } = setup()
  const p = peer()
  const message = await refused(announce(net, p, holder, { token: null }))
  assert.ok(message.startsWith('203 token missing'), message)
  const direct = await holder.request(
    { type: 'rpc.pc_announce', method: 'pc_announce', from: p.address, id: p.id,
      args: { id: p.id, list: LIST, record: recordToWire(p.record) }, queryBytes: 300 } as Message
  ).catch((e: unknown) => e)
  assert.is(codeOf(direct), 'ERR_KRPC_PROTOCOL')
  assert.ok(String((direct as Error).message).startsWith('ERR_TOKEN_MISSING'), String((direct as Error).message))
  const s = await stats(holder)
  assert.is(s.records, 0)
  assert.is(s.rejected.ERR_TOKEN_MISSING, 1)
  net.stopAll()
})

rejects('rpc - a token issued to another address: 203 ERR_BAD_TOKEN', async () => {
  await expectRefusal('foreign token', 203, 'ERR_BAD_TOKEN', async (net, holder) => {
    const p = peer()
    const other = peer()
    return await announce(net, p, holder, { token: await tokenFor(net, other, holder) })
  })
})

rejects('rpc - a token made by another holder: 203 ERR_BAD_TOKEN', async () => {
  await expectRefusal('other holder', 203, 'ERR_BAD_TOKEN', async (net, holder) => {
    const p = peer()
    const elsewhere = net.add({ init: { announce: false } })
    return await announce(net, p, holder, { token: await tokenFor(net, p, elsewhere) })
  })
})

rejects('rpc - a name over 64 bytes: 203 ERR_NAME_TOO_LONG', async () => {
  await expectRefusal('long name', 203, 'ERR_NAME_TOO_LONG', async (net, holder) => {
    const p = peer()
    const { sig: _sig, ...unsigned } = p.record
    return await announce(net, p, holder, { record: signedBy(p.identity, { ...unsigned, n: 'é'.repeat(33) }) })
  })
})

rejects('rpc - a full list: 201 ERR_LIST_FULL; too many from one IP: 201 ERR_IP_CAP', async () => {
  const { net, holder } = setup({ maxPerList: 2 })
  for (let i = 0; i < 2; i++) await announce(net, peer(), holder)
  const full = await refused(announce(net, peer(), holder))
  assert.ok(full.startsWith('201 ERR_LIST_FULL'), full)
  net.stopAll()
  const capped = setup({ maxPerIp: 1 })
  await announce(capped.net, peer(LIST, { host: '198.51.100.3' }), capped.holder)
  const ip = await refused(announce(capped.net, peer(LIST, { host: '198.51.100.3' }), capped.holder))
  assert.ok(ip.startsWith('201 ERR_IP_CAP'), ip)
  assert.is((await stats(capped.holder)).rejected.ERR_IP_CAP, 1)
  capped.net.stopAll()
})

rejects('rpc - peers on one private /24 (a LAN, the simulated network) are not capped by maxPerIp in mode default; in strict they are',
  async () => {
    const lan = setup({ maxPerIp: 2 })
    for (let i = 1; i <= 5; i++) await announce(lan.net, peer(LIST, { host: `192.168.1.${i}` }), lan.holder)
    for (let i = 1; i <= 5; i++) await announce(lan.net, peer(LIST, { host: `10.0.0.${i}` }), lan.holder)
    assert.is((await stats(lan.holder)).records, 10, 'every peer of the LAN held')
    assert.is((await stats(lan.holder)).rejected.ERR_IP_CAP, undefined)
    lan.net.stopAll()
    const strict = setup({ maxPerIp: 2, ipLimits: { mode: 'strict' } })
    for (let i = 1; i <= 2; i++) await announce(strict.net, peer(LIST, { host: `192.168.1.${i}` }), strict.holder)
    const ip = await refused(announce(strict.net, peer(LIST, { host: '192.168.1.3' }), strict.holder))
    assert.ok(ip.startsWith('201 ERR_IP_CAP'), ip)
    strict.net.stopAll()
  })

rejects.run()

// ── pc_list ──────────────────────────────────────────────────────────────────────────────────

const listing = suite('rpc - pc_list')

listing('rpc - without a token: a token bound to the asker and no more than 3× the query', async () => {
  const { net, holder } = setup()
  for (let i = 0; i < 10; i++) await announce(net, peer(), holder)
  const asker = peer()
  const res = await net.send(asker, holder.address, 'pc_list', { list: LIST }) as TransportResponse
  assert.is((res.r.token as Uint8Array).length, 8)
  const last = net.queries[net.queries.length - 1]!
  assert.ok(last.replyBytes! <= 3 * last.bytes, `${last.replyBytes} > 3 × ${last.bytes}`)
  assert.is(last.proven, false)
  assert.ok(res.r.next instanceof Uint8Array, 'a next says there is more')
  noAmplification(net)
  net.stopAll()
})

listing('rpc - without a token but padded (page.ts padded): the first reply is as full a page as a proven one, within 3×', async () => {
  const { net, holder } = setup()
  for (let i = 0; i < 10; i++) await announce(net, peer(), holder)
  const asker = peer()
  const bare = await net.send(asker, holder.address, 'pc_list', { list: LIST }) as TransportResponse
  assert.is((bare.r.records as unknown[] | undefined)?.length ?? 0, 0, 'a bare query: 3× it holds no record')
  const other = peer()
  const pad = padded(other.id, 'pc_list', { list: LIST }, 1200)
  const first = await net.send(other, holder.address, 'pc_list', pad) as TransportResponse
  const last = net.queries[net.queries.length - 1]!
  assert.is(last.proven, false)
  assert.ok(last.replyBytes! <= 3 * last.bytes, `${last.replyBytes} > 3 × ${last.bytes}`)
  const proven = await net.send(other, holder.address, 'pc_list', { list: LIST, token: first.r.token }) as TransportResponse
  assert.is(net.queries[net.queries.length - 1]!.proven, true)
  const n = (first.r.records as unknown[]).length
  assert.ok(n >= 4, `${n} records in the first reply`)
  assert.is(n, (proven.r.records as unknown[]).length, 'as many as a proven page')
  noAmplification(net)
  net.stopAll()
})

listing('rpc - with the token: proven, full pages; following next visits every record once', async () => {
  const { net, holder } = setup()
  const peers = Array.from({ length: 23 }, () => peer())
  for (const p of peers) await announce(net, p, holder)
  const asker = peer()
  const token = await tokenFor(net, asker, holder)
  const seen: string[] = []
  let cursor: Uint8Array | undefined
  let pages = 0
  for (;;) {
    const a: Record<string, unknown> = { list: LIST, token }
    if (cursor !== undefined) a.cursor = cursor
    const res = await net.send(asker, holder.address, 'pc_list', a) as TransportResponse
    const reply = parseReply('pc_list', res.r)
    assert.ok(reply.ok)
    if (!reply.ok) return
    pages++
    const last = net.queries[net.queries.length - 1]!
    assert.ok(last.proven && last.replyBytes! <= 1200 + 16, `page ${pages}: ${last.replyBytes} bytes`)
    assert.is(reply.reply.ages?.length, reply.reply.records?.length)
    seen.push(...(reply.reply.records ?? []).map(r => idToHex(r.id)))
    if (reply.reply.next === undefined) break
    cursor = reply.reply.next
  }
  assert.equal(seen, peers.map(p => idToHex(p.id)).sort())
  assert.ok(pages >= 3 && pages <= 6, `${pages} pages`)
  noAmplification(net)
  net.stopAll()
})

listing('rpc - records come with their age: ms since the peer last announced', async () => {
  const { net, holder } = setup()
  const p = peer()
  await announce(net, p, holder)
  await net.advance(1234)
  const asker = peer()
  const res = await net.send(asker, holder.address, 'pc_list', { list: LIST,
    token: await tokenFor(net, asker, holder) }) as TransportResponse
  assert.equal(res.r.ages, [1234])
  net.stopAll()
})

listing('rpc - a list it holds nothing of: the closest nodes it knows instead', async () => {
  const { net, holder } = setup()
  const others = Array.from({ length: 12 }, () => net.add({ init: { announce: false } }))
  const asker = peer()
  const token = await tokenFor(net, asker, holder, 3)
  const res = await net.send(asker, holder.address, 'pc_list', { list: 3, token }) as TransportResponse
  assert.is(res.r.records, undefined)
  const nodes = decodeNodes(res.r.nodes)!
  const want = closest(others, LIST_IDS[3]!, 8, n => n.id)
  assert.equal(nodes.map(n => idToHex(n.id)), want.map(n => idToHex(n.id)))
  const unproven = await net.send(asker, holder.address, 'pc_list', { list: 3 }) as TransportResponse
  const fewer = decodeNodes(unproven.r.nodes)!
  assert.ok(fewer.length >= 1 && fewer.length < 8, `${fewer.length} nodes unproven`)
  noAmplification(net)
  net.stopAll()
})

listing('rpc - a cursor that is not a 20-byte id: 203 ERR_BAD_LIST_CURSOR', async () => {
  const { net, holder } = setup()
  const asker = peer()
  const message = await refused(net.send(asker, holder.address, 'pc_list', { list: LIST, cursor: new Uint8Array(5) }))
  assert.ok(message.startsWith('203 ERR_BAD_LIST_CURSOR'), message)
  assert.is((await stats(holder)).rejected.ERR_BAD_LIST_CURSOR, 1)
  net.stopAll()
})

listing('rpc - a token of another asker is not proof: the reply stays small', async () => {
  const { net, holder } = setup()
  for (let i = 0; i < 8; i++) await announce(net, peer(), holder)
  const asker = peer()
  const stolen = await tokenFor(net, peer(), holder)
  const res = await net.send(asker, holder.address, 'pc_list', { list: LIST, token: stolen }) as TransportResponse
  const last = net.queries[net.queries.length - 1]!
  assert.is(last.proven, false)
  assert.equal(res.r.records ?? [], [])
  net.stopAll()
})

listing.run()

// ── pc_record and the others ─────────────────────────────────────────────────────────────────

const own = suite('rpc - pc_record, lists.self, bad requests')

own('rpc - pc_record answers the node\'s own signed record, made from the transport\'s address', async () => {
  const net = createFakeNet()
  const node = net.add({ init: { name: 'ada' } })
  await net.advance(10)
  const asker = peer()
  const res = await net.send(asker, node.address, 'pc_record', { token: await tokenFor(net, asker, node) }) as TransportResponse
  assert.is(net.queries[net.queries.length - 1]!.proven, true)
  const rec = recordFromWire(res.r.record)!
  assert.ok(verifyRecord(rec).ok)
  assert.ok(idsEqual(rec.id, node.id))
  assert.is(rec.n, 'ada')
  const self = await node.request({ type: 'lists.self' }) as Message & { record: PeerRecord }
  assert.ok(idsEqual(self.record.sig, rec.sig))
  net.stopAll()
})

own('rpc - pc_record without a token: a padded query gets the record, a bare one 203 ERR_PROOF_NEEDED', async () => {
  const net = createFakeNet()
  const node = net.add({ init: { name: 'x'.repeat(64) } })
  await net.advance(10)
  const asker = peer()
  const padded = await net.send(asker, node.address, 'pc_record', { pad: new Uint8Array(40) }) as TransportResponse
  assert.is(recordFromWire(padded.r.record)!.n, 'x'.repeat(64))
  assert.is(net.queries[net.queries.length - 1]!.proven, false)
  const message = await refused(net.send(asker, node.address, 'pc_record', {}))
  assert.ok(message.startsWith('203 ERR_PROOF_NEEDED'), message)
  noAmplification(net)
  net.stopAll()
})

own('rpc - before it has a record: pc_record is a 202 ERR_NO_RECORD, lists.self errors ERR_NO_RECORD', async () => {
  const { net, holder } = setup()
  const message = await refused(net.send(peer(), holder.address, 'pc_record', {}))
  assert.ok(message.startsWith('202 ERR_NO_RECORD'), message)
  const err = await holder.request({ type: 'lists.self' }).catch((e: unknown) => e)
  assert.is(codeOf(err), 'ERR_NO_RECORD')
  net.stopAll()
})

own('rpc - a malformed rpc ask is a 203, and the actor keeps answering', async () => {
  const { net, holder } = setup()
  for (const bad of [
    { type: 'rpc.pc_list', method: 'pc_list' },
    { type: 'rpc.pc_list', method: 'pc_list', from: { host: '127.0.0.1', port: 1 }, id: generateIdentity().id, args: { list: 40 },
      queryBytes: 50 },
    { type: 'rpc.pc_handoff', method: 'pc_handoff', from: { host: '127.0.0.1', port: 1 }, id: generateIdentity().id,
      args: { list: 1, records: 'x' }, queryBytes: 50 }
  ]) {
    const err = await holder.request(bad as Message).catch((e: unknown) => e)
    assert.is(codeOf(err), 'ERR_KRPC_PROTOCOL', JSON.stringify(bad.type))
  }
  assert.is((await stats(holder)).records, 0)
  net.stopAll()
})

own.run()
