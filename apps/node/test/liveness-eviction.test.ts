/**
 * A full bucket meets a newcomer (docs/ARCHITECTURE.md, routing): routing asks liveness about the bucket's oldest
 * contact — a real node, reached over real UDP and TCP. Dead (its node stopped): it is evicted
 * with reason 'failed' and the newcomer admitted. Alive: it stays and the newcomer is dropped.
 *
 * The bucket is filled by publishing `transport.seen` (what the transport publishes for every
 * node it hears from) for the real node first, then for fake contacts with ids that share no
 * leading bit with ours (`randomIdWithPrefix(self, 0)`), at addresses of closed sockets.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import dgram from 'node:dgram'
import { firstValueFrom, filter, take, toArray } from 'rxjs'
import { commonPrefixLength, generateIdentity, idsEqual, isLivenessStatus, isRoutingPeerAdded, isRoutingPeerRemoved,
  randomIdWithPrefix } from '@peerconnect/protocol'
import type { Identity, Message, NodeId, TransportSeen } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createNode } from '../src/index.js'
import type { NodeOptions, PeerNode } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { contactOf, contactsOf } from './fixtures/node.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 60_000
const K = 20
const nodes: PeerNode[] = []

const eviction = suite('liveness - eviction from a full bucket')

eviction.after(hook(T, async () => {
  await Promise.all(nodes.map(async n => await n.stop()))
}))

eviction('eviction - the oldest contact is dead: a failed check evicts it (reason failed) and admits the newcomer',
  withTimeout(T, async () => {
    const { self, oldest } = await fullBucket()
    const newcomer = randomIdWithPrefix(self.id, 0)
    const events = collect(self, 2, [oldest.id, newcomer])
    await oldest.stop()
    await publishNewcomer(self, newcomer)
    const [removed, added] = await events
    assert.ok(isRoutingPeerRemoved(removed), `first routing.peer.removed, got ${removed?.type}`)
    assert.ok(idsEqual(removed.contact.id, oldest.id), 'the oldest contact was removed')
    assert.is(removed.reason, 'failed')
    assert.is(removed.contact.port, oldest.udp.port)
    assert.ok(isRoutingPeerAdded(added), `then routing.peer.added, got ${added?.type}`)
    assert.ok(idsEqual(added.contact.id, newcomer), 'the newcomer was admitted')
    assert.is(await contactOf(self, oldest.id), null)
    assert.ok(await contactOf(self, newcomer) !== null)
    const table = await contactsOf(self)
    assert.is(table.buckets[0], K, 'the bucket is still full')
  }))

eviction('eviction - the dead contact was checked over UDP, then TCP, and reported offline', withTimeout(T, async () => {
  const { self, oldest } = await fullBucket()
  const status = firstValueFrom(
    self.supervisor.messages$(['liveness.status']).pipe(filter(isLivenessStatus), filter(s => idsEqual(s.id, oldest.id)), take(1))
  )
  await oldest.stop()
  await publishNewcomer(self)
  const s = await status
  assert.is(s.alive, false)
  assert.is(s.host, oldest.udp.host)
  assert.is(s.port, oldest.udp.port)
}))

eviction('eviction - the oldest contact is alive: it stays, refreshed, and the newcomer is dropped', withTimeout(T, async () => {
  const { self, oldest } = await fullBucket()
  const seenBefore = (await contactOf(self, oldest.id))!.lastSeen
  const removals: Message[] = []
  const sub = self.supervisor.messages$(['routing.peer.removed']).subscribe(m => removals.push(m))
  try {
    const status = firstValueFrom(
      self.supervisor.messages$(['liveness.status']).pipe(filter(isLivenessStatus), filter(s => idsEqual(s.id, oldest.id)), take(1))
    )
    const newcomer = await publishNewcomer(self)
    assert.is((await status).alive, true, 'the check found it alive')
    // Routing settles the check by refreshing the oldest contact: wait for that, then look.
    await waitFor(async () => ((await contactOf(self, oldest.id))?.lastSeen ?? 0) > seenBefore, { timeout: 10_000,
      what: 'the oldest contact to be refreshed' })
    assert.is(await contactOf(self, newcomer), null, 'the newcomer was dropped')
    assert.equal(removals, [], 'nobody was removed')
    assert.is((await contactsOf(self)).buckets[0], K)
  } finally {
    sub.unsubscribe()
  }
}))

eviction('eviction - while the bucket has room, a newcomer is admitted without any check', withTimeout(T, async () => {
  const self = await node('roomy')
  const checks: Message[] = []
  const sub = self.supervisor.messages$(['liveness.status']).subscribe(m => checks.push(m))
  try {
    const ports = await closedPorts(K)
    for (let i = 0; i < K; i++) self.supervisor.publish(seen(randomIdWithPrefix(self.id, 0), ports[i]!))
    const table = await waitFor(async () => {
      const t = await contactsOf(self)
      return t.contacts.length === K ? t : undefined
    }, { what: `${K} contacts` })
    assert.is(table.buckets[0], K)
    assert.equal(checks, [], 'no liveness check while the bucket filled')
  } finally {
    sub.unsubscribe()
  }
}))

eviction.run()

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function node (name: string, opts: Partial<NodeOptions> = {}): Promise<PeerNode> {
  // These tests are about the least-recently-seen rule. Routing offers a contact that timed out
  // first instead (packages/routing/test/timeouts.test.ts covers that), and background lookups
  // can time out on the fake contacts at closed ports: so no timeout marks a contact failed here.
  const routing = { failAfterTimeouts: Number.MAX_SAFE_INTEGER }
  const n = await createNode({ name, host: LOOPBACK, identity: generateIdentity(), inline: true, log: silentLogger, routing, ...opts })
  nodes.push(n)
  return n
}

/**
 * A node whose bucket 0 is full: first a real node (the oldest contact), then K - 1 fake
 * contacts. Returns both nodes; the real one is still running.
 */
async function fullBucket (): Promise<{ self: PeerNode, oldest: PeerNode }> {
  const self = await node('self')
  const oldest = await node('oldest', { identity: identityFar(self.id) })
  self.supervisor.publish(seen(oldest.id, oldest.udp.port))
  const first = await waitFor(async () => await contactOf(self, oldest.id), { what: 'the real node in the table' })
  // Strictly later lastSeen for the fakes: the real node is the least recently seen.
  await waitFor(() => Date.now() > first.lastSeen, { interval: 1 })
  const ports = await closedPorts(K - 1)
  for (let i = 0; i < K - 1; i++) self.supervisor.publish(seen(randomIdWithPrefix(self.id, 0), ports[i]!))
  await waitFor(async () => (await contactsOf(self)).buckets[0] === K, { what: 'bucket 0 to fill' })
  return { self, oldest }
}

/** Publishes a newcomer (`id`, or a fresh one) for the full bucket; returns its id. */
async function publishNewcomer (self: PeerNode, id: NodeId = randomIdWithPrefix(self.id, 0)): Promise<NodeId> {
  const [port] = await closedPorts(1)
  self.supervisor.publish(seen(id, port!))
  return id
}

/**
 * The next `n` routing.peer.added / routing.peer.removed messages about the contacts `ids` (others
 * — a late event of the bucket's filling, say — are not what the test is about).
 */
function collect (self: PeerNode, n: number, ids: readonly NodeId[]): Promise<Message[]> {
  const about = (m: Message): boolean => (isRoutingPeerAdded(m) || isRoutingPeerRemoved(m)) && ids.some(id => idsEqual(id, m.contact.id))
  return firstValueFrom(self.supervisor.messages$(['routing.peer.added', 'routing.peer.removed']).pipe(filter(about), take(n), toArray()))
}

function seen (id: NodeId, port: number): TransportSeen {
  return { type: 'transport.seen', id, host: LOOPBACK, port }
}

/** An identity whose id shares no leading bit with `id` (so it lands in bucket 0). */
function identityFar (id: NodeId): Identity {
  for (;;) {
    const identity = generateIdentity()
    if (commonPrefixLength(identity.id, id) === 0) return identity
  }
}

/** Ports of UDP sockets bound on our loopback address and closed again: nobody answers there. */
async function closedPorts (n: number): Promise<number[]> {
  const ports: number[] = []
  for (let i = 0; i < n; i++) {
    const sock = dgram.createSocket('udp4')
    await new Promise<void>(resolve => sock.bind(0, LOOPBACK, resolve))
    ports.push(sock.address().port)
    await new Promise<void>(resolve => sock.close(() => resolve()))
  }
  return ports
}
