import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { asyncScheduler, Observable, of, throwError } from 'rxjs'
import { closest, encodeNodes, idToHex, idsEqual, randomId } from '@peerconnect/protocol'
import type { Address, Message, NodeId, TransportQuery } from '@peerconnect/protocol'
import { testDeps } from '@peerconnect/runtime/testing'
import { withTimeout } from '@peerconnect/test-helpers'
import { runBootstrap } from '../src/bootstrap.js'
import type { BootstrapCounts } from '../src/bootstrap.js'
import { BOOTSTRAP_RETRIES, SELF_LOOKUP_K } from '../src/constants.js'
import type { CrawlerInit } from '../src/init.js'

const T = 5000

interface FakeNode {
  id: NodeId
  address: Address
}

/**
 * A fake transport: every node answers ping; the seed's first `seedLosses` find_node queries
 * time out (ERR_RPC_TIMEOUT), then it answers with `others`; the others answer with nobody.
 * routing.closest knows nobody. Every ask is recorded.
 */
function fakeNet (opts: { seedLosses: number, others?: number, pingsAnswered?: boolean }) {
  const seed: FakeNode = { id: randomId(), address: { host: '10.0.0.1', port: 6881 } }
  const others: FakeNode[] = Array.from({ length: opts.others ?? 5 },
    (_, i) => ({ id: randomId(), address: { host: '10.0.1.' + (i + 1), port: 6881 } }))
  const all = [seed, ...others]
  const asked: Message[] = []
  let seedFindNodes = 0
  const respond = (node: FakeNode, r: Record<string, unknown>): Observable<Message> =>
    of(
      { type: 'transport.response', re: 1, end: true, from: node.address, id: node.id, r: { id: node.id, ...r }, rtt: 5,
        bytes: 100 } as Message
    )
  const timeout = (): Observable<Message> =>
    throwError(() => Object.assign(new Error('no reply'), { code: 'ERR_RPC_TIMEOUT', name: 'ERR_RPC_TIMEOUT' }))
  const ask = (msg: Message): Observable<Message> => {
    asked.push(msg)
    if (msg.type === 'routing.closest') return of({ type: 'routing.closest.reply', re: 1, end: true, contacts: [] } as Message)
    const q = msg as TransportQuery
    const node = all.find(n => n.address.host === q.to.host && n.address.port === q.to.port)
    if (node === undefined) return timeout()
    if (q.q === 'ping') return opts.pingsAnswered === false ? timeout() : respond(node, {})
    if (node !== seed) return respond(node, { nodes: new Uint8Array(0) })
    if (seedFindNodes++ < opts.seedLosses) return timeout()
    return respond(node, { nodes: encodeNodes(others.map(o => ({ id: o.id, ...o.address }))) })
  }
  const deps = testDeps({ name: 'crawler', scheduler: asyncScheduler, ask })
  return { seed, others, deps, asked, seedFindNodes: () => seedFindNodes }
}

async function bootstrap (net: ReturnType<typeof fakeNet>, init: Partial<CrawlerInit> = {}): Promise<BootstrapCounts> {
  return await new Promise((resolve, reject) => {
    runBootstrap([net.seed.address], net.deps, { id: randomId(), ...init }).subscribe({ next: resolve, error: reject })
  })
}

const ownLookups = (net: ReturnType<typeof fakeNet>, self: NodeId): number =>
  net.asked.filter(m => m.type === 'routing.closest' && idsEqual((m as Message & { target: NodeId }).target, self)).length

const boot = suite('crawler bootstrap - one seed')

boot('bootstrap - the lone seed\'s find_node lost once: the own-id lookup runs again and meets the network', withTimeout(T, async () => {
  const net = fakeNet({ seedLosses: 1 })
  const id = randomId()
  const res = await bootstrap(net, { id, retries: 0 })
  assert.is(res.seedsAnswered, 1)
  assert.is(res.contacts, 1 + net.others.length, 'the seed and every node it named')
  assert.is(ownLookups(net, id), 2, 'one retry')
  // with the lookup's own retry (the default), the lookup asks the seed again itself
  const again = fakeNet({ seedLosses: 1 })
  const id2 = randomId()
  assert.is((await bootstrap(again, { id: id2 })).contacts, 1 + again.others.length)
  assert.is(ownLookups(again, id2), 1, 'one own-id lookup: it asked the silent seed again itself')
}))

boot('bootstrap - a seed whose find_node never answers is retried BOOTSTRAP_RETRIES times, then the bootstrap ends',
  withTimeout(T, async () => {
    const net = fakeNet({ seedLosses: Infinity })
    const id = randomId()
    const res = await bootstrap(net, { id, retries: 0 })
    assert.equal(res, { seedsAnswered: 1, contacts: 1 })
    assert.is(BOOTSTRAP_RETRIES, 2)
    assert.is(ownLookups(net, id), 1 + BOOTSTRAP_RETRIES)
    assert.is(net.seedFindNodes(), 1 + BOOTSTRAP_RETRIES, 'one find_node per attempt')
  }))

boot('bootstrap - bootstrapRetries is an option; 0 restores the single attempt', withTimeout(T, async () => {
  const once = fakeNet({ seedLosses: 1 })
  const id = randomId()
  assert.equal(await bootstrap(once, { id, bootstrapRetries: 0, retries: 0 }), { seedsAnswered: 1, contacts: 1 })
  assert.is(ownLookups(once, id), 1)
  const many = fakeNet({ seedLosses: 4 })
  const res = await bootstrap(many, { id, bootstrapRetries: 5, retries: 0 })
  assert.is(res.contacts, 1 + many.others.length)
  assert.is(ownLookups(many, id), 5, 'four lost, the fifth answered')
}))

boot('bootstrap - a seed that answers at once is not asked again for our id', withTimeout(T, async () => {
  const net = fakeNet({ seedLosses: 0 })
  const id = randomId()
  const res = await bootstrap(net, { id })
  assert.is(res.contacts, 1 + net.others.length)
  assert.is(ownLookups(net, id), 1)
  const met = new Set(
    net.asked.filter(m => m.type === 'transport.query' && (m as TransportQuery).q === 'find_node').map(m => (m as TransportQuery).to.host)
  )
  assert.ok(met.has(net.others[0]!.address.host), 'the named nodes were queried')
  assert.ok(net.others.every(o => idToHex(o.id).length === 40))
}))

boot('bootstrap - the own-id lookup is wide: it asks for 20 nodes and queries all of our 20 closest, not 8', withTimeout(T, async () => {
  const net = fakeNet({ seedLosses: 0, others: 30 })
  const id = randomId()
  await bootstrap(net, { id })
  const own = net.asked.filter((m): m is TransportQuery =>
    m.type === 'transport.query' && (m as TransportQuery).q === 'find_node' &&
    idsEqual((m as TransportQuery).a.target as NodeId, id)
  )
  assert.ok(own.length > 0 && own.every(q => q.a.n === SELF_LOOKUP_K), 'every own-id find_node asks for n = 20')
  const all = [net.seed, ...net.others]
  const closest20 = new Set(closest(all.map(o => o.id), id, 20).map(idToHex))
  const queried = new Set(own.map(q => q.to.host))
  for (const o of all) {
    if (closest20.has(idToHex(o.id))) assert.ok(queried.has(o.address.host), 'each of the 20 closest queried')
  }
}))

boot('bootstrap - no seed answered the ping: one lookup from routing, no retries', withTimeout(T, async () => {
  const net = fakeNet({ seedLosses: 0, pingsAnswered: false })
  const id = randomId()
  assert.equal(await bootstrap(net, { id }), { seedsAnswered: 0, contacts: 0 })
  assert.is(ownLookups(net, id), 1)
}))

boot.run()
