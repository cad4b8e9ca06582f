/**
 * The supervisor's watchdog: an actor whose output has gone dead while its input still flows (it
 * stopped answering, and no error reached the supervisor) is restarted with its last snapshot.
 * Inline host in virtual time; worker host in real time with short settings.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, VirtualTimeScheduler } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createSupervisor } from '../src/supervisor.js'
import type { Supervisor } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import type { ActorSpec } from '../src/contract.js'
import { probeTypeOf, watchdogSettings } from '../src/watchdog.js'
import { WATCHDOG_DEADLINE, WATCHDOG_INTERVAL } from '../src/constants.js'
import { probe } from './fixtures/probe/index.js'

type Any = Message & Record<string, any>

const one = async (sup: Supervisor, msg: Message, timeout?: number): Promise<Any> => await lastValueFrom(sup.ask(msg, { timeout })) as Any
/** The probe actor, watched through `probe.echo`. */
const watched = (): ActorSpec => ({ ...probe({}), probe: 'probe.echo' })
const tick = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
}

/**
 * Moves virtual time to `t` in steps of 100 ms, letting microtasks run after each (replies travel
 * on microtasks: a probe and its deadline must not fall in one step).
 */
async function runUntil (vts: VirtualTimeScheduler, t: number): Promise<void> {
  while (vts.now() < t) {
    const next = Math.min(t, vts.now() + 100)
    vts.schedule(() => {}, next - vts.now())
    vts.maxFrames = next
    vts.flush()
    await tick()
  }
}

const inline = suite('watchdog: inline host, virtual time')

inline('watchdog - an actor that stops answering while its input flows is restarted with its last snapshot',
  withTimeout(10_000, async () => {
    const vts = new VirtualTimeScheduler()
    const sup = createSupervisor({ log: silentLogger, scheduler: vts, restart: { min: 10 }, watchdog: { interval: 1000, deadline: 500 } })
    try {
      await sup.start(watched(), { host: 'inline' })
      await one(sup, { type: 'probe.set', value: 42 } as Message)
      await runUntil(vts, 2100)
      assert.is(sup.stats()[0]!.restarts, 0, 'answered probes: left alone')
      assert.ok(sup.stats()[0]!.messagesIn >= 3, 'it was probed')

      sup.publish({ type: 'probe.mute' })
      await tick()
      let outcome: unknown
      sup.ask({ type: 'probe.get' }, { timeout: 60_000 }).subscribe({ next: m => {
        outcome = m
      }, error: (e: unknown) => {
        outcome = e
      } })
      sup.publish({ type: 'probe.note' })
      await runUntil(vts, 3400)
      assert.is(outcome, undefined, 'the muted actor takes its input but answers nothing')
      assert.is(sup.stats()[0]!.restarts, 0, 'not yet: the probe is within its deadline')
      assert.is(sup.pendingAsks(), 1, 'the probe waiting for its reply is not counted, probe.get is')
      await runUntil(vts, 3600)
      const s = sup.stats()[0]!
      assert.is(s.restarts, 1, 'restarted after the missed deadline')
      assert.is(s.state, 'running')
      assert.is((outcome as { code?: unknown })?.code, 'ERR_ACTOR_RESTARTED', 'the ask it held fails')
      assert.is((await one(sup, { type: 'probe.get' })).value, 42, 'the new incarnation has the last snapshot')

      await runUntil(vts, 6000)
      assert.is(sup.stats()[0]!.restarts, 1, 'the new incarnation answers its probes')
    } finally {
      await sup.stop()
    }
  }))

inline('watchdog - off with watchdog: false, and an actor with no probe request is not watched', withTimeout(10_000, async () => {
  for (const [opts, spec] of [[false, watched()], [{ interval: 1000, deadline: 500 }, probe({})]] as const) {
    const vts = new VirtualTimeScheduler()
    const sup = createSupervisor({ log: silentLogger, scheduler: vts, restart: { min: 10 }, watchdog: opts })
    try {
      await sup.start(spec, { host: 'inline' })
      sup.publish({ type: 'probe.mute' })
      await runUntil(vts, 10_000)
      assert.is(sup.stats()[0]!.restarts, 0)
      assert.is(sup.stats()[0]!.messagesIn, 1, 'never probed')
    } finally {
      await sup.stop()
    }
  }
}))

inline('watchdog - the probe request: the spec’s, else <name>.stats when consumed; settings are checked', () => {
  const spec = (consumes: string[], p?: string | false): ActorSpec => ({ name: 'w', consumes, init: undefined, run: () => {
    throw new Error('unused')
  }, ...(p === undefined ? {} : { probe: p }) })
  assert.is(probeTypeOf(spec(['w.stats', 'w.x'])), 'w.stats')
  assert.is(probeTypeOf(spec(['w.x'])), undefined)
  assert.is(probeTypeOf(spec(['w.stats', 'w.x'], 'w.x')), 'w.x')
  assert.is(probeTypeOf(spec(['w.stats'], false)), undefined)
  assert.equal(watchdogSettings(undefined), { interval: WATCHDOG_INTERVAL, deadline: WATCHDOG_DEADLINE })
  assert.is(watchdogSettings(false), undefined)
  assert.equal(watchdogSettings({ deadline: 5 }), { interval: WATCHDOG_INTERVAL, deadline: 5 })
  for (const bad of [{ interval: 0 }, { deadline: -1 }, { interval: Number.NaN }, { deadline: Infinity }]) {
    assert.throws(() => createSupervisor({ log: silentLogger, watchdog: bad }), /watchdog/)
  }
})

inline.run()

const worker = suite('watchdog: worker host')

worker('watchdog - a worker actor whose output went dead is restarted with its last snapshot', withTimeout(30_000, async () => {
  const sup = createSupervisor({ log: silentLogger, restart: { min: 10 }, watchdog: { interval: 50, deadline: 5000 } })
  try {
    await sup.start(watched(), { host: 'worker' })
    await one(sup, { type: 'probe.set', value: 'kept' } as Message)
    await waitFor(() => sup.stats()[0]!.messagesIn >= 5, { what: 'a few probes answered' })
    assert.is(sup.stats()[0]!.restarts, 0)
    const before = sup.stats()[0]!.threadId
    sup.publish({ type: 'probe.mute' })
    await rejects(one(sup, { type: 'probe.get' }, 20_000), 'ERR_ACTOR_RESTARTED')
    await waitFor(() => sup.stats()[0]!.state === 'running' && sup.stats()[0]!.restarts === 1, { timeout: 10_000, what: 'restarted' })
    assert.is.not(sup.stats()[0]!.threadId, before, 'a new worker')
    assert.is((await one(sup, { type: 'probe.get' })).value, 'kept')
  } finally {
    await sup.stop()
  }
}))

worker.run()
