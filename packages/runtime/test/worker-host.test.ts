import { threadId as mainThreadId } from 'node:worker_threads'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { VirtualTimeScheduler, lastValueFrom, take, toArray } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { withTimeout, rejects, waitFor } from '@peerconnect/test-helpers'
import { createSupervisor } from '../src/supervisor.js'
import type { Supervisor, SupervisorOptions } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import { defineActor } from '../src/contract.js'
import { probe } from './fixtures/probe/index.js'

type Any = Message & Record<string, any>
const T = 30_000

function withSupervisor (fn: (sup: Supervisor) => Promise<void>, opts: SupervisorOptions = {}): () => Promise<void> {
  return withTimeout(T, async () => {
    const sup = createSupervisor({ log: silentLogger, restart: { min: 10 }, ...opts })
    try {
      await fn(sup)
    } finally {
      await sup.stop()
    }
  })
}
const one = async (sup: Supervisor, msg: Message, timeout?: number): Promise<Any> => await lastValueFrom(sup.ask(msg, { timeout })) as Any
const probeStats = (sup: Supervisor) => sup.stats().find(s => s.name === 'probe')!

const crashes = suite('worker host: crashes')

crashes('crash - a worker that throws an uncaught error is restarted with its snapshot', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'worker' })
  const first = probeStats(sup).threadId
  await one(sup, { type: 'probe.set', value: 'kept' } as Message)
  // Published, not asked: the worker dies a moment after replying, and under load its reply can
  // lose to the crash (the ask then rejects with ERR_ACTOR_RESTARTED).
  sup.publish({ type: 'probe.throw' })
  await waitFor(() => probeStats(sup).restarts === 1 && probeStats(sup).state === 'running')
  const r = await one(sup, { type: 'probe.get' })
  assert.equal(r.snapshot, { value: 'kept' })
  assert.is(r.value, 'kept')
  assert.is.not(probeStats(sup).threadId, first, 'a new thread')
}))

crashes('crash - a worker that calls process.exit(1) is restarted with its snapshot', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'worker' })
  await one(sup, { type: 'probe.set', value: 42 } as Message)
  sup.publish({ type: 'probe.exit' })
  await waitFor(() => probeStats(sup).restarts === 1 && probeStats(sup).state === 'running')
  assert.equal((await one(sup, { type: 'probe.get' })).snapshot, { value: 42 })
}))

crashes('crash - asks pending at a worker that exits get ERR_ACTOR_RESTARTED', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'worker' })
  const pending = rejects(one(sup, { type: 'probe.silent' }, 20_000), 'ERR_ACTOR_RESTARTED')
  sup.publish({ type: 'probe.exit' })
  await pending
  assert.is(sup.pendingAsks(), 0)
}))

crashes('crash - a supervisor that is stopping does not restart a worker', withTimeout(T, async () => {
  // Restart timers on virtual time: flush() runs every one the supervisor ever set, at once.
  const time = new VirtualTimeScheduler()
  const sup = createSupervisor({ log: silentLogger, restart: { min: 1 }, scheduler: time })
  try {
    await sup.start(probe({}), { host: 'worker' })
    sup.publish({ type: 'probe.exit' })
    await sup.stop()
    assert.is(probeStats(sup).state, 'stopped')
    assert.ok(probeStats(sup).restarts <= 1)
    time.flush()
    assert.is(probeStats(sup).state, 'stopped', 'no restart timer was left to fire')
  } finally {
    await sup.stop()
  }
}))

crashes('start - a worker module that does not exist fails start() and leaves no actor', withSupervisor(async (sup) => {
  const ghost = defineActor({ name: 'ghost', consumes: ['ghost.x'], worker: new URL('./fixtures/ghost/worker.js', import.meta.url),
    create: () => (in$) => in$ })
  const err = await rejects(sup.start(ghost(undefined), { host: 'worker' }), 'ERR_MODULE_NOT_FOUND')
  assert.ok(String(err.message).includes('ghost'))
  assert.is(sup.stats().length, 0)
}))

crashes('start - a spec with no worker module cannot start on the worker host', withSupervisor(async (sup) => {
  const local = defineActor({ name: 'local', consumes: ['local.x'], create: () => (in$) => in$ })
  await rejects(sup.start(local(undefined), { host: 'worker' }), 'ERR_NO_WORKER_ENTRY')
  await sup.start(local(undefined))
  assert.is(sup.stats()[0]!.host, 'inline', 'inline is the default without a worker module')
}))

crashes.run()

const data = suite('worker host: data plane')

data('batching - a burst emitted in one tick arrives complete and in order', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'worker' })
  const n = 5000
  const notes = lastValueFrom(sup.messages$(['probe.note']).pipe(take(n), toArray()))
  await one(sup, { type: 'probe.burst', n } as Message)
  const got = (await notes as Any[]).map(m => m.i)
  assert.is(got.length, n)
  assert.ok(got.every((v, i) => v === i), 'in order')
}))

data('batching - many asks in one tick are all answered, each to its asker', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'worker' })
  const replies = await Promise.all(Array.from({ length: 2000 }, async (_, i) => one(sup, { type: 'probe.echo', payload: i } as Message)))
  assert.ok(replies.every((r, i) => r.payload === i))
  await waitFor(() => probeStats(sup).queueDepth === 0, { what: 'the worker to acknowledge every message' })
  assert.is(probeStats(sup).messagesIn, 2000)
}))

data('bytes - Uint8Array fields survive the trip both ways', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'worker' })
  const bytes = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)
  const r = await one(sup, { type: 'probe.bytes', data: bytes } as Message)
  assert.is(r.isBytes, true, 'a Uint8Array inside the worker')
  assert.is(r.length, 300)
  assert.ok(r.data instanceof Uint8Array)
  assert.equal([...r.data], [...bytes])
}))

data('thread - the actor runs on its own thread, with its init and the package sources', withSupervisor(async (sup) => {
  await sup.start(probe({ tag: 'from-init' }), { host: 'worker' })
  const info = await one(sup, { type: 'probe.info' })
  assert.is.not(info.threadId, mainThreadId)
  assert.is(info.threadId, probeStats(sup).threadId)
  assert.is(info.tag, 'from-init')
  assert.is(info.name, 'probe')
  assert.is(info.hex, 'cafe')
  assert.ok(String(info.protocol).endsWith('/packages/protocol/src/index.ts'),
    `@peerconnect/protocol resolved to its sources, not dist: ${String(info.protocol)}`)
}))

data('stop - leaves no handles behind: no worker, port, timer or immediate', withTimeout(T, async () => {
  const before = process.getActiveResourcesInfo().sort()
  const sup = createSupervisor({ log: silentLogger })
  await sup.start(probe({}), { host: 'worker' })
  await one(sup, { type: 'probe.echo' })
  await sup.control('probe').stats()
  const during = process.getActiveResourcesInfo()
  assert.ok(during.length > before.length, 'the worker holds handles while it runs')
  await sup.stop()
  // A closed MessagePort lets go of its handle on a later turn of the loop (seen in CI: two ports
  // still listed one setImmediate after stop), so wait a bounded while; a leaked one stays.
  const now = (): string => process.getActiveResourcesInfo().sort().join()
  await waitFor(() => now() === before.join(), { timeout: 2000, what: `handles back to ${before.join()}` }).catch(() => undefined)
  assert.equal(process.getActiveResourcesInfo().sort(), before)
}))

data.run()
