import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { TestScheduler } from 'rxjs/testing'
import { catchError, lastValueFrom, map, of, take, toArray } from 'rxjs'
import type { SchedulerLike } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import type { ActorDeps } from '../src/contract.js'
import { createAsker } from '../src/asker.js'
import { createSupervisor } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import { sensor } from './fixtures/sensor/index.js'

type Any = Message & Record<string, any>

function depsFor (scheduler: SchedulerLike): ActorDeps {
  return {
    name: 'sensor',
    clock: { now: () => scheduler.now() },
    random: () => 0.5,
    scheduler,
    log: silentLogger,
    pool: { run: async () => {
      throw new Error('no pool in marble tests')
    } },
    ask: () => {
      throw new Error('no asks in marble tests')
    },
    snapshot: undefined
  }
}
const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => assert.equal(actual, expected))

const actor = suite('marble: an actor on deps.scheduler')

actor('marble - readings settle after the quiet period, in virtual time', () => {
  const ts = newScheduler()
  ts.run(({ hot, expectObservable }) => {
    const in$ = hot<Message>('a 9ms b 49ms c', {
      a: { type: 'sensor.reading', value: 1 } as Message,
      b: { type: 'sensor.reading', value: 2 } as Message,
      c: { type: 'sensor.reading', value: 3 } as Message
    })
    const out$ = sensor({ quiet: 30 }).run(in$, depsFor(ts))
    expectObservable(out$, '^ 200ms !').toBe('40ms x 49ms y', {
      x: { type: 'sensor.settled', value: 2, at: 40 },
      y: { type: 'sensor.settled', value: 3, at: 90 }
    })
  })
})

actor('marble - a watch streams n samples, every `every` ms, the last with end', () => {
  const ts = newScheduler()
  ts.run(({ hot, expectObservable }) => {
    const in$ = hot<Message>('w', { w: { type: 'sensor.watch', cid: 7, n: 3, every: 100 } as Message })
    expectObservable(sensor({ quiet: 30 }).run(in$, depsFor(ts)), '^ 1s !').toBe('100ms a 99ms b 99ms c', {
      a: { type: 'sensor.sample', i: 0, re: 7, end: false },
      b: { type: 'sensor.sample', i: 1, re: 7, end: false },
      c: { type: 'sensor.sample', i: 2, re: 7, end: true }
    })
  })
})

actor('marble - the injected scheduler is what the actor uses (outside run mode, only it is virtual)', () => {
  const ts = newScheduler()
  const in$ = ts.createHotObservable<Message>('a-b', {
    a: { type: 'sensor.reading', value: 'x' } as Message,
    b: { type: 'sensor.reading', value: 'y' } as Message
  })
  const got: Any[] = []
  sensor({ quiet: 100 }).run(in$, depsFor(ts)).subscribe(m => got.push(m as Any))
  ts.flush()
  assert.equal(got, [{ type: 'sensor.settled', value: 'y', at: 120 }], 'frames are 10 virtual ms here: b at 20, settled 100 later')
})

actor.run()

const asks = suite('marble: asks in virtual time')

asks('marble - an unanswered ask errors with ERR_ASK_TIMEOUT at exactly its timeout', () => {
  const ts = newScheduler()
  ts.run(({ expectObservable }) => {
    const sent: Message[] = []
    const asker = createAsker(m => sent.push(m), ts)
    const codes = asker.ask({ type: 'x.silent' }, { timeout: 5000 }).pipe(catchError(e => of((e as { code: string }).code)))
    expectObservable(codes).toBe('5000ms (t|)', { t: 'ERR_ASK_TIMEOUT' })
  })
})

asks('marble - replies stream until end, and the timer is released', () => {
  const ts = newScheduler()
  ts.run(({ cold, expectObservable, flush }) => {
    const sent: Message[] = []
    const asker = createAsker(m => sent.push(m), ts)
    const replies$ = asker.ask({ type: 'x.stream' }, { timeout: 1000 }).pipe(map(m => (m as Any).i))
    expectObservable(replies$).toBe('10ms a 9ms b 9ms (c|)', { a: 0, b: 1, c: 2 })
    cold('10ms a 9ms b 9ms c', {
      a: { type: 'x.item', re: 1, i: 0, end: false } as Message,
      b: { type: 'x.item', re: 1, i: 1, end: false } as Message,
      c: { type: 'x.item', re: 1, i: 2, end: true } as Message
    }).subscribe(m => asker.handle(m))
    flush()
    assert.is(asker.pending, 0)
    assert.equal(sent.map(m => m.type), ['x.stream'], 'no cancel after a normal end')
  })
})

asks('marble - a timeout sends a cancel so the supervisor forgets the ask', () => {
  const ts = newScheduler()
  ts.run(({ flush }) => {
    const sent: Any[] = []
    const asker = createAsker(m => sent.push(m as Any), ts, { timeout: 250 })
    asker.ask({ type: 'x.silent' }).subscribe({ error: () => {} })
    flush()
    assert.equal(sent.map(m => m.type), ['x.silent', 'actor.cancel'])
    assert.is(sent[1]!.ask, sent[0]!.cid)
    assert.is(ts.now(), 250)
  })
})

asks.run()

const live = suite('marble: the same actor in real time')

live('marble - the sensor actor behaves the same on a worker with the real scheduler', withTimeout(30_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(sensor({ quiet: 20 }), { host: 'worker' })
    const settled = lastValueFrom(sup.messages$(['sensor.settled']).pipe(take(1), toArray()))
    sup.publish({ type: 'sensor.reading', value: 'a' } as Message)
    sup.publish({ type: 'sensor.reading', value: 'b' } as Message)
    assert.equal((await settled as Any[]).map(m => m.value), ['b'])
    const samples = await lastValueFrom(sup.ask({ type: 'sensor.watch', n: 3, every: 5 } as Message).pipe(toArray<Any>()))
    assert.equal(samples.map(s => s.i), [0, 1, 2])
  } finally {
    await sup.stop()
  }
}))

live.run()
