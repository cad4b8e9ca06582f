import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { firstValueFrom, filter, take, toArray, lastValueFrom, Subscription } from 'rxjs'
import { bdecode, closest, encodeAddress, encodeQuery, idsEqual, idToHex, isCrawlerResult, isGossipSearchDone, isGossipStatsReply,
  randomId } from '@peerconnect/protocol'
import type { Message, NodeId } from '@peerconnect/protocol'
import { createSimNetwork, linkLatency } from '@peerconnect/runtime'
import type { SimNetwork, SimSocket, Testnet } from '@peerconnect/runtime'
import { encodeRumor, parseRumor } from '../src/rumor.js'
import type { SearchRumor } from '../src/rumor.js'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createSimSwarm } from './fixtures/sim-node.js'
import type { SimNode } from './fixtures/sim-node.js'

type Any = Message & Record<string, any>

const N = 200
const ADAS = new Set([17, 101, 188])
const ADA_INDEX = [...ADAS]
const nameOf = (i: number): string => ADAS.has(i) ? `Ada ${i} Lovelace` : `node-${i}`

let net: SimNetwork
let swarm: Testnet<SimNode>

async function gossipStats (node: SimNode): Promise<Any> {
  const [r] = await node.request({ type: 'gossip.stats' })
  assert.ok(isGossipStatsReply(r))
  return r as Any
}

const sim = suite('sim - real transport, routing, crawler and gossip on the simulated network')

sim.before(withTimeout(180_000, async () => {
  net = createSimNetwork({ latency: linkLatency({ min: 1, max: 10, seed: 3 }), seed: 3 })
  swarm = await createSimSwarm(net, N, { names: nameOf })
}))

sim.after(withTimeout(30_000, async () => {
  await swarm.stop()
  net.close()
}))

sim('sim - every node bound a 10.x address on the simulated network, and no real socket', () => {
  assert.is(net.stats().sockets, N)
  assert.ok(swarm.nodes.every(n => n.udp.host.startsWith('10.')))
  assert.is(new Set(swarm.nodes.map(n => `${n.udp.host}:${n.udp.port}`)).size, N)
  assert.ok(net.stats().datagrams > N * 10, 'the bootstrap went over it')
})

sim('sim - a lookup finds the true closest nodes', withTimeout(60_000, async () => {
  const ids = swarm.nodes.map(n => n.identity.id)
  for (const [from, target] of [[57, randomId()], [3, randomId()], [150, ids[42]!]] as Array<[number, NodeId]>) {
    const replies = await swarm.nodes[from]!.request({ type: 'crawler.lookup', target } as Message, 30_000)
    const result = replies.at(-1)
    assert.ok(isCrawlerResult(result))
    const truth = closest(ids.filter(id => !idsEqual(id, ids[from]!)), target, 8)
    const found = new Set(result.closest.slice(0, 8).map(c => idToHex(c.id)))
    assert.ok(idsEqual(result.closest[0]!.id, truth[0]!), 'the closest one')
    const overlap = truth.filter(id => found.has(idToHex(id))).length
    assert.ok(overlap >= 7, `${overlap} of the true 8 closest`)
  }
}))

sim('sim - a note reaches every node once, about one message each', withTimeout(60_000, async () => {
  const got = new Map<number, Any[]>()
  const subs = swarm.nodes.map((node, i) => node.sup.messages$(['gossip.note']).subscribe(m => {
    const list = got.get(i) ?? []
    list.push(m as Any)
    got.set(i, list)
  }))
  try {
    const before = await Promise.all(swarm.nodes.map(gossipStats))
    const [reply] = await swarm.nodes[13]!.request(
      { type: 'gossip.publish', topic: 'weather', data: new TextEncoder().encode('sunny') } as Message
    )
    assert.is((reply as Any).sent, 3)
    await waitFor(() => got.size === N - 1, { timeout: 30_000, what: 'every other node got the note' })
    assert.not.ok(got.has(13), 'the publisher gets no note of its own')
    for (const [i, notes] of got) {
      assert.is(notes.length, 1, `node ${i} got it once`)
      assert.is(notes[0]!.topic, 'weather')
      assert.ok(idsEqual(notes[0]!.from, swarm.nodes[13]!.identity.id))
    }
    await waitFor(async () => (await Promise.all(swarm.nodes.map(gossipStats))).every(s => s.inFlight === 0), { timeout: 20_000,
      what: 'forwards settled' })
    const after = await Promise.all(swarm.nodes.map(gossipStats))
    const received = after.reduce((n, s, i) => n + s.received - before[i]!.received, 0)
    const duplicates = after.reduce((n, s, i) => n + s.duplicates - before[i]!.duplicates, 0)
    assert.ok(received / N <= 1.1, `${received / N} messages per node`)
    assert.ok(duplicates / N <= 0.05, `${duplicates / N} duplicates per node`)
    const hops = [...got.values()].map(l => l[0]!.hops as number)
    assert.ok(Math.max(...hops) <= Math.log(N) / Math.log(3) + 4, `deepest ${Math.max(...hops)} hops`)
  } finally {
    for (const s of subs) s.unsubscribe()
  }
}))

sim('sim - a gossip search finds exactly the matching nodes', withTimeout(60_000, async () => {
  const origin = swarm.nodes[0]!
  const found = await firstValueFrom(origin.sup.ask({ type: 'gossip.search', q: 'ada lov', timeout: 60_000 } as Message).pipe(
    filter(m => m.type === 'gossip.hit'),
    take(ADAS.size),
    toArray()
  ))
  const names = found.map(m => (m as Any).record.n as string).sort()
  assert.equal(names, [...ADAS].map(nameOf).sort())
  for (const m of found) assert.ok(swarm.nodes.some(n => idsEqual(n.identity.id, (m as Any).record.id)))
  await waitFor(async () => (await gossipStats(origin)).searches === 1, { what: 'the search was counted' })
  await waitFor(() => origin.sup.pendingAsks() === 0, { what: 'taking three hits and unsubscribing cancelled the ask' })
}))

sim('sim - a search rumor with a forged origin address makes no node send a hit to the victim; an honest search still gets its hits',
  withTimeout(60_000, async () => {
    const bound = async (): Promise<SimSocket> =>
      await new Promise(resolve => {
        const s = net.createSocket()
        s.bind({}, () => resolve(s))
      })
    const victim = await bound()
    const attacker = await bound()
    const toVictim: string[] = []
    let victimBytes = 0
    victim.on('message', (buf: Uint8Array) => {
      victimBytes += buf.length
      const m = (bdecode(buf) as { value?: { a?: { m?: unknown } } }).value?.a?.m
      const parsed = parseRumor(m)
      toVictim.push(parsed.ok ? parsed.rumor.kind : 'other')
    })
    const v = victim.address()
    const forged = (patch: Partial<SearchRumor>): SearchRumor => ({
      kind: 'search',
      id: randomId().subarray(0, 8),
      hops: 1,
      origin: randomId(),
      depth: 0,
      path: new Uint8Array(0),
      query: 'ada lov',
      address: encodeAddress(v.address, v.port)!,
      search: randomId().subarray(0, 8),
      ...patch
    })
    let attackerBytes = 0
    const send = (rumor: SearchRumor, to: SimNode, id = randomId()): void => {
      const packet = encodeQuery(new Uint8Array([0x61, 0x61]), 'pc_gossip', { id, m: encodeRumor(rumor) })
      attackerBytes += packet.length
      attacker.send(packet, to.udp.port, to.udp.host)
    }
    const adas = swarm.nodes.filter((_, i) => ADAS.has(i))
    const before = await Promise.all(swarm.nodes.map(gossipStats))
    // Straight from a claimed origin (hops 1) to 20 nodes: not from the origin's id, refused at once;
    // from it (the attacker claims that id too), but not from the named IP: the victim is asked first.
    for (let i = 30; i < 40; i++) send(forged({}), swarm.nodes[i]!)
    for (let i = 40; i < 50; i++) {
      const origin = randomId()
      send(forged({ origin }), swarm.nodes[i]!, origin)
    }
    // Relayed (hops 2), to one node, which spreads it to everyone: the matching nodes ask the victim first.
    send(forged({ hops: 2 }), swarm.nodes[60]!)
    await waitFor(() => toVictim.length >= 11, { timeout: 20_000, what: 'the first hops asked the victim, and a matching node did' })
    const gaveUp = async (): Promise<number> =>
      (await Promise.all(swarm.nodes.map(gossipStats))).reduce((n, s, i) => n + s.dropped - before[i]!.dropped, 0)
    await waitFor(async () => await gaveUp() >= 10 + toVictim.length, { timeout: 20_000,
      what: 'the 10 refused, and every node that asked the silent victim gave up' })
    assert.is(toVictim.filter(k => k === 'hit').length, 0, 'no record reached the victim')
    assert.ok(toVictim.every(k => k === 'check'), `only checks: ${toVictim.join(' ')}`)
    assert.ok(toVictim.length <= 10 + ADAS.size, `one check per first hop asked and per matching node at most (${toVictim.length})`)
    assert.ok(victimBytes <= attackerBytes, `${victimBytes} bytes to the victim for ${attackerBytes} sent by the attacker`)
    assert.is((await Promise.all(adas.map(gossipStats))).reduce((n, s, i) => n + s.hitsSent - before[ADA_INDEX[i]!]!.hitsSent, 0), 0)

    const found = await firstValueFrom(swarm.nodes[0]!.sup.ask({ type: 'gossip.search', q: 'ada lov', timeout: 60_000 } as Message).pipe(
      filter(m => m.type === 'gossip.hit'),
      take(ADAS.size),
      toArray()
    ))
    assert.equal(found.map(m => (m as Any).record.n as string).sort(), [...ADAS].map(nameOf).sort(), 'the honest search gets its hits')
    victim.close()
    attacker.close()
  }))

sim('sim - a search ends at its bound with its hit count', withTimeout(30_000, async () => {
  const t0 = Date.now()
  const replies = await lastValueFrom(
    swarm.nodes[5]!.sup.ask({ type: 'gossip.search', q: 'nobody-has-this-name', timeout: 300 } as Message, { timeout: 10_000 }).pipe(
      toArray()
    )
  )
  assert.is(replies.length, 1)
  assert.ok(isGossipSearchDone(replies[0]))
  assert.is((replies[0] as Any).hits, 0)
  assert.ok(Date.now() - t0 >= 300)
}))

sim('sim - cancelling a search stops its traffic at the origin', withTimeout(30_000, async () => {
  const origin = swarm.nodes[9]!
  const before = await gossipStats(origin)
  const sub: Subscription = origin.sup.ask({ type: 'gossip.search', q: 'ada', timeout: 60_000 } as Message).subscribe()
  sub.unsubscribe()
  await waitFor(() => origin.sup.pendingAsks() === 0, { what: 'the ask is gone' })
  // gossip.stats goes through the origin's mailbox after the cancel, so it sees the search gone:
  // nothing in flight, nothing waiting for a slot (a queued forward would be sent at once).
  const after = await gossipStats(origin)
  assert.is(after.inFlight, 0, 'no forward in flight once cancelled')
  assert.is(after.searches, before.searches + 1, 'the search started')
  assert.is(after.forwarded, before.forwarded, 'and sent nothing once cancelled')
  assert.is(after.hitsReceived, before.hitsReceived)
}))

sim('sim - with 5% of the nodes down, a note still reaches the live ones (failed forwards are retried)', withTimeout(60_000, async () => {
  const down = new Set(Array.from({ length: 10 }, (_, i) => 20 + i * 17))
  for (const i of down) net.setDown(swarm.nodes[i]!.udp.host, true)
  const got = new Set<number>()
  const subs = swarm.nodes.map((node, i) => node.sup.messages$(['gossip.note']).subscribe(() => got.add(i)))
  try {
    await swarm.nodes[1]!.request({ type: 'gossip.publish', topic: 'storm', data: new Uint8Array(1) } as Message)
    const live = N - down.size - 1
    await waitFor(
      async () =>
        (await Promise.all(swarm.nodes.filter((_, i) => !down.has(i)).map(gossipStats))).every(s => s.inFlight === 0) && got.size > 0,
      { timeout: 40_000, what: 'forwards settled' }
    )
    assert.ok(got.size >= 0.97 * live, `reached ${got.size} of ${live} live nodes`)
    for (const i of down) assert.not.ok(got.has(i))
    const failed = (await Promise.all(swarm.nodes.map(gossipStats))).reduce((n, s) => n + s.failed, 0)
    assert.ok(failed > 0, 'some forwards went to down nodes and were retried')
  } finally {
    for (const s of subs) s.unsubscribe()
    for (const i of down) net.setDown(swarm.nodes[i]!.udp.host, false)
  }
}))

sim.run()
