/**
 * A full node in worker mode (the default of `createNode`): transport inline on the main thread,
 * routing, crawler and liveness each in its own worker thread. Killing an actor's thread gets it
 * restarted with its last snapshot, and the node goes on answering with its contacts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { threadId as mainThreadId } from 'node:worker_threads'
import { generateIdentity, idsEqual, isLivenessResult, isTransportInfoReply } from '@peerconnect/protocol'
import type { Contact, LivenessCheck } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import type { ActorStats } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createNode, createSwarm } from '../src/index.js'
import type { PeerNode, Swarm } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { hexes, idFrom, prng, trueClosest } from './fixtures/ids.js'
import { contactKeys, contactsOf, findNodeAgainstTable, lookupExpecting, query } from './fixtures/node.js'
import { trackWorkers } from './fixtures/workers.js'
import type { WorkerTracker } from './fixtures/workers.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 60_000
const ACTORS = ['routing', 'crawler', 'liveness'] as const

const state = { swarm: undefined as Swarm | undefined, node: undefined as PeerNode | undefined,
  workers: undefined as WorkerTracker | undefined }
const swarm = (): Swarm => state.swarm!
const node = (): PeerNode => state.node!
const random = prng(0x3ead)

const workers = suite('node - actors in worker threads')

workers.before(hook(T, async () => {
  state.workers = trackWorkers()
  state.swarm = await createSwarm(12, { host: LOOPBACK })
  // Snapshots soon after each change, so a killed routing worker comes back with the whole table.
  state.node = await createNode({ name: 'threaded', host: LOOPBACK, identity: generateIdentity(), log: silentLogger,
    routing: { snapshotDelay: 100 } })
  await state.node.bootstrap([state.swarm.nodes[0]!.udp])
}))
workers.after(hook(T, async () => {
  await state.node?.stop()
  await state.swarm?.stop()
  state.workers?.restore()
}))

workers('workers - routing, crawler and liveness run in workers with distinct thread ids; transport inline', () => {
  const stats = node().supervisor.stats()
  const of = (name: string): ActorStats => stats.find(s => s.name === name)!
  assert.is(of('transport').host, 'inline')
  assert.is(of('transport').threadId, mainThreadId)
  for (const name of ACTORS) {
    assert.is(of(name).host, 'worker', `${name} host`)
    assert.is(of(name).state, 'running')
    assert.ok(of(name).threadId !== mainThreadId, `${name} off the main thread`)
    assert.ok(state.workers!.byThreadId(of(name).threadId) !== undefined, `${name}'s thread is a live Worker`)
  }
  assert.is(new Set(ACTORS.map(n => of(n).threadId)).size, 3, 'one thread each')
})

workers('workers - the node joined the swarm: contacts, find_node answers and lookups from the worker actors', withTimeout(T, async () => {
  const table = await contactsOf(node())
  assert.ok(table.contacts.length >= 8, `${table.contacts.length} contacts`)
  const asker = swarm().nodes[4]!
  const target = idFrom(random)
  const { nodes, table: answer } = await findNodeAgainstTable(asker, node(), target)
  assert.is(nodes.length, 8)
  assert.equal(hexes(nodes), hexes(answer), 'find_node is answered with what the table answers')
  const info = await node().request({ type: 'transport.info' })
  assert.ok(isTransportInfoReply(info))
  assert.ok(info.stats.viewAnswers! >= 1, 'answered on the main thread from routing\'s published view, not by a trip to its worker')
  const later = await contactsOf(node())
  assert.ok(info.stats.viewContacts! >= 8 && info.stats.viewContacts! <= later.contacts.length,
    'the view holds the table (less any failed contact)')
  const truth = trueClosest(swarm().nodes.map(n => n.id), target, 8)
  const res = await lookupExpecting(node(), target, truth)
  assert.equal(hexes(res.closest.slice(0, 8)), hexes(truth))
}))

workers('workers - a killed routing worker is restarted with its snapshot and answers find_node with its contacts',
  withTimeout(T, async () => {
    const before = await contactsOf(node())
    const control = node().supervisor.control('routing')
    await waitFor(async () => contactKeys(snapshotContacts(await control.snapshot())).join() === contactKeys(before.contacts).join(), {
      timeout: 10_000,
      what: 'a routing snapshot holding the whole table'
    })
    const old = statsOf(node(), 'routing')
    await state.workers!.byThreadId(old.threadId)!.terminate()
    const now = await waitFor(() => {
      const s = statsOf(node(), 'routing')
      return s.restarts === 1 && s.state === 'running' && s.threadId !== old.threadId ? s : undefined
    }, { timeout: 20_000, what: 'routing to be restarted' })
    assert.is(now.host, 'worker')
    assert.ok(state.workers!.byThreadId(now.threadId) !== undefined, 'in a new Worker')
    const after = await contactsOf(node())
    assert.equal(contactKeys(after.contacts), contactKeys(before.contacts), 'the same table, from the snapshot')
    const asker = swarm().nodes[7]!
    const target = idFrom(random)
    const { nodes, table: answer } = await findNodeAgainstTable(asker, node(), target)
    assert.is(nodes.length, 8)
    assert.equal(hexes(nodes), hexes(answer), 'find_node answered from the restored table')
    const known = new Set(contactKeys(after.contacts).map(k => k.slice(0, 40)))
    assert.ok(nodes.every(n => known.has(hexes([n])[0]!)), 'every node named is in the restored table')
    const pong = await query(asker, node().udp, 'ping')
    assert.ok(idsEqual(pong.id, node().id))
  }))

workers('workers - a killed crawler or liveness worker comes back, and lookups and checks work again', withTimeout(T, async () => {
  for (const name of ['crawler', 'liveness'] as const) {
    const old = statsOf(node(), name)
    await state.workers!.byThreadId(old.threadId)!.terminate()
    await waitFor(() => {
      const s = statsOf(node(), name)
      return s.restarts === old.restarts + 1 && s.state === 'running' && s.threadId !== old.threadId
    }, { timeout: 20_000, what: `${name} to be restarted` })
  }
  const target = idFrom(random)
  const truth = trueClosest(swarm().nodes.map(n => n.id), target, 8)
  const res = await lookupExpecting(node(), target, truth)
  assert.equal(hexes(res.closest.slice(0, 8)), hexes(truth), 'a lookup through the new crawler')
  const peer = swarm().nodes[3]!
  const ask: LivenessCheck = { type: 'liveness.check', id: peer.id, host: peer.udp.host, port: peer.udp.port }
  const check = await node().request(ask, { timeout: 20_000 })
  assert.ok(isLivenessResult(check), `a liveness.result, got ${check.type}`)
  assert.is(check.alive, true)
  assert.is(check.via, 'udp')
  assert.is(statsOf(node(), 'transport').restarts, 0, 'the transport was never touched')
}))

workers('workers - stopping the node ends every worker thread and leaves no ask open', withTimeout(T, async () => {
  const threads = ACTORS.map(name => state.workers!.byThreadId(statsOf(node(), name).threadId)!)
  const exits = threads.map(async w => await new Promise<void>(resolve => w.once('exit', () => resolve())))
  await node().stop()
  await Promise.all(exits)
  assert.ok(node().supervisor.stats().every(s => s.state === 'stopped'), 'every actor stopped')
  assert.is(node().supervisor.pendingAsks(), 0)
  assert.ok(threads.every(w => w.threadId === -1), 'the actors\' threads have ended')
}))

workers.run()

function statsOf (n: PeerNode, name: string): ActorStats {
  const s = n.supervisor.stats().find(x => x.name === name)
  if (s === undefined) throw new Error(`no actor ${name}`)
  return s
}

function snapshotContacts (snapshot: unknown): Contact[] {
  const contacts = (snapshot as { contacts?: unknown } | undefined)?.contacts
  return Array.isArray(contacts) ? contacts as Contact[] : []
}
