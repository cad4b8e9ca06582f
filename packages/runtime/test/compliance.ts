/**
 * The host compliance suite: the same behaviour, test for test, on the inline host and on the
 * worker host. `compliance-inline.test.ts` and `compliance-worker.test.ts` run it.
 */
import { threadId as mainThreadId } from 'node:worker_threads'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Subscription, asyncScheduler, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs'
import type { Observable, SchedulerAction, SchedulerLike } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { withTimeout, rejects, waitFor } from '@peerconnect/test-helpers'
import { createSupervisor } from '../src/supervisor.js'
import type { Supervisor, SupervisorOptions } from '../src/supervisor.js'
import type { HostKind } from '../src/host.js'
import { createLogger, silentLogger } from '../src/logger.js'
import type { LogEntry } from '../src/logger.js'
import { probe } from './fixtures/probe/index.js'
import { recorder } from './fixtures/recorder/index.js'

type Any = Message & Record<string, any>

/** Restart delays equal to this are held by `holdRestarts()` until released. */
const HELD = 3_600_000

/**
 * The real scheduler, except that work scheduled HELD ms ahead (a restart, with
 * `restart: { min: HELD, max: HELD }`) waits until `release()`: restarts happen when the test says.
 */
function holdRestarts (): SchedulerLike & { waiting(): number, release(): void } {
  const held: Array<() => void> = []
  return {
    now: () => asyncScheduler.now(),
    schedule (work: (this: SchedulerAction<unknown>, state?: unknown) => void, delay?: number, state?: unknown): Subscription {
      if (delay !== HELD) return asyncScheduler.schedule(work, delay, state)
      const run = (): void => {
        work.call(undefined as unknown as SchedulerAction<unknown>, state)
      }
      held.push(run)
      return new Subscription(() => {
        const i = held.indexOf(run)
        if (i >= 0) held.splice(i, 1)
      })
    },
    waiting: () => held.length,
    release: () => {
      for (const run of held.splice(0)) run()
    }
  }
}

export function complianceSuite (host: HostKind): void {
  const ms = host === 'worker' ? 30_000 : 5_000
  const test = (name: string, s: ReturnType<typeof suite>, fn: (sup: Supervisor) => Promise<void>, opts: SupervisorOptions = {}): void => {
    s(name, withTimeout(ms, async () => {
      const sup = createSupervisor({ log: silentLogger, restart: { min: 10 }, ...opts })
      try {
        await fn(sup)
      } finally {
        await sup.stop()
      }
    }))
  }
  const one = async (sup: Supervisor, msg: Message, timeout?: number): Promise<Any> => await lastValueFrom(sup.ask(msg, { timeout })) as Any
  const all = async (obs: Observable<Message>): Promise<Any[]> => await lastValueFrom(obs.pipe(toArray<Any>()))
  const startProbe = async (sup: Supervisor): Promise<void> => sup.start(probe({ tag: 'compliance' }), { host })

  const publish = suite(`${host} host: publish`)

  test(`publish - reaches every consumer of the type and only those (${host})`, publish, async (sup) => {
    await sup.start(recorder({ name: 'a', types: ['x.a', 'x.both', 'x.end'] }), { host })
    await sup.start(recorder({ name: 'b', types: ['x.b', 'x.both', 'x.end'] }), { host })
    const got = lastValueFrom(sup.messages$(['recorder.got']).pipe(take(6), toArray()))
    for (const type of ['x.a', 'x.none', 'x.b', 'x.both', 'x.end']) sup.publish({ type })
    const seen = (await got as Any[]).map(m => `${m.by}:${m.got}`).sort()
    assert.equal(seen, ['a:x.a', 'a:x.both', 'a:x.end', 'b:x.b', 'b:x.both', 'b:x.end'])
  })

  test(`publish - messages$ sees messages published by actors and from outside, filtered by type (${host})`, publish, async (sup) => {
    await startProbe(sup)
    const notes = lastValueFrom(sup.messages$(['probe.note']).pipe(take(3), toArray()))
    const outside = firstValueFrom(sup.messages$(['x.outside']))
    await one(sup, { type: 'probe.burst', n: 3 } as Message)
    sup.publish({ type: 'x.outside' })
    assert.equal((await notes as Any[]).map(m => m.i), [0, 1, 2])
    assert.is((await outside).type, 'x.outside')
  })

  test(`publish - an actor does not receive what it publishes itself (${host})`, publish, async (sup) => {
    await startProbe(sup)
    await one(sup, { type: 'probe.burst', n: 4 } as Message)
    sup.publish({ type: 'probe.note' })
    await waitFor(async () => (await one(sup, { type: 'probe.get' })).notes === 1)
    assert.is((await one(sup, { type: 'probe.get' })).notes, 1)
  })

  publish.run()

  const ask = suite(`${host} host: ask`)

  test(`ask - a request gets its reply (${host})`, ask, async (sup) => {
    await startProbe(sup)
    const r = await one(sup, { type: 'probe.echo', payload: { a: [1, 'two', null, true] } } as Message)
    assert.is(r.type, 'probe.echoed')
    assert.equal(r.payload, { a: [1, 'two', null, true] })
    assert.is(r.end, true)
  })

  test(`ask - streaming replies arrive in order and complete after end (${host})`, ask, async (sup) => {
    await startProbe(sup)
    const items = await all(sup.ask({ type: 'probe.stream', n: 5 } as Message))
    assert.equal(items.map(m => m.i), [0, 1, 2, 3, 4])
    assert.equal(items.map(m => m.end), [false, false, false, false, true])
  })

  test(`ask - an error reply errors the ask with its name, code and message (${host})`, ask, async (sup) => {
    await startProbe(sup)
    const err = await rejects(one(sup, { type: 'probe.fail' }), 'ERR_PROBE_FAIL')
    assert.is(err.name, 'ProbeError')
    assert.is(err.message, 'asked to fail')
  })

  test(`ask - no reply within the timeout errors with ERR_ASK_TIMEOUT and forgets the ask (${host})`, ask, async (sup) => {
    await startProbe(sup)
    await rejects(one(sup, { type: 'probe.silent' }, 50), 'ERR_ASK_TIMEOUT')
    assert.is(sup.pendingAsks(), 0)
  })

  test(`ask - a type nobody consumes errors with ERR_NO_CONSUMER (${host})`, ask, async (sup) => {
    await startProbe(sup)
    await rejects(one(sup, { type: 'nobody.home' }), 'ERR_NO_CONSUMER')
    assert.is(sup.pendingAsks(), 0)
  })

  test(`ask - unsubscribing cancels: later replies are dropped and nothing leaks (${host})`, ask, async (sup) => {
    await startProbe(sup)
    const control = sup.control('probe')
    const before = (await control.stats()).messagesOut
    const got: Any[] = []
    const sub = sup.ask({ type: 'probe.slow-stream', n: 8, every: 5 } as Message).subscribe(m => {
      got.push(m as Any)
      if (got.length === 2) sub.unsubscribe()
    })
    await waitFor(() => got.length === 2)
    assert.is(sup.pendingAsks(), 0)
    await waitFor(async () => (await control.stats()).messagesOut >= before + 8, { what: 'the rest of the stream' })
    assert.equal(got.map(m => m.i), [0, 1])
    assert.is(sup.pendingAsks(), 0)
  })

  test(`ask - concurrent asks get only their own replies (${host})`, ask, async (sup) => {
    await startProbe(sup)
    const replies = await Promise.all(Array.from({ length: 50 }, async (_, i) => one(sup, { type: 'probe.echo', payload: i } as Message)))
    assert.equal(replies.map(r => r.payload), Array.from({ length: 50 }, (_, i) => i))
  })

  test(`ask - an actor asks another through deps.ask and streams the replies back (${host})`, ask, async (sup) => {
    await startProbe(sup)
    const relayed = await all(sup.ask({ type: 'probe.relay', ask: { type: 'probe.stream', n: 3 } } as Message))
    assert.equal(relayed.map(m => m.got.i), [0, 1, 2])
    assert.equal(relayed.map(m => m.end), [false, false, true])
    assert.is(sup.pendingAsks(), 0)
  })

  test(`ask - concurrent asks from an actor are correlated to the right asker (${host})`, ask, async (sup) => {
    await startProbe(sup)
    const replies = await Promise.all(
      Array.from({ length: 20 },
        async (_, i) => one(sup, { type: 'probe.relay', ask: { type: 'probe.echo', payload: `p${i}` } } as Message))
    )
    assert.equal(replies.map(r => r.got.payload), Array.from({ length: 20 }, (_, i) => `p${i}`))
  })

  test(`ask - an actor's ask gets ERR_NO_CONSUMER, ERR_ASK_TIMEOUT and error replies as errors (${host})`, ask, async (sup) => {
    await startProbe(sup)
    await rejects(one(sup, { type: 'probe.relay', ask: { type: 'nobody.home' } } as Message), 'ERR_NO_CONSUMER')
    await rejects(one(sup, { type: 'probe.relay', ask: { type: 'probe.silent' }, timeout: 50 } as Message), 'ERR_ASK_TIMEOUT')
    await rejects(one(sup, { type: 'probe.relay', ask: { type: 'probe.fail' } } as Message), 'ERR_PROBE_FAIL')
    await waitFor(() => sup.pendingAsks() === 0)
  })

  ask.run()

  const state = suite(`${host} host: snapshots, configure, restarts`)

  test(`snapshot - the last snapshot is kept, not routed, and handed back after a restart (${host})`, state, async (sup) => {
    await startProbe(sup)
    const routed: Message[] = []
    const sub = sup.messages$().subscribe(m => routed.push(m))
    await one(sup, { type: 'probe.set', value: 1 } as Message)
    await one(sup, { type: 'probe.set', value: 2 } as Message)
    assert.equal(await sup.control('probe').snapshot(), { value: 2 })
    sup.publish({ type: 'probe.crash' })
    await waitFor(() => sup.stats()[0]!.restarts === 1 && sup.stats()[0]!.state === 'running')
    const r = await one(sup, { type: 'probe.get' })
    assert.equal(r.snapshot, { value: 2 })
    assert.is(r.value, 2)
    sub.unsubscribe()
    assert.ok(routed.every(m => m.type !== 'actor.snapshot'), 'snapshots are not published')
  })

  test(`configure - control(name).configure delivers actor.configure with the patch (${host})`, state, async (sup) => {
    await startProbe(sup)
    const configured = firstValueFrom(sup.messages$(['probe.configured']))
    await sup.control('probe').configure({ alpha: 5, ids: ['a'] })
    assert.equal((await configured as Any).patch, { alpha: 5, ids: ['a'] })
    assert.equal((await one(sup, { type: 'probe.get' })).patch, { alpha: 5, ids: ['a'] })
  })

  test(`control - stats come from the actor's own thread (${host})`, state, async (sup) => {
    await startProbe(sup)
    await one(sup, { type: 'probe.echo' })
    const s = await sup.control('probe').stats()
    assert.is(s.name, 'probe')
    assert.is(s.threadId, sup.stats()[0]!.threadId)
    assert.ok(s.messagesIn >= 1 && s.messagesOut >= 1)
    assert.is(s.pendingAsks, 0)
  })

  test(`control - an unknown actor is refused with ERR_UNKNOWN_ACTOR (${host})`, state, async (sup) => {
    await startProbe(sup)
    let code: unknown
    try {
      sup.control('nobody')
    } catch (err) {
      code = (err as { code?: unknown }).code
    }
    assert.is(code, 'ERR_UNKNOWN_ACTOR')
  })

  test(`restart - an actor whose out$ errors is restarted; asks pending at it get ERR_ACTOR_RESTARTED (${host})`, state, async (sup) => {
    await startProbe(sup)
    const pending = rejects(one(sup, { type: 'probe.silent' }, 20_000), 'ERR_ACTOR_RESTARTED')
    await waitFor(async () => (await sup.control('probe').stats()).messagesIn >= 1)
    sup.publish({ type: 'probe.crash' })
    await pending
    await waitFor(() => sup.stats()[0]!.state === 'running')
    assert.is(sup.stats()[0]!.restarts, 1)
    assert.is((await one(sup, { type: 'probe.echo', payload: 'back' } as Message)).payload, 'back')
    assert.is(sup.pendingAsks(), 0)
  })

  const held = holdRestarts()
  test(`restart - messages sent while an actor restarts wait for it (${host})`, state, async (sup) => {
    await startProbe(sup)
    sup.publish({ type: 'probe.crash' })
    await waitFor(() => held.waiting() === 1)
    assert.is(sup.stats()[0]!.state, 'restarting')
    const reply = one(sup, { type: 'probe.echo', payload: 'waited' } as Message, 20_000)
    sup.publish({ type: 'probe.note' })
    assert.is(sup.stats()[0]!.queueDepth, 2, 'both wait in the backlog')
    held.release()
    assert.is((await reply).payload, 'waited')
    assert.is(sup.stats()[0]!.restarts, 1)
    assert.is((await one(sup, { type: 'probe.get' })).notes, 1)
  }, { restart: { min: HELD, max: HELD }, scheduler: held })

  test(`restart - each crash in a row doubles the delay and is counted (${host})`, state, async (sup) => {
    await startProbe(sup)
    for (let i = 1; i <= 3; i++) {
      sup.publish({ type: 'probe.crash' })
      await waitFor(() => sup.stats()[0]!.restarts === i && sup.stats()[0]!.state === 'running', { timeout: 20_000 })
    }
    assert.is(sup.stats()[0]!.restarts, 3)
  })

  state.run()

  const stats = suite(`${host} host: stats, logs, lifecycle`)
  const entries: LogEntry[] = []

  test(`stats - per actor: host, thread, counters, state (${host})`, stats, async (sup) => {
    await startProbe(sup)
    await sup.start(recorder({ name: 'rec', types: ['probe.note'] }), { host })
    for (let i = 0; i < 5; i++) await one(sup, { type: 'probe.echo', payload: i } as Message)
    await one(sup, { type: 'probe.burst', n: 3 } as Message)
    await waitFor(() => sup.stats().find(s => s.name === 'rec')!.messagesOut === 3)
    await waitFor(() => sup.stats().every(s => s.queueDepth === 0), { what: 'every message taken' })
    const [p, r] = sup.stats()
    assert.is(p!.name, 'probe')
    assert.is(p!.host, host)
    assert.is(p!.state, 'running')
    assert.is(p!.restarts, 0)
    assert.is(p!.messagesIn, 6)
    assert.is(p!.messagesOut, 9)
    assert.is(r!.messagesIn, 3)
    assert.is(r!.queueDepth, 0)
    if (host === 'inline') assert.is(p!.threadId, mainThreadId)
    else assert.is.not(p!.threadId, mainThreadId)
    if (host === 'worker') assert.is.not(p!.threadId, r!.threadId)
  })

  test(`log - an actor logs under peerconnect:<actor>:<child>, in JSON-able entries (${host})`, stats, async (sup) => {
    await sup.start(probe({}), { host })
    await one(sup, { type: 'probe.log', n: 7 } as Message)
    await waitFor(() => entries.length > 0)
    assert.is(entries[0]!.ns, 'peerconnect:probe:sub')
    assert.is(entries[0]!.level, 'warn')
    assert.is(entries[0]!.msg, 'probe says hello')
    assert.equal(entries[0]!.fields, { n: 7 })
  }, { log: createLogger('peerconnect', { level: 'warn', sink: e => entries.push(e) }) })

  test(`start - a second actor with the same name is refused with ERR_DUPLICATE_ACTOR (${host})`, stats, async (sup) => {
    await startProbe(sup)
    await rejects(startProbe(sup), 'ERR_DUPLICATE_ACTOR')
    assert.is(sup.stats().length, 1)
  })

  test(`remove - a removed actor stops and its types have no consumer (${host})`, stats, async (sup) => {
    await startProbe(sup)
    await sup.remove('probe')
    assert.is(sup.stats().length, 0)
    await rejects(one(sup, { type: 'probe.echo' }), 'ERR_NO_CONSUMER')
  })

  test(`stop - stops every actor; asks after it error with ERR_SUPERVISOR_STOPPED (${host})`, stats, async (sup) => {
    await startProbe(sup)
    const pending = rejects(one(sup, { type: 'probe.silent' }, 20_000), 'ERR_SUPERVISOR_STOPPED')
    await waitFor(async () => (await sup.control('probe').stats()).messagesIn >= 1)
    await sup.stop()
    await pending
    assert.is(sup.stats()[0]!.state, 'stopped')
    await rejects(one(sup, { type: 'probe.echo' }), 'ERR_SUPERVISOR_STOPPED')
    await rejects(startProbe(sup), 'ERR_SUPERVISOR_STOPPED')
    assert.is(sup.pendingAsks(), 0)
  })

  stats.run()
}
