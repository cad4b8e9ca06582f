/**
 * Faults on a running `peerconnect start` node in worker mode (fixtures/fault-node.ts: the same
 * start code path, with `allowFaults`, driven over IPC; the binary has no flag or route for it).
 * The node joins a 12-node swarm on this file's loopback address and holds directory records.
 * Then each actor in turn is made to throw inside a handler (the asker gets an ERR_FAULT_INJECTED
 * error reply; no restart), to throw an uncaught error, and to call process.exit in its worker
 * (each restarted with its last snapshot; /api/status counts it). Throughout, the node answers
 * `ping` and `find_node` from a real UDP KRPC client, and its routing table and held records
 * survive. Restart times are printed: the goal is 1 s; the bound asserted is for a loaded machine.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { idToHex, isListsStatsReply, isRoutingContactsReply, parseIdHex, randomId } from '@peerconnect/protocol'
import type { Contact, ListsStatsReply, Message, NodeId } from '@peerconnect/protocol'
import type { ActorStats } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createSwarm } from '../src/index.js'
import type { Swarm } from '../src/index.js'
import { answersThroughout, krpcClient, startFaultNode } from './fixtures/fault-harness.js'
import type { FaultNode, KrpcClient } from './fixtures/fault-harness.js'
import { hook } from './fixtures/hook.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 120_000
/** The actors on worker threads in `peerconnect start` (the transport runs on the main thread). */
const WORKER_ACTORS = ['routing', 'crawler', 'liveness', 'lists', 'gossip', 'ui-bridge'] as const
/** How soon a crashed actor runs again: the supervisor's first restart delay is 100 ms, then a new thread loads its module. */
const RESTART_BOUND = 1_000
/**
 * The same on a loaded machine (what the test asserts; the times are printed, and `pnpm bench:node` measures them):
 * restarts took 2–4 s at a load average of 34, and the ui-bridge 17 s before its worker was bundled.
 */
const RESTART_BOUND_LOADED = 45_000
/** Per actor, a request type it consumes and answers at once, to arm a throw in its handler. */
const HANDLER_PROBES: Readonly<Record<string, string>> = {
  transport: 'transport.info',
  routing: 'routing.contacts',
  crawler: 'crawler.stats',
  liveness: 'liveness.check',
  lists: 'lists.stats',
  gossip: 'gossip.stats',
  'ui-bridge': 'ui.info'
}
/**
 * The actors built on the runtime's actor kit, whose handler table turns a throw into an error
 * reply: for these the fault must land. Another actor that answers normally is noted and skipped
 * (one moved onto the kit since this list was written is tested all the same).
 */
const KIT_ACTORS = new Set(['transport', 'routing', 'crawler', 'liveness', 'gossip', 'ui-bridge'])

const state = {
  swarm: undefined as Swarm | undefined,
  node: undefined as FaultNode | undefined,
  client: undefined as KrpcClient | undefined,
  dir: mkdtempSync(join(tmpdir(), 'pc-faults-')),
  id: undefined as NodeId | undefined,
  times: [] as Array<{ actor: string, fault: string, ms: number }>
}
const node = (): FaultNode => state.node!

const faults = suite('faults - a running peerconnect start node in worker mode')

faults.before(hook(T, async () => {
  state.swarm = await createSwarm(12, { host: LOOPBACK, node: { lists: { announceInterval: 2_000 } } })
  const seed = state.swarm.nodes[0]!.udp
  state.node = await startFaultNode(['--name', 'faulty', '--host', LOOPBACK, '--port', '0', '--api', `${LOOPBACK}:0`, '--data-dir',
    state.dir, '--no-mdns', '--exempt-loopback', '--json', '--bootstrap', `${seed.host}:${seed.port}`])
  state.id = parseIdHex(String(node().ready.id))
  state.client = await krpcClient(LOOPBACK, randomId())
  // The node has a table and holds records (the swarm announces every 2 s to each list's 8 closest).
  await waitFor(async () => (await contacts()).length >= 8, { timeout: 30_000, interval: 200, what: 'a table of 8 contacts' })
  await waitFor(async () => (await listsStats()).records >= 1, { timeout: 60_000, interval: 200, what: 'a held record' })
}))

faults.after(hook(T, async () => {
  process.stdout.write(`restart times (ms): ${JSON.stringify(state.times)}\n`)
  await state.client?.close()
  await state.node?.stop()
  await state.swarm?.stop()
  rmSync(state.dir, { recursive: true, force: true })
}))

faults('faults - every actor but the transport runs on a worker thread; /api/status lists them with no restart',
  withTimeout(T, async () => {
    const stats = await node().stats()
    for (const name of WORKER_ACTORS) {
      const s = stats.find(x => x.name === name)
      assert.ok(s !== undefined, name)
      assert.is(s.host, 'worker', `${name} on a worker thread`)
      assert.is(s.state, 'running')
    }
    assert.is(stats.find(x => x.name === 'transport')?.host, 'inline')
    const status = await apiStatus()
    assert.equal(status.actors.map(a => a.restarts), status.actors.map(() => 0))
    assert.ok(WORKER_ACTORS.every(name => status.actors.some(a => a.name === name)))
  }))

// ── a throw inside a handler: an error reply, no restart ─────────────────────────────────────

for (const [actor, on] of Object.entries(HANDLER_PROBES)) {
  faults(`faults - ${actor}: a throw inside its ${on} handler is an error reply to the asker; no restart, the node answering throughout`,
    withTimeout(T, async () => {
      const before = await settledState(actor)
      const old = statsOf(await node().stats(), actor)
      const { value: code, failures } = await answersThroughout(state.client!, { udp: node().udp, id: state.id! }, async () => {
        await node().fault(actor, { kind: 'throw', on })
        const code = await node().ask(probeMessage(on), 10_000).then(() => 'answered', (err: { code?: string }) => err.code)
        // The actor kept running: the same request is answered now.
        await node().ask(probeMessage(on), 10_000)
        return code
      }, { timeout: 25_000 })
      if (!KIT_ACTORS.has(actor) && code === 'answered') {
        // actor.fault reaches the handlers of actors built on the runtime's kit only.
        process.stdout.write(`${actor} is not on the actor kit yet: its handler fault is not tested\n`)
        return
      }
      assert.is(code, 'ERR_FAULT_INJECTED', 'the asker got the error reply')
      assert.equal(failures, [], `${actor}: every ping and find_node answered`)
      const now = statsOf(await node().stats(), actor)
      assert.is(now.restarts, old.restarts, 'not restarted')
      assert.is(now.threadId, old.threadId, 'the same thread')
      await assertSurvived(actor, before)
      assert.is((await apiStatus()).actors.find(a => a.name === actor)?.restarts, old.restarts)
    }))
}

// ── an uncaught error and process.exit in its worker: restarted with its snapshot ───────────

for (const kind of ['uncaught', 'exit'] as const) {
  for (const actor of WORKER_ACTORS) {
    const what = kind === 'uncaught' ? 'an uncaught error in its worker' : 'process.exit in its worker'
    faults(`faults - ${actor}: ${what}: restarted with its snapshot, /api/status counts it, the node answering throughout`,
      withTimeout(T, async () => {
        const before = await settledState(actor)
        const old = statsOf(await node().stats(), actor)
        const { value: ms, failures, asked } = await answersThroughout(state.client!, { udp: node().udp, id: state.id! }, async () => {
          const t0 = performance.now()
          // The worker may die before its control plane answers the call (then it rejects): the
          // restart below is what shows the fault took.
          await node().fault(actor, kind === 'uncaught' ? { kind } : { kind, code: 3 }).catch(() => {})
          await waitFor(async () => {
            const s = statsOf(await node().stats(), actor)
            return s.restarts === old.restarts + 1 && s.state === 'running' && s.threadId !== old.threadId
          }, { timeout: RESTART_BOUND_LOADED, interval: 10, what: `${actor} to run again` })
          return performance.now() - t0
        }, { timeout: 25_000 })
        state.times.push({ actor, fault: kind, ms: Math.round(ms) })
        assert.equal(failures, [], `${actor}: every ping and find_node answered (${asked} rounds)`)
        await assertSurvived(actor, before)
        if (actor === 'ui-bridge') {
          // Running again means subscribed; its server listens a moment later, on the port it had (its snapshot).
          const [info] = await node().ask({ type: 'ui.info' }, 10_000)
          assert.is((info as { url?: string } | undefined)?.url, node().api, 'the API came back on its address')
        }
        const status = await apiStatus()
        assert.is(status.actors.find(a => a.name === actor)?.restarts, old.restarts + 1, '/api/status counts the restart')
      }))
  }
}

faults('faults - each worker actor was restarted twice (its own two faults), the transport never; the node stops cleanly',
  withTimeout(T, async () => {
    const status = await apiStatus()
    for (const name of WORKER_ACTORS) assert.is(status.actors.find(a => a.name === name)?.restarts, 2, name)
    assert.is(status.actors.find(a => a.name === 'transport')?.restarts, 0)
    const worst = Math.max(...state.times.map(t => t.ms))
    process.stdout.write(`slowest restart ${worst} ms (goal ${RESTART_BOUND} ms)\n`)
    const exit = await node().stop()
    assert.equal(exit, { code: 0, signal: null }, `stopped cleanly; stderr: ${node().stderr().slice(-2000)}`)
  }))

faults.run()

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Before {
  contacts: string[]
  records: number
}

/**
 * What must survive `actor`'s restart, once its snapshot holds it: the routing table (routing's
 * snapshot holds every contact) and the held records (lists' snapshot holds every one).
 */
async function settledState (actor: string): Promise<Before> {
  const table = await contacts()
  const records = (await listsStats()).records
  if (actor === 'routing') {
    await waitFor(async () => keys(snapshotContacts(await node().snapshot('routing'))).join() === keys(await contacts()).join(), {
      timeout: 30_000,
      interval: 100,
      what: 'a routing snapshot holding the whole table'
    })
  }
  if (actor === 'lists') {
    await waitFor(async () => heldIn(await node().snapshot('lists')) >= (await listsStats()).records, { timeout: 30_000, interval: 100,
      what: 'a lists snapshot holding every record' })
  }
  return { contacts: keys(table), records: actor === 'lists' ? heldIn(await node().snapshot('lists')) : records }
}

async function assertSurvived (actor: string, before: Before): Promise<void> {
  const after = keys(await contacts())
  const lost = before.contacts.filter(k => !after.includes(k))
  assert.equal(lost, [], `${actor}: the routing table kept every contact`)
  const records = (await listsStats()).records
  assert.ok(records >= before.records, `${actor}: ${records} records held after, ${before.records} before`)
}

async function contacts (): Promise<Contact[]> {
  const [r] = await node().ask({ type: 'routing.contacts' }, 10_000)
  if (!isRoutingContactsReply(r)) throw new Error(`routing.contacts gave ${r?.type}`)
  return r.contacts
}

async function listsStats (): Promise<ListsStatsReply> {
  const [r] = await node().ask({ type: 'lists.stats' }, 10_000)
  if (!isListsStatsReply(r)) throw new Error(`lists.stats gave ${r?.type}`)
  return r
}

async function apiStatus (): Promise<{ actors: Array<{ name: string, restarts: number }> }> {
  const res = await fetch(`${node().api}/api/status`)
  assert.is(res.status, 200)
  return await res.json() as { actors: Array<{ name: string, restarts: number }> }
}

function statsOf (stats: readonly ActorStats[], name: string): ActorStats {
  const s = stats.find(x => x.name === name)
  if (s === undefined) throw new Error(`no actor ${name}`)
  return s
}

const keys = (cs: ReadonlyArray<{ id: NodeId }>): string[] => cs.map(c => idToHex(c.id)).sort()

function snapshotContacts (snapshot: unknown): Contact[] {
  const cs = (snapshot as { contacts?: unknown } | undefined)?.contacts
  return Array.isArray(cs) ? cs as Contact[] : []
}

/** Records in a lists snapshot. */
function heldIn (snapshot: unknown): number {
  const held = (snapshot as { held?: unknown } | undefined)?.held
  return Array.isArray(held) ? held.reduce((n: number, h: { records?: unknown[] }) => n + (h.records?.length ?? 0), 0) : 0
}

/** A well-formed request of `type` (the handler is armed to throw: its content is never read). */
function probeMessage (type: string): Message {
  if (type === 'liveness.check') return { type, id: randomId(), host: LOOPBACK, port: 9 } as Message
  return { type }
}
