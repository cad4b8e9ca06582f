import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { firstValueFrom, last, map, mergeMap, of, delay, toArray } from 'rxjs'
import { encodeNodes, idToHex, isCrawlerProgress, isCrawlerResult, reply } from '@peerconnect/protocol'
import type { Message, NodeId, RoutingClosest, RoutingClosestReply, TransportQuery, TransportResponse } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { crawler } from '../src/index.js'
import { createSimNetwork } from './fixtures/sim-network.js'

const net = createSimNetwork(150, { seed: 31, latency: [1, 3] })
const origin = net.nodes[0]!

/** Inline stand-ins for routing and transport over the simulated network. */
const fakeRouting = defineActor<null>({
  name: 'routing',
  consumes: ['routing.closest'],
  create: () => in$ => in$.pipe(map(m => {
    const q = m as RoutingClosest
    return reply(m, { type: 'routing.closest.reply', contacts: net.seedsFor(origin, q.target, q.n) } satisfies RoutingClosestReply)
  }))
})

const fakeTransport = defineActor<null>({
  name: 'transport',
  consumes: ['transport.query'],
  create: () => in$ => in$.pipe(mergeMap(m => {
    const q = m as TransportQuery
    const node = net.byAddress(q.to.host, q.to.port)!
    const body: TransportResponse = { type: 'transport.response', from: q.to, id: node.id,
      r: { id: node.id, nodes: encodeNodes(net.findNode(node, q.a.target as NodeId)) }, rtt: node.latency, bytes: 300 }
    return of(reply(m, body)).pipe(delay(node.latency))
  }))
})

const worker = suite('crawler - in a worker')

worker('crawler - runs in a worker thread and streams a lookup through the supervisor', withTimeout(30_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(fakeRouting(null), { host: 'inline' })
    await sup.start(fakeTransport(null), { host: 'inline' })
    await sup.start(crawler({ id: origin.id }), { host: 'worker' })
    const target = net.randomId()
    const replies = await firstValueFrom(sup.ask({ type: 'crawler.lookup', target } as Message, { timeout: 20_000 }).pipe(toArray()))
    const result = replies[replies.length - 1]!
    assert.ok(isCrawlerResult(result), JSON.stringify(result))
    assert.ok(replies.slice(0, -1).every(isCrawlerProgress))
    assert.equal(result.closest.slice(0, 8).map(c => idToHex(c.id)), net.trueClosest(target, 8, origin).map(n => idToHex(n.id)))
    assert.ok(result.closest[0]!.id instanceof Uint8Array, 'ids survive the thread hop as Uint8Array')
    const found = await firstValueFrom(
      sup.ask({ type: 'crawler.find', id: net.nodes[77]!.id } as Message, { timeout: 20_000 }).pipe(last())
    )
    assert.ok(isCrawlerResult(found) && found.found !== null && found.found.port === net.nodes[77]!.port)
    assert.is(sup.stats().find(s => s.name === 'crawler')!.host, 'worker')
  } finally {
    await sup.stop()
  }
}))

worker.run()
