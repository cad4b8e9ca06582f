import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, Observable, of, Subject, throwError, timer, map, toArray, firstValueFrom, take } from 'rxjs'
import { reply } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import type { SchedulerLike } from 'rxjs'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import { defineActor, kitActor, snapshotMessage } from '../src/index.js'
import type { ActorDefinition, ActorDeps, ActorFn } from '../src/index.js'
import { createSupervisor } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import { testDeps } from '../src/testing/index.js'
import type { TestDeps } from '../src/testing/index.js'

type Any = Message & Record<string, any>

interface Ctx {
  readonly scheduler: SchedulerLike
  readonly n: { value: number }
  readonly opened: { value: number }
  readonly closed: { value: number }
  stopped: number
  restored: unknown
}

/** A small kit actor: `k.add` counts and replies; `k.boom` throws; `k.fail` errors; `k.hold` stays open; `k.seen` is published. */
const definition = {
  name: 'k',
  context: (init: { start: number }, deps: ActorDeps): Ctx => ({ scheduler: deps.scheduler, n: { value: init.start }, opened: { value: 0 },
    closed: { value: 0 }, stopped: 0, restored: undefined }),
  restore: (ctx: Ctx, snapshot: unknown) => {
    ctx.restored = snapshot
    ctx.n.value = (snapshot as { n: number }).n
  },
  handlers: {
    'k.add': (msg: Message, ctx: Ctx) => {
      ctx.n.value += (msg as Any).by as number
      return of(reply(msg, { type: 'k.added', n: ctx.n.value }), snapshotMessage({ n: ctx.n.value }))
    },
    'k.boom': (): never => {
      throw new Error('boom')
    },
    'k.coded': (): never => {
      throw Object.assign(new Error('nope'), { name: 'NopeError', code: 'ERR_NOPE' })
    },
    'k.fail': () => throwError(() => new Error('async boom')),
    'k.hold': (_msg: Message, ctx: Ctx) => new Observable<Message>(() => {
      ctx.opened.value++
      return () => {
        ctx.closed.value++
      }
    }),
    'k.seen': (_msg: Message, ctx: Ctx) => {
      ctx.n.value++
    }
  },
  background: (ctx: Ctx) => [timer(1000, 1000, ctx.scheduler).pipe(map(i => ({ type: 'k.tick', i, n: ctx.n.value } as Message)))],
  stop: (ctx: Ctx) => {
    ctx.stopped++
  }
} satisfies ActorDefinition<{ start: number }, Ctx>

const kActor = defineActor(definition)

function drive (run: ActorFn,
  deps: TestDeps): { in$: Subject<Message>, out: Any[], errors: unknown[], completed: () => boolean, stop: () => void } {
  const in$ = new Subject<Message>()
  const out: Any[] = []
  const errors: unknown[] = []
  let completed = false
  const sub = run(in$, deps).subscribe({ next: m => out.push(m as Any), error: e => errors.push(e), complete: () => {
    completed = true
  } })
  return { in$, out, errors, completed: () => completed, stop: () => sub.unsubscribe() }
}

const kit = suite('actor kit')

kit('kit - consumes is the handler table plus actor.cancel', () => {
  const spec = kActor({ start: 0 })
  assert.equal([...spec.consumes].sort(), ['actor.cancel', 'k.add', 'k.boom', 'k.coded', 'k.fail', 'k.hold', 'k.seen'])
  assert.is(spec.name, 'k')
  assert.equal(spec.init, { start: 0 })
})

kit('kit - a request goes to its handler with the context; a published message too', () => {
  const deps = testDeps()
  const h = drive(kitActor(definition, { start: 10 }), deps)
  h.in$.next({ type: 'k.add', cid: 1, by: 5 } as Message)
  h.in$.next({ type: 'k.seen' })
  h.in$.next({ type: 'k.add', cid: 2, by: 1 } as Message)
  assert.equal(h.out.filter(m => m.type === 'k.added').map(m => [m.re, m.n]), [[1, 15], [2, 17]])
  h.stop()
})

kit('kit - a handler that throws, or whose stream errors, becomes an error reply; the actor keeps running', () => {
  const deps = testDeps()
  const h = drive(kitActor(definition, { start: 0 }), deps)
  h.in$.next({ type: 'k.boom', cid: 1 })
  h.in$.next({ type: 'k.fail', cid: 2 })
  h.in$.next({ type: 'k.coded', cid: 3 })
  h.in$.next({ type: 'k.add', cid: 4, by: 1 } as Message)
  const errors = h.out.filter(m => m.type === 'error')
  assert.equal(errors.map(m => [m.re, m.end, m.error.code, m.error.message]), [
    [1, true, 'ERR_HANDLER', 'boom'],
    [2, true, 'ERR_HANDLER', 'async boom'],
    [3, true, 'ERR_NOPE', 'nope']
  ])
  assert.is(h.out.find(m => m.type === 'k.added')?.n, 1, 'still answering')
  assert.equal(h.errors, [])
  assert.equal(deps.logs.map(l => [l.level, l.msg, l.fields?.['type']]), [
    ['warn', 'handler failed', 'k.boom'],
    ['warn', 'handler failed', 'k.fail'],
    ['debug', 'handler failed', 'k.coded']
  ], 'logged once each')
  h.stop()
})

kit('kit - a published message whose handler throws is logged, not answered', () => {
  const deps = testDeps()
  const h = drive(kitActor(definition, { start: 0 }), deps)
  h.in$.next({ type: 'k.boom' })
  assert.equal(h.out, [])
  assert.is(deps.logs.length, 1)
  h.stop()
})

kit('kit - an unknown request gets ERR_UNKNOWN_TYPE; an unknown published message is dropped', () => {
  const h = drive(kitActor(definition, { start: 0 }), testDeps())
  h.in$.next({ type: 'k.nope', cid: 7 })
  h.in$.next({ type: 'constructor' })
  h.in$.next({ type: 'actor.configure', patch: {} } as Message)
  assert.equal(h.out.map(m => [m.type, m.re, m.error?.code]), [['error', 7, 'ERR_UNKNOWN_TYPE']])
  h.stop()
})

kit('kit - actor.cancel unsubscribes the request it names, and only that one', () => {
  const deps = testDeps()
  let ctx: Ctx | undefined
  const def = { ...definition, context: (init: { start: number }, d: ActorDeps) => {
    ctx = definition.context(init, d)
    return ctx
  } }
  const h = drive(kitActor(def, { start: 0 }), deps)
  h.in$.next({ type: 'k.hold', cid: 1 })
  h.in$.next({ type: 'k.hold', cid: 2 })
  assert.is(ctx!.opened.value, 2)
  h.in$.next({ type: 'actor.cancel', ask: 1 } as Message)
  assert.is(ctx!.closed.value, 1)
  h.in$.next({ type: 'actor.cancel', ask: 1 } as Message)
  h.in$.next({ type: 'actor.cancel', ask: 99 } as Message)
  assert.is(ctx!.closed.value, 1)
  h.stop()
  assert.is(ctx!.closed.value, 2, 'the other one ends with the actor')
})

kit('kit - background streams run until in$ completes; stop runs once; no timers left', () => {
  const deps = testDeps()
  let ctx: Ctx | undefined
  const def = { ...definition, context: (init: { start: number }, d: ActorDeps) => {
    ctx = definition.context(init, d)
    return ctx
  } }
  const h = drive(kitActor(def, { start: 0 }), deps)
  deps.advance(2500)
  assert.equal(h.out.filter(m => m.type === 'k.tick').map(m => m.i), [0, 1])
  assert.is(deps.timers(), 1)
  h.in$.complete()
  assert.ok(h.completed(), 'out$ completes once in$ has and nothing is open')
  assert.is(ctx!.stopped, 1)
  assert.is(deps.timers(), 0)
})

kit('kit - restore gets deps.snapshot; without one it is not called', () => {
  const h = drive(kitActor(definition, { start: 0 }), testDeps({ snapshot: { n: 40 } }))
  h.in$.next({ type: 'k.add', cid: 1, by: 2 } as Message)
  assert.equal(h.out.map(m => m.type === 'actor.snapshot' ? m.state : m.n), [42, { n: 42 }])
  h.stop()
})

kit('kit - emit publishes from outside a handler until the handlers are done', () => {
  const def = {
    name: 'e',
    context: (_init: undefined, _deps: unknown, emit: (m: Message) => void) => ({ emit }),
    handlers: { 'e.go': (msg: Message, ctx: { emit: (m: Message) => void }) => {
      ctx.emit({ type: 'e.went' })
      return of(reply(msg, { type: 'e.ok' }))
    } }
  } satisfies ActorDefinition<undefined, { emit: (m: Message) => void }>
  const h = drive(kitActor(def, undefined), testDeps())
  h.in$.next({ type: 'e.go', cid: 1 })
  assert.equal(h.out.map(m => m.type), ['e.went', 'e.ok'])
  h.in$.complete()
  assert.ok(h.completed())
})

kit('kit - a context that throws fails the run (the start fails)', () => {
  const def = { name: 'x', context: (): never => {
    throw new Error('bad init')
  }, handlers: {} } satisfies ActorDefinition<undefined, never>
  const h = drive(kitActor(def, undefined), testDeps())
  assert.is((h.errors[0] as Error).message, 'bad init')
})

kit.run()

const faults = suite('fault hook')

faults('faults - without allowFaults, control().fault rejects with ERR_FAULTS_DISABLED', withTimeout(5000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(kActor({ start: 0 }), { host: 'inline' })
    await rejects(sup.control('k').fault({ kind: 'throw', on: 'k.add' }), 'ERR_FAULTS_DISABLED')
    await rejects(sup.control('k').fault({ kind: 'uncaught' }), 'ERR_FAULTS_DISABLED')
    assert.is(sup.stats()[0]?.restarts, 0)
  } finally {
    await sup.stop()
  }
}))

faults('faults - throw: the next request of that type gets ERR_FAULT_INJECTED, then all is as before, no restart',
  withTimeout(5000, async () => {
    const sup = createSupervisor({ log: silentLogger, allowFaults: true })
    try {
      await sup.start(kActor({ start: 0 }), { host: 'inline' })
      await sup.control('k').fault({ kind: 'throw', on: 'k.add' })
      await rejects(lastValueFrom(sup.ask({ type: 'k.add', by: 1 } as Message)), 'ERR_FAULT_INJECTED')
      const r = await lastValueFrom(sup.ask({ type: 'k.add', by: 1 } as Message)) as Any
      assert.is(r.n, 1, 'the faulted request did not run')
      assert.is(sup.stats()[0]?.restarts, 0)
      assert.is(sup.stats()[0]?.state, 'running')
    } finally {
      await sup.stop()
    }
  }))

faults('faults - a bad fault or a type the actor does not consume is refused', withTimeout(5000, async () => {
  const sup = createSupervisor({ log: silentLogger, allowFaults: true })
  try {
    await sup.start(kActor({ start: 0 }), { host: 'inline' })
    await rejects(sup.control('k').fault({ kind: 'throw', on: 'x.nope' }), 'ERR_BAD_FAULT')
    await rejects(sup.control('k').fault({ kind: 'melt' } as never), 'ERR_BAD_FAULT')
    await rejects(sup.control('k').fault({ kind: 'exit' }), 'ERR_BAD_FAULT')
  } finally {
    await sup.stop()
  }
}))

faults('faults - uncaught on the inline host: the incarnation fails and restarts with its last snapshot', withTimeout(5000, async () => {
  const sup = createSupervisor({ log: silentLogger, allowFaults: true, restart: { min: 10 } })
  try {
    await sup.start(kActor({ start: 0 }), { host: 'inline' })
    await lastValueFrom(sup.ask({ type: 'k.add', by: 5 } as Message))
    await sup.control('k').fault({ kind: 'uncaught' })
    await waitFor(() => sup.stats()[0]?.restarts === 1 && sup.stats()[0]?.state === 'running', { what: 'a restart' })
    const r = await lastValueFrom(sup.ask({ type: 'k.add', by: 1 } as Message)) as Any
    assert.is(r.n, 6, 'restored from the snapshot')
  } finally {
    await sup.stop()
  }
}))

faults.run()

const deps = suite('testDeps')

deps('testDeps - clock and scheduler share virtual time; random is seeded; ask is recorded', async () => {
  const a = testDeps({ start: 1000, seed: 7 })
  const b = testDeps({ seed: 7 })
  assert.is(a.clock.now(), 1000)
  const seen: number[] = []
  timer(500, a.scheduler).subscribe(() => seen.push(a.clock.now()))
  a.advance(499)
  assert.equal(seen, [])
  a.advance(1)
  assert.equal(seen, [1500])
  assert.is(a.random(), b.random())
  await rejects(firstValueFrom(a.ask({ type: 'x.q', cid: 1 })), 'ERR_NO_CONSUMER')
  assert.equal(a.asked.map(m => m.type), ['x.q'])
  await rejects(a.pool.run({ module: 'x' }, 1), 'ERR_NO_POOL')
})

deps('testDeps - ask answers through opts.ask; the logger records children with their namespace', async () => {
  const d = testDeps({ ask: (m) => of(reply(m, { type: 'x.r' })) })
  const r = await firstValueFrom(d.ask({ type: 'x.q', cid: 3 }))
  assert.is(r.re, 3)
  d.log.child('a').child('b').info('hi', { k: 1 })
  assert.equal(d.logs, [{ level: 'info', ns: 'a:b', msg: 'hi', fields: { k: 1 } }])
  const interval$ = timer(0, 10, d.scheduler).pipe(take(3), toArray())
  const got = firstValueFrom(interval$)
  d.advance(100)
  assert.equal(await got, [0, 1, 2])
  assert.is(d.timers(), 0)
})

deps.run()
