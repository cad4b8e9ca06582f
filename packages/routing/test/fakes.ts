/** Hand-rolled collaborators for the routing tests. */
import { asyncScheduler, Observable, Subject, throwError } from 'rxjs'
import type { SchedulerLike } from 'rxjs'
import { randomIdWithPrefix } from '@peerconnect/protocol'
import type { Contact, Message, NodeId, RoutingContactsReply, TransportQuery, TransportSeen } from '@peerconnect/protocol'
import type { ActorDeps, ActorFn, Logger } from '@peerconnect/runtime'
import { testDeps } from '@peerconnect/runtime/testing'
import { routingActor } from '../src/index.js'
import type { RoutingInit } from '../src/index.js'

export interface LogLine {
  level: string
  msg: string
  fields?: Record<string, unknown>
}

/** A logger that keeps what it was told. */
export function memoryLogger (lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>): void => {
    lines.push({ level, msg, ...(fields ? { fields } : {}) })
  }
  const log: Logger & { lines: LogLine[] } = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
    child: () => log }
  return log
}

export interface FakeClock {
  now(): number
  advance(ms: number): void
  set(ms: number): void
}

export function fakeClock (start = 1_000_000): FakeClock {
  let t = start
  return { now: () => t, advance: ms => {
    t += ms
  }, set: ms => {
    t = ms
  } }
}

export type Ask = (msg: Message, opts?: { timeout?: number }) => Observable<Message>

/**
 * The runtime's `testDeps()` (seeded random, a pool that refuses, asks recorded) for routing: on
 * real time unless a scheduler is given, with a clock the test sets by hand (the table's times)
 * and, when given, the test's own logger.
 */
export function fakeDeps (ask: Ask,
  opts: { clock?: { now(): number }, scheduler?: SchedulerLike, snapshot?: unknown, log?: Logger } = {}): ActorDeps {
  const deps = testDeps({ name: 'routing', ask, snapshot: opts.snapshot, scheduler: opts.scheduler ?? asyncScheduler })
  return { ...deps, clock: opts.clock ?? fakeClock(), log: opts.log ?? memoryLogger() }
}

/** An ask that nobody answers (like a supervisor with no consumer). */
export const noConsumer: Ask = () =>
  throwError(() => Object.assign(new Error('no consumer'), { name: 'NoConsumerError', code: 'ERR_NO_CONSUMER' }))

/** An ask that records every request and answers with `answer(msg)`. */
export function recordingAsk (answer: Ask = noConsumer): { ask: Ask, asked: Message[] } {
  const asked: Message[] = []
  return { asked, ask: (msg, o) => {
    asked.push(msg)
    return answer(msg, o)
  } }
}

/** An ask whose answers the test gives by hand, per request, in any order. */
export function manualAsk (): { ask: Ask, asked: Message[], answer: (i: number, m: Message) => void,
  fail: (i: number, code: string) => void, cancelled: () => number } {
  const asked: Message[] = []
  const pending: Array<Subject<Message>> = []
  let cancelled = 0
  const ask: Ask = (msg) => {
    asked.push(msg)
    const s = new Subject<Message>()
    pending.push(s)
    return new Observable<Message>(sub => {
      let settled = false
      const inner = s.subscribe({ next: v => sub.next(v), error: e => {
        settled = true
        sub.error(e)
      }, complete: () => {
        settled = true
        sub.complete()
      } })
      return () => {
        if (!settled) cancelled++
        inner.unsubscribe()
      }
    })
  }
  const answer = (i: number, m: Message): void => {
    pending[i]!.next(m)
    pending[i]!.complete()
  }
  const fail = (i: number, code: string): void => pending[i]!.error(Object.assign(new Error(code), { code }))
  return { ask, asked, answer, fail, cancelled: () => cancelled }
}

/** Runs an actor fn over a Subject and collects what it emits. */
export function harness (run: ActorFn,
  deps: ActorDeps): { in$: Subject<Message>, out: Message[], errors: unknown[], done: () => boolean, stop: () => void } {
  const in$ = new Subject<Message>()
  const out: Message[] = []
  const errors: unknown[] = []
  let completed = false
  const sub = run(in$, deps).subscribe({ next: m => out.push(m), error: e => errors.push(e), complete: () => {
    completed = true
  } })
  return { in$, out, errors, done: () => completed, stop: () => sub.unsubscribe() }
}

export function seen (id: NodeId, extra: Partial<TransportSeen> = {}): TransportSeen {
  return { type: 'transport.seen', id, host: '127.0.0.1', port: 7000, ...extra }
}

/** A contact id in bucket `bits` of `self` (shares exactly `bits` leading bits). */
export function idIn (self: NodeId, bits: number): NodeId {
  return randomIdWithPrefix(self, bits)
}

export function ofType<T extends Message> (out: Message[], type: string): T[] {
  return out.filter(m => m.type === type) as T[]
}

export function alive (check: Message, isAlive: boolean, at = 0): Message {
  const c = check as unknown as Contact
  return { type: 'liveness.result', re: 1, end: true, id: c.id, host: c.host, port: c.port, alive: isAlive, via: isAlive ? 'udp' : null,
    rtt: isAlive ? 5 : null, checkedAt: at } as Message
}

/** Routing actors started by `startRouting`, until `stopRouting` stops them (their timers would keep the process alive). */
const started: Array<() => void> = []

/**
 * A routing actor for `self` on a hand-set clock, its asks recorded (answered by nobody):
 * `pings()` are the transport queries it sent. Stop every one with `stopRouting` after a test.
 */
export function startRouting (self: NodeId, init: Omit<RoutingInit, 'id'> = {}) {
  const clock = fakeClock()
  const { ask, asked } = recordingAsk()
  const h = harness(routingActor({ id: self, ...init }), fakeDeps(ask, { clock }))
  started.push(h.stop)
  return { ...h, clock, asked, pings: () => asked.filter((m): m is TransportQuery => m.type === 'transport.query') }
}

export function stopRouting (): void {
  for (const stop of started.splice(0)) stop()
}

/** Correlation ids of `tableOf`'s asks: far above any a test numbers its own requests with. */
let contactsCid = 1_000_000_000

/** The contacts the actor answers `routing.contacts` with (its reply comes synchronously). */
export function tableOf (h: { in$: { next(m: Message): void }, out: Message[] }): Contact[] {
  const q = { type: 'routing.contacts', cid: ++contactsCid } as Message
  h.in$.next(q)
  const reply = h.out.find(x => x.re === q.cid) as RoutingContactsReply | undefined
  if (reply === undefined) throw new Error('routing.contacts was not answered at once')
  return reply.contacts
}
