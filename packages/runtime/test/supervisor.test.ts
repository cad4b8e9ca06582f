import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Observable, lastValueFrom, toArray, take, throwError, EMPTY } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { withTimeout, rejects, waitFor } from '@peerconnect/test-helpers'
import { createSupervisor } from '../src/supervisor.js'
import type { Supervisor, SupervisorOptions } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import type { ActorSpec } from '../src/contract.js'
import { MAX_BACKLOG } from '../src/constants.js'
import { probe } from './fixtures/probe/index.js'
import { recorder } from './fixtures/recorder/index.js'

type Any = Message & Record<string, any>

function withSupervisor (fn: (sup: Supervisor) => Promise<void>, opts: SupervisorOptions = {}): () => Promise<void> {
  return withTimeout(10_000, async () => {
    const sup = createSupervisor({ log: silentLogger, restart: { min: 10 }, ...opts })
    try {
      await fn(sup)
    } finally {
      await sup.stop()
    }
  })
}
const one = async (sup: Supervisor, msg: Message, timeout?: number): Promise<Any> => await lastValueFrom(sup.ask(msg, { timeout })) as Any
const spec = (name: string, run: ActorSpec['run'], consumes: string[] = [`${name}.x`]): ActorSpec => ({ name, consumes, init: undefined,
  run })

const inline = suite('supervisor: inline specifics')

inline('inline - delivery is asynchronous: publish returns before the actor sees the message', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'inline' })
  sup.publish({ type: 'probe.note' })
  assert.is(sup.stats()[0]!.queueDepth, 1, 'waiting in the mailbox')
  await waitFor(() => sup.stats()[0]!.queueDepth === 0)
  assert.is((await one(sup, { type: 'probe.get' })).notes, 1)
}))

inline('inline - deps carry the injected clock, random and scheduler', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'inline' })
  const r = await one(sup, { type: 'probe.deps' })
  assert.is(r.now, 1234)
  assert.is(r.random, 0.25)
  assert.type(r.schedulerNow, 'number')
}, { clock: { now: () => 1234 }, random: () => 0.25 }))

inline('inline - an actor whose run throws fails start() and is forgotten', withSupervisor(async (sup) => {
  const bad = spec('bad', () => {
    throw Object.assign(new Error('cannot build'), { code: 'ERR_BUILD' })
  })
  await rejects(sup.start(bad), 'ERR_BUILD')
  assert.is(sup.stats().length, 0)
  await sup.start(bad).catch(() => {})
  assert.is(sup.stats().length, 0, 'the name is free again')
}))

inline('inline - an actor whose out$ errors at once fails start()', withSupervisor(async (sup) => {
  await rejects(sup.start(spec('early', () => throwError(() => Object.assign(new Error('early'), { code: 'ERR_EARLY' })))), 'ERR_EARLY')
}))

inline('inline - an actor whose out$ completes is stopped and its types lose their consumer', withSupervisor(async (sup) => {
  await rejects(sup.start(spec('empty', () => EMPTY)), 'ERR_ACTOR_NOT_RUNNING')
  assert.is(sup.stats().length, 0)
  await sup.start(spec('done', (in$) => in$.pipe(take(1)), ['done.x']))
  sup.publish({ type: 'done.x' })
  await waitFor(() => sup.stats().find(s => s.name === 'done')!.state === 'stopped')
  await rejects(one(sup, { type: 'done.x' }), 'ERR_NO_CONSUMER')
}))

inline('inline - control of an actor that is restarting rejects with ERR_ACTOR_NOT_RUNNING', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'inline' })
  sup.publish({ type: 'probe.crash' })
  await waitFor(() => sup.stats()[0]!.state === 'restarting')
  await rejects(sup.control('probe').stats(), 'ERR_ACTOR_NOT_RUNNING')
}, { restart: { min: 60_000, max: 60_000 } }))

inline('inline - the backlog of a restarting actor is bounded; an ask beyond it fails with ERR_BACKLOG_FULL',
  withSupervisor(async (sup) => {
    await sup.start(probe({}), { host: 'inline' })
    sup.publish({ type: 'probe.crash' })
    await waitFor(() => sup.stats()[0]!.state === 'restarting')
    for (let i = 0; i < MAX_BACKLOG; i++) sup.publish({ type: 'probe.note' })
    assert.is(sup.stats()[0]!.queueDepth, MAX_BACKLOG)
    await rejects(one(sup, { type: 'probe.echo' }), 'ERR_BACKLOG_FULL')
    assert.is(sup.pendingAsks(), 0)
  }, { restart: { min: 60_000, max: 60_000 } }))

inline('inline - remove and control of an unknown actor are refused with ERR_UNKNOWN_ACTOR', withSupervisor(async (sup) => {
  await rejects(sup.remove('nobody'), 'ERR_UNKNOWN_ACTOR')
}))

inline.run()

const lifecycle = suite('supervisor: lifecycle')

lifecycle('stop - is idempotent, completes messages$, and publish after it is a no-op', withTimeout(10_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  await sup.start(recorder({ name: 'r', types: ['x'] }))
  const all = lastValueFrom(sup.messages$().pipe(toArray()))
  const first = sup.stop()
  assert.is(sup.stop(), first)
  await first
  sup.publish({ type: 'x' })
  assert.equal(await all, [])
  assert.is(sup.stats()[0]!.state, 'stopped')
}))

lifecycle('stop - unsubscribes the actors\' streams (their timers are released)', withTimeout(10_000, async () => {
  let tornDown = 0
  const sup = createSupervisor({ log: silentLogger })
  for (let i = 0; i < 3; i++) {
    await sup.start(spec(`t${i}`, () =>
      new Observable<Message>(() => () => {
        tornDown++
      })))
  }
  assert.is(tornDown, 0)
  await sup.stop()
  assert.is(tornDown, 3)
}))

lifecycle('scale - 300 nodes × 6 inline actors in one process start, route and stop', withTimeout(60_000, async () => {
  const types = ['a', 'b', 'c', 'd', 'e']
  const sups = Array.from({ length: 300 }, () => createSupervisor({ log: silentLogger }))
  for (const sup of sups) {
    await sup.start(probe({}), { host: 'inline' })
    for (const t of types) await sup.start(recorder({ name: `rec-${t}`, types: [`x.${t}`, 'x.all'] }), { host: 'inline' })
  }
  const counts = await Promise.all(sups.map(async (sup) => {
    const got = lastValueFrom(sup.messages$(['recorder.got']).pipe(take(5 + 5), toArray()))
    for (const t of types) sup.publish({ type: `x.${t}` })
    sup.publish({ type: 'x.all' })
    return (await got).length
  }))
  assert.ok(counts.every(n => n === 10))
  const echoes = await Promise.all(sups.map(async (sup, i) => (await one(sup, { type: 'probe.echo', payload: i } as Message)).payload))
  assert.equal(echoes, sups.map((_, i) => i))
  await Promise.all(sups.map(async sup => sup.stop()))
  assert.ok(sups.every(sup => sup.stats().every(s => s.state === 'stopped')))
}))

lifecycle.run()
