import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { asyncScheduler, map, mergeMap, EMPTY, NEVER, of, finalize } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { threadId } from 'node:worker_threads'
import { createActorCore } from '../src/actor-core.js'
import type { ActorCoreOptions, BaseDeps } from '../src/actor-core.js'
import type { ActorDeps, ActorSpec } from '../src/contract.js'
import { silentLogger } from '../src/logger.js'

type Any = Message & Record<string, any>

const base: BaseDeps = {
  clock: { now: () => 0 },
  random: () => 0,
  scheduler: asyncScheduler,
  log: silentLogger,
  pool: { run: async () => undefined as never }
}

function harness (run: (in$: Observable<Message>, deps: ActorDeps) => Observable<Message>, over: Partial<ActorCoreOptions> = {}) {
  const sent: Any[] = []
  const fatal: unknown[] = []
  let completed = 0
  const spec: ActorSpec = { name: 'core', consumes: ['x'], init: undefined, run }
  const core = createActorCore(spec, {
    deps: base,
    snapshot: undefined,
    send: (m) => sent.push(m as Any),
    onFatal: (e) => fatal.push(e),
    onComplete: () => {
      completed++
    },
    ...over
  })
  return { core, sent, fatal, completed: () => completed }
}

const core = suite('actor core')

core('core - published messages and requests go to in$; out$ goes to send; counters count', () => {
  const { core: c, sent } = harness((in$) => in$.pipe(map(m => ({ type: 'seen', of: m.type }))))
  c.deliver({ type: 'x' })
  c.deliver({ type: 'x', cid: 4 })
  assert.equal(sent, [{ type: 'seen', of: 'x' }, { type: 'seen', of: 'x' }])
  const s = c.stats()
  assert.equal(s, { name: 'core', threadId, messagesIn: 2, messagesOut: 2, pendingAsks: 0 })
})

core('core - replies go to the actor\'s own asks, not to in$', () => {
  const got: Message[] = []
  const seen: Message[] = []
  const { core: c, sent } = harness((in$, deps) => {
    deps.ask({ type: 'other.q' }).subscribe(m => got.push(m))
    return in$.pipe(mergeMap(m => {
      seen.push(m)
      return EMPTY
    }))
  })
  assert.equal(sent.map(m => [m.type, m.cid]), [['other.q', 1]])
  assert.is(c.stats().pendingAsks, 1)
  c.deliver({ type: 'other.r', re: 1, end: true })
  assert.equal(got.map(m => m.type), ['other.r'])
  assert.is(seen.length, 0)
  assert.is(c.stats().pendingAsks, 0)
})

core('core - the last snapshot is remembered, starting from the one it was given', () => {
  const { core: c } = harness((in$) => in$.pipe(map(m => ({ type: 'actor.snapshot', state: (m as Any).v }))), { snapshot: 'old' })
  assert.is(c.snapshot(), 'old')
  c.deliver({ type: 'x', v: 1 } as Message)
  c.deliver({ type: 'x', v: 2 } as Message)
  assert.is(c.snapshot(), 2)
})

core('core - deps carry the name, the base deps and the snapshot', () => {
  let deps: ActorDeps | undefined
  harness((_in$, d) => {
    deps = d
    return NEVER
  }, { snapshot: { n: 1 } })
  assert.is(deps!.name, 'core')
  assert.equal(deps!.snapshot, { n: 1 })
  assert.is(deps!.scheduler, asyncScheduler)
  assert.is(deps!.log, silentLogger)
})

core('core - configure puts actor.configure with the patch into in$', () => {
  const { core: c, sent } = harness((in$) => in$)
  c.configure({ k: 3 })
  assert.equal(sent, [{ type: 'actor.configure', patch: { k: 3 } }])
})

core('core - a run that throws, and an out$ that errors, are fatal', () => {
  const thrown = harness(() => {
    throw new Error('build')
  })
  assert.is((thrown.fatal[0] as Error).message, 'build')
  const errored = harness((in$) =>
    in$.pipe(mergeMap(() => {
      throw new Error('later')
    }))
  )
  errored.core.deliver({ type: 'x' })
  assert.is((errored.fatal[0] as Error).message, 'later')
})

core('core - out$ completing on its own is reported once', () => {
  const { completed } = harness(() => of({ type: 'bye' }))
  assert.is(completed(), 1)
})

core('core - stop completes in$, unsubscribes out$, and ignores later deliveries', () => {
  let finalized = false
  const { core: c, sent, completed, fatal } = harness((in$) =>
    in$.pipe(finalize(() => {
      finalized = true
    }))
  )
  c.stop()
  c.stop()
  assert.ok(finalized)
  c.deliver({ type: 'x' })
  assert.is(sent.length, 0)
  assert.is(completed(), 0, 'a stop is not a completion')
  assert.is(fatal.length, 0)
})

core.run()
