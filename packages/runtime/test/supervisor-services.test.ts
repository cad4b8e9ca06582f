import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Observable, Subject, lastValueFrom, filter, map, mergeMap, NEVER, takeUntil } from 'rxjs'
import { isSupervisorStatsReply } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import { withTimeout, waitFor } from '@peerconnect/test-helpers'
import { createSupervisor } from '../src/supervisor.js'
import type { Supervisor } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import type { ActorSpec } from '../src/contract.js'
import { probe } from './fixtures/probe/index.js'

type Any = Message & Record<string, any>

function withSupervisor (fn: (sup: Supervisor) => Promise<void>): () => Promise<void> {
  return withTimeout(15_000, async () => {
    const sup = createSupervisor({ log: silentLogger })
    try {
      await fn(sup)
    } finally {
      await sup.stop()
    }
  })
}

/** An actor that streams a reply every tick for each `ticker.run` until cancelled, recording the cancels it sees. */
function ticker (name: string, consumes: string[]): { spec: ActorSpec, cancels: number[], seen: number[] } {
  const cancels: number[] = []
  const seen: number[] = []
  const spec: ActorSpec = {
    name,
    consumes,
    init: undefined,
    run: (in$) => {
      const cancel$ = new Subject<number>()
      return in$.pipe(
        mergeMap((msg: Any) => {
          if (msg.type === 'actor.cancel') {
            cancels.push(msg.ask)
            cancel$.next(msg.ask)
            return NEVER.pipe(takeUntil(cancel$))
          }
          seen.push(msg.cid!)
          return new Observable<Message>(sub => {
            let n = 0
            const t = setInterval(() => sub.next({ type: 'ticker.tick', re: msg.cid, end: false, n: n++ } as Message), 5)
            return () => clearInterval(t)
          }).pipe(takeUntil(cancel$.pipe(filter(c => c === msg.cid))))
        })
      )
    }
  }
  return { spec, cancels, seen }
}

const stats = suite('supervisor.stats')

stats('supervisor.stats - answered by the supervisor to an outside ask with every actor', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'inline' })
  const reply = await lastValueFrom(sup.ask({ type: 'supervisor.stats' }))
  assert.ok(isSupervisorStatsReply(reply), 'a well-formed reply')
  const actors = (reply as Any).actors as Any[]
  assert.equal(actors.map(a => a.name), ['probe'])
  assert.is(actors[0]!.host, 'inline')
  assert.is(actors[0]!.state, 'running')
}))

stats('supervisor.stats - answered to an actor on a worker thread too', withSupervisor(async (sup) => {
  await sup.start(probe({}), { host: 'worker' })
  const asker: ActorSpec = {
    name: 'asker',
    consumes: ['asker.go'],
    init: undefined,
    run: (in$, deps) =>
      in$.pipe(
        mergeMap(msg => deps.ask({ type: 'supervisor.stats' }).pipe(map(r => ({ ...(r as Any), re: msg.cid, end: true }))))
      )
  }
  await sup.start(asker, { host: 'inline' })
  const reply = await lastValueFrom(sup.ask({ type: 'asker.go' })) as Any
  const byName = new Map((reply.actors as Any[]).map(a => [a.name, a]))
  assert.is(byName.get('probe')!.host, 'worker')
  assert.is.not(byName.get('probe')!.threadId, byName.get('asker')!.threadId)
}))

stats.run()

const cancel = suite('actor.cancel forwarding')

cancel('actor.cancel - an actor that consumes it is told the cid it saw when the asker unsubscribes', withSupervisor(async (sup) => {
  const t = ticker('ticker', ['ticker.run', 'actor.cancel'])
  await sup.start(t.spec, { host: 'inline' })
  let ticks = 0
  const sub = sup.ask({ type: 'ticker.run' }, { timeout: 10_000 }).subscribe({ next: () => {
    ticks++
  } })
  await waitFor(() => ticks >= 3)
  sub.unsubscribe()
  await waitFor(() => t.cancels.length === 1)
  assert.equal(t.cancels, t.seen, 'the cancelled cid is the one the actor was answering')
  assert.is(sup.pendingAsks(), 0)
}))

cancel('actor.cancel - an actor that does not consume it is not sent one', withSupervisor(async (sup) => {
  const t = ticker('quiet', ['quiet.run'])
  const got: string[] = []
  const spy: ActorSpec = { ...t.spec, run: (in$, deps) =>
    t.spec.run(in$.pipe(map(m => {
      got.push(m.type)
      return m
    })), deps) }
  await sup.start(spy, { host: 'inline' })
  let ticks = 0
  const sub = sup.ask({ type: 'quiet.run' }, { timeout: 10_000 }).subscribe({ next: () => {
    ticks++
  } })
  await waitFor(() => ticks >= 2)
  sub.unsubscribe()
  assert.is(sup.pendingAsks(), 0)
  // The mailbox keeps order: once a later ask has arrived, a cancel sent before it would have too.
  const next = sup.ask({ type: 'quiet.run' }, { timeout: 10_000 }).subscribe()
  await waitFor(() => got.length === 2)
  next.unsubscribe()
  assert.equal(got, ['quiet.run', 'quiet.run'])
}))

cancel('actor.cancel - an actor asking another actor cancels it by unsubscribing from deps.ask', withSupervisor(async (sup) => {
  const t = ticker('ticker', ['ticker.run', 'actor.cancel'])
  await sup.start(t.spec, { host: 'inline' })
  const middle: ActorSpec = {
    name: 'middle',
    consumes: ['middle.go'],
    init: undefined,
    run: (in$, deps) => in$.pipe(mergeMap(msg => new Observable<Message>(sub => {
      let n = 0
      const inner = deps.ask({ type: 'ticker.run' }, { timeout: 10_000 }).subscribe(() => {
        if (++n === 3) {
          inner.unsubscribe()
          sub.next({ type: 'middle.done', re: msg.cid, end: true })
          sub.complete()
        }
      })
      return () => inner.unsubscribe()
    })))
  }
  await sup.start(middle, { host: 'inline' })
  await lastValueFrom(sup.ask({ type: 'middle.go' }))
  await waitFor(() => t.cancels.length === 1)
  assert.equal(t.cancels, t.seen)
}))

cancel.run()
