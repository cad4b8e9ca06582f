import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Observable, Subject, Subscription } from 'rxjs'
import type { SchedulerAction, SchedulerLike } from 'rxjs'
import { ID_LENGTH } from '@peerconnect/protocol'
import type { Contact, Message, NodeId, TransportQuery } from '@peerconnect/protocol'
import { testDeps } from '@peerconnect/runtime/testing'
import { createLookup } from '../src/lookup.js'
import { runLookup } from '../src/run-lookup.js'
import type { LookupEvent } from '../src/run-lookup.js'
import { EXPIRE_INITIAL, SLOW_INITIAL, STALL_SLACK } from '../src/constants.js'

// ids at a known XOR distance d (last byte) from TARGET
const TARGET = new Uint8Array(ID_LENGTH)
const id = (d: number): NodeId => {
  const x = new Uint8Array(ID_LENGTH)
  x[ID_LENGTH - 1] = d
  return x
}
const contact = (d: number): Contact => ({ id: id(d), host: '10.0.0.' + d, port: 1000 + d, lastSeen: 0 })
const dist = (c: { id: NodeId }): number => c.id[ID_LENGTH - 1]!

// ── the pure lookup ──────────────────────────────────────────────────────────────────────────

const pure = suite('lookup - postpone')

pure('postpone - moves the slow and expiry deadlines of queries in flight back', () => {
  const l = createLookup(TARGET, [contact(1), contact(2)], { k: 2, alpha: 2 })
  assert.equal(l.take(0).map(dist), [1, 2])
  assert.is(l.nextDeadline(), SLOW_INITIAL)
  l.postpone(400)
  assert.is(l.nextDeadline(), SLOW_INITIAL + 400)
  l.take(SLOW_INITIAL + 400)
  assert.is(l.stats().slow, 2)
  assert.is(l.nextDeadline(), EXPIRE_INITIAL + 400)
  l.postpone(100)
  assert.is(l.nextDeadline(), EXPIRE_INITIAL + 500, 'slow ones move too')
  l.take(EXPIRE_INITIAL + 499)
  assert.is(l.stats().expired, 0)
})

pure('postpone - ignores answered queries and nonsense amounts', () => {
  const l = createLookup(TARGET, [contact(1), contact(2)], { k: 2, alpha: 2 })
  l.take(0)
  l.reply(id(1), 10, { id: id(1), nodes: [], rtt: 250 })
  for (const bad of [-5, 0, NaN, Infinity]) l.postpone(bad)
  assert.is(l.nextDeadline(), SLOW_INITIAL)
  l.postpone(50)
  assert.is(l.nextDeadline(), SLOW_INITIAL + 50)
  l.reply(id(2), SLOW_INITIAL, { id: id(2), nodes: [] })
  assert.ok(l.done)
  assert.equal(l.closest().map(dist), [1, 2])
})

pure.run()

// ── runLookup with a hand-rolled clock and scheduler: the event loop stalls ──────────────────

/**
 * A virtual event loop: `clock` is what the code reads; timers run only in `runTimers()`, like
 * Node's timers phase, so a stall is the clock moving with nothing run. Queries are answered by
 * hand with `answer` (the poll phase).
 */
function loop () {
  let t = 0
  const timers: Array<{ at: number, work: () => void, live: boolean }> = []
  const scheduler: SchedulerLike = {
    now: () => t,
    schedule<T> (work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      const timer = { at: t + delay, work: () => work.call(undefined as unknown as SchedulerAction<T>, state), live: true }
      timers.push(timer)
      return new Subscription(() => {
        timer.live = false
      })
    }
  }
  const queries: Array<{ q: TransportQuery, reply: Subject<Message> }> = []
  const asked: Message[] = []
  const ask = (msg: Message): Observable<Message> => {
    asked.push(msg)
    if (msg.type === 'routing.closest') {
      return new Observable<Message>(s => {
        s.next({ type: 'routing.closest.reply', re: 1, end: true, contacts: [contact(1), contact(2)] } as Message)
        s.complete()
      })
    }
    const reply = new Subject<Message>()
    queries.push({ q: msg as TransportQuery, reply })
    return reply.asObservable()
  }
  const deps = testDeps({ name: 'crawler', scheduler, ask })
  return {
    deps,
    queries,
    /** The clock jumps by `ms` while nothing runs (a busy-wait). */
    stall (ms: number) {
      t += ms
    },
    /** Runs every live timer due by now, earliest first (including ones they schedule that are due). */
    runTimers () {
      for (;;) {
        const due = timers.filter(x => x.live && x.at <= t).sort((a, b) => a.at - b.at)[0]
        if (due === undefined) return
        due.live = false
        due.work()
      }
    },
    /** Moves the clock to the next live timer and runs it; false when none is left. */
    advance (): boolean {
      const next = timers.filter(x => x.live).sort((a, b) => a.at - b.at)[0]
      if (next === undefined) return false
      t = Math.max(t, next.at)
      this.runTimers()
      return true
    },
    answer (d: number, nodes: Uint8Array = new Uint8Array(0)) {
      const q = queries.find(x => x.q.to.port === 1000 + d)!
      q.reply.next(
        { type: 'transport.response', re: 1, end: true, from: q.q.to, id: id(d), r: { id: id(d), nodes }, rtt: 250, bytes: 100 } as Message
      )
      q.reply.complete()
    },
    get now () {
      return t
    }
  }
}

function result (events: LookupEvent[]): Extract<LookupEvent, { kind: 'result' }> | undefined {
  return events.find((e): e is Extract<LookupEvent, { kind: 'result' }> => e.kind === 'result')
}

const stall = suite('crawler - event-loop stall')

// The runs that watch a silent node expire set `retries: 0`: with a retry it would be asked once more first.

stall('stall - a late timer pushes the deadlines back: a reply read after it still counts', () => {
  const l = loop()
  const events: LookupEvent[] = []
  const sub = runLookup(TARGET, l.deps, { id: id(200), k: 2, alpha: 2 }).subscribe(e => events.push(e))
  assert.equal(l.queries.map(q => q.q.to.port), [1001, 1002])
  l.answer(2)
  l.stall(EXPIRE_INITIAL + 400) // node 1's reply is queued behind the timer
  l.runTimers() // the timers phase first: the wake fires 900 ms late
  assert.is(result(events), undefined, 'node 1 is not given up')
  l.answer(1) // then the poll phase reads the reply
  const r = result(events)
  assert.ok(r !== undefined)
  assert.equal(r.lookup.closest().map(dist), [1, 2])
  assert.is(r.lookup.stats().expired, 0)
  sub.unsubscribe()
})

stall('stall - without the fix the same run would lose node 1 (stallSlack = Infinity)', () => {
  const l = loop()
  const events: LookupEvent[] = []
  const sub = runLookup(TARGET, l.deps, { id: id(200), k: 2, alpha: 2, stallSlack: Infinity, retries: 0 }).subscribe(e => events.push(e))
  l.answer(2)
  l.stall(EXPIRE_INITIAL + 400)
  l.runTimers()
  const r = result(events)
  assert.ok(r !== undefined, 'the lookup ended at the late timer')
  assert.equal(r.lookup.closest().map(dist), [2], 'and missed node 1')
  sub.unsubscribe()
})

stall('stall - a node that really is silent is still given up, the stall not counted', () => {
  const l = loop()
  const events: LookupEvent[] = []
  const sub = runLookup(TARGET, l.deps, { id: id(200), k: 2, alpha: 2, retries: 0 }).subscribe(e => events.push(e))
  l.answer(2)
  l.stall(SLOW_INITIAL + 400)
  l.runTimers()
  const stalledAt = l.now
  while (result(events) === undefined && l.advance()) { /* virtual time runs on */ }
  const r = result(events)
  assert.ok(r !== undefined)
  assert.equal(r.lookup.closest().map(dist), [2])
  assert.is(r.lookup.stats().expired, 1)
  const remaining = r.lookup.expireThreshold() - r.lookup.slowThreshold()
  assert.is(l.now, stalledAt + STALL_SLACK + remaining, 'expired after its remaining time, the stall excluded')
  sub.unsubscribe()
})

stall('stall - a reply that gets in before the late timer also pushes the others back', () => {
  const l = loop()
  const events: LookupEvent[] = []
  const sub = runLookup(TARGET, l.deps, { id: id(200), k: 2, alpha: 2 }).subscribe(e => events.push(e))
  l.stall(EXPIRE_INITIAL + 400)
  l.answer(2) // the poll phase came first this time
  l.runTimers()
  assert.is(result(events), undefined, 'node 1 still awaited')
  l.answer(1)
  assert.equal(result(events)?.lookup.closest().map(dist), [1, 2])
  sub.unsubscribe()
})

stall('stall - timers on time change nothing: the silent node expires at its threshold', () => {
  const l = loop()
  const events: LookupEvent[] = []
  const sub = runLookup(TARGET, l.deps, { id: id(200), k: 2, alpha: 2, retries: 0 }).subscribe(e => events.push(e))
  l.answer(2)
  while (result(events) === undefined && l.advance()) { /* on time */ }
  const r = result(events)
  assert.is(r?.lookup.expireThreshold(), 750, '3 × the 250 ms rtt')
  assert.is(l.now, 750)
  assert.equal(r?.lookup.closest().map(dist), [2])
  sub.unsubscribe()
})

stall.run()
