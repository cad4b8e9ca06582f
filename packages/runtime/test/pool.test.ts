import { threadId as mainThreadId } from 'node:worker_threads'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { withTimeout, rejects } from '@peerconnect/test-helpers'
import { createComputePool } from '../src/pool.js'
import type { LocalComputePool } from '../src/pool.js'
import type { ComputePool } from '../src/contract.js'
import { createSupervisor } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import { probe } from './fixtures/probe/index.js'

type Any = Message & Record<string, any>
const T = 30_000
const TASKS = new URL('./fixtures/tasks.js', import.meta.url).href
const TASKS_TS = new URL('./fixtures/tasks.ts', import.meta.url).href

function withPool (fn: (pool: LocalComputePool) => Promise<void>): () => Promise<void> {
  return withTimeout(T, async () => {
    const pool = createComputePool({ threads: 2 })
    try {
      await fn(pool)
    } finally {
      await pool.close()
    }
  })
}

const direct = suite('pool: direct')

direct('pool - a task runs off the main thread', withPool(async (pool) => {
  const r = await pool.run<{ threadId: number }>({ module: TASKS, name: 'whereAmI' }, undefined)
  assert.type(r.threadId, 'number')
  assert.is.not(r.threadId, mainThreadId)
}))

direct('pool - arguments and results cross the thread, bytes included', withPool(async (pool) => {
  assert.is(await pool.run({ module: TASKS, name: 'square' }, 12), 144)
  assert.is(await pool.run({ module: TASKS_TS, name: 'hex' }, new Uint8Array([1, 2, 254])), '0102fe')
}))

direct('pool - a task error keeps its name and code', withPool(async (pool) => {
  const err = await rejects(pool.run({ module: TASKS, name: 'fail' }, null), 'ERR_TASK_FAILED')
  assert.is(err.name, 'TaskError')
  assert.is(err.message, 'task failed')
}))

direct('pool - a missing export errors with ERR_POOL_TASK_NOT_FOUND', withPool(async (pool) => {
  await rejects(pool.run({ module: TASKS, name: 'nope' }, null), 'ERR_POOL_TASK_NOT_FOUND')
  assert.is(await pool.run({ module: TASKS, name: 'square' }, 3), 9, 'the pool still works')
}))

direct('pool - a task module that does not exist rejects with its load error; others still run', withPool(async (pool) => {
  const missing = new URL('./fixtures/no-such-tasks.js', import.meta.url).href
  const err = await rejects(pool.run({ module: missing, name: 'x' }, null), 'ERR_MODULE_NOT_FOUND')
  assert.ok(String(err.message).includes('no-such-tasks'))
  assert.is(await pool.run({ module: TASKS, name: 'square' }, 6), 36)
}))

direct('pool - concurrent tasks all complete, on at most `threads` pool threads, never the main one', withPool(async (pool) => {
  const threads = new Set<number>()
  const runs = Array.from({ length: 8 }, async () => {
    await pool.run({ module: TASKS, name: 'sleep' }, 20)
    threads.add((await pool.run<{ threadId: number }>({ module: TASKS, name: 'whereAmI' }, undefined)).threadId)
  })
  await Promise.all(runs)
  assert.ok(threads.size >= 1 && threads.size <= pool.threads)
  assert.not.ok(threads.has(mainThreadId))
}))

direct('pool - an aborted task rejects with ERR_ABORTED', withPool(async (pool) => {
  const controller = new AbortController()
  const running = rejects(pool.run({ module: TASKS, name: 'sleep' }, 60_000, { signal: controller.signal }), 'ERR_ABORTED')
  controller.abort()
  await running
  await rejects(pool.run({ module: TASKS, name: 'sleep' }, 1, { signal: controller.signal }), 'ERR_ABORTED')
}))

direct('pool - a burst beyond maxQueue is refused with ERR_POOL_BUSY at once; the queue never grows past it', withTimeout(T, async () => {
  const pool = createComputePool({ threads: 1, maxQueue: 4 })
  try {
    const results = Array.from({ length: 50 },
      async () => await pool.run({ module: TASKS, name: 'sleep' }, 30).then(() => 'ran', (e: { code?: string }) => e.code))
    assert.is(pool.running, 1)
    assert.is(pool.queued, 4, 'one running, four waiting, the rest refused')
    const codes = await Promise.all(results)
    assert.is(codes.filter(c => c === 'ran').length, 5)
    assert.is(codes.filter(c => c === 'ERR_POOL_BUSY').length, 45)
    assert.is(pool.queued, 0)
    assert.is(await pool.run({ module: TASKS, name: 'square' }, 7), 49, 'free again once drained')
  } finally {
    await pool.close()
  }
}))

direct('pool - an aborted task that waits for a thread leaves the queue and never runs', withTimeout(T, async () => {
  const pool = createComputePool({ threads: 1, maxQueue: 4 })
  try {
    const blocker = pool.run({ module: TASKS, name: 'sleep' }, 200)
    const controller = new AbortController()
    const waiting = rejects(pool.run({ module: TASKS, name: 'fail' }, null, { signal: controller.signal }), 'ERR_ABORTED')
    const other = pool.run({ module: TASKS, name: 'square' }, 3)
    assert.is(pool.queued, 2)
    controller.abort()
    await waiting
    assert.is(pool.queued, 1, 'the aborted task was removed from the queue')
    assert.is(await blocker, 'slept')
    assert.is(await other, 9, 'the task behind it ran; the aborted one (it would fail) never did')
  } finally {
    await pool.close()
  }
}))

direct('pool - a closed pool refuses tasks with ERR_POOL_CLOSED and holds no threads', withTimeout(T, async () => {
  const before = process.getActiveResourcesInfo().length
  const pool = createComputePool({ threads: 1 })
  assert.is(pool.threads, 1)
  assert.is(await pool.run({ module: TASKS, name: 'square' }, 4), 16)
  await pool.close()
  await rejects(pool.run({ module: TASKS, name: 'square' }, 4), 'ERR_POOL_CLOSED')
  await new Promise(resolve => setImmediate(resolve))
  assert.is(process.getActiveResourcesInfo().length, before)
}))

direct.run()

const fromActors = suite('pool: from actors')

for (const host of ['inline', 'worker'] as const) {
  fromActors(`pool - an ${host} actor runs a task on the shared pool, off its thread`, withTimeout(T, async () => {
    const pool = createComputePool({ threads: 1 })
    const calls: string[] = []
    const counted: ComputePool = { run: async (task, arg, opts) => {
      calls.push(task.name ?? '')
      return pool.run(task, arg, opts)
    } }
    const sup = createSupervisor({ log: silentLogger, pool: counted })
    try {
      await sup.start(probe({}), { host: host })
      const r = await lastValueFrom(sup.ask({ type: 'probe.pool', module: TASKS, name: 'whereAmI' } as Message)) as Any
      const actorThread = sup.stats()[0]!.threadId
      assert.is(r.threadId, actorThread, 'the reply came from the actor thread')
      assert.is.not(r.value.threadId, actorThread, 'the task ran elsewhere')
      assert.is.not(r.value.threadId, mainThreadId)
      assert.equal(calls, ['whereAmI'], 'through the supervisor\'s pool')
      await rejects(lastValueFrom(sup.ask({ type: 'probe.pool', module: TASKS, name: 'fail' } as Message)), 'ERR_TASK_FAILED')
    } finally {
      await sup.stop()
      await pool.close()
    }
  }))
}

fromActors('pool - a worker actor that gives up a task frees its place in the main thread\'s queue', withTimeout(T, async () => {
  const pool = createComputePool({ threads: 1, maxQueue: 4 })
  const sup = createSupervisor({ log: silentLogger, pool })
  try {
    await sup.start(probe({}), { host: 'worker' })
    const blocker = pool.run({ module: TASKS, name: 'sleep' }, 1000)
    const given = lastValueFrom(sup.ask({ type: 'probe.pool', module: TASKS, name: 'square', arg: 2, abortAfter: 100 } as Message)).catch((
      e: { code?: string }
    ) => e.code)
    for (let i = 0; i < 100 && pool.queued === 0; i++) await new Promise(resolve => setTimeout(resolve, 5))
    assert.is(pool.queued, 1, 'the worker actor\'s task waits behind the blocker')
    assert.is(await given, 'ERR_ABORTED')
    for (let i = 0; i < 100 && pool.queued !== 0; i++) await new Promise(resolve => setTimeout(resolve, 5))
    assert.is(pool.queued, 0, 'cancelled across the thread, before the blocker ended')
    assert.is(pool.running, 1)
    await blocker
  } finally {
    await sup.stop()
    await pool.close()
  }
}))

fromActors('pool - a supervisor without a pool owns one and closes it on stop', withTimeout(T, async () => {
  const before = process.getActiveResourcesInfo().length
  const sup = createSupervisor({ log: silentLogger })
  await sup.start(probe({}), { host: 'inline' })
  const r = await lastValueFrom(sup.ask({ type: 'probe.pool', module: TASKS, name: 'square', arg: 5 } as Message)) as Any
  assert.is(r.value, 25)
  await sup.stop()
  await new Promise(resolve => setImmediate(resolve))
  assert.is(process.getActiveResourcesInfo().length, before)
}))

fromActors.run()
