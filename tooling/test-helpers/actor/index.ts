/**
 * `@peerconnect/test-helpers/actor`: the compliance suite every actor package runs against its
 * real actor (built with the runtime's actor kit):
 *
 *   // packages/liveness/test/compliance.test.ts
 *   import { actorCompliance } from '@peerconnect/test-helpers/actor'
 *   import { liveness } from '../src/index.js'
 *
 *   actorCompliance({
 *     spec: () => liveness({ tcp: false }),
 *     request: { type: 'liveness.check', id: new Uint8Array(20), host: '127.0.0.1', port: 9 },
 *     cancel: { request: { type: 'liveness.check', … }, holds: 'transport.query' }
 *   })
 *
 * It checks, on the inline host in virtual time (a manual scheduler drives the supervisor and the
 * actor): start and stop; an unknown message; a throwing handler (the `throw` fault); cancel;
 * snapshot and restore across a crash (the `uncaught` fault); no timers left after stop (virtual
 * ones and real ones). With `worker: true` it also runs the actor in a worker and injects the
 * three faults there: a throwing handler is answered, an uncaught error and a `process.exit` are
 * restarted, and it answers again after each.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, Observable, Subject, toArray } from 'rxjs'
import type { Subscription } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import type { ActorSpec, Handler, Supervisor } from '@peerconnect/runtime'
import { manualScheduler, testDeps } from '@peerconnect/runtime/testing'
import type { ManualScheduler } from '@peerconnect/runtime/testing'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'

/** A message to send as a request (the supervisor gives it its `cid`). */
export type Request = Message & Record<string, unknown>

export interface ComplianceOptions {
  /** A fresh spec of the real actor, as a node starts it (called once per check). */
  readonly spec: () => ActorSpec
  /**
   * A request the actor answers (a reply or an error reply) when the only other actors are the
   * stand-ins of `peers`: it shows the actor is alive and answering.
   */
  readonly request: Request
  /** Stand-ins for the actors it asks, by message type (started before it). Other asks fail with ERR_NO_CONSUMER. */
  readonly peers?: Readonly<Record<string, Handler<undefined>>>
  /**
   * A request whose answer waits on an ask of type `holds`, which a stand-in holds open: cancelling
   * the request must cancel that ask too. Without it, cancel is checked on `request` only.
   */
  readonly cancel?: { readonly request: Request, readonly holds: string }
  /**
   * Snapshot and restore: `prepare` drives the actor until it has emitted a snapshot; after a
   * crash and restart, `verify` checks that the new incarnation restored `state` (the snapshot
   * the host kept). Without it, the check is that a kept snapshot survives the restart and the
   * actor answers again.
   */
  readonly snapshot?: {
    readonly prepare: (sup: Supervisor) => Promise<void>
    readonly verify: (sup: Supervisor, state: unknown) => Promise<void>
  }
  /** Also run it on the worker host and make it exit there (slower: a worker per check). */
  readonly worker?: boolean
  /** ms per check (default 10 s; 30 s with worker). */
  readonly timeout?: number
}

/** Resource kinds that must not be left behind by a stopped actor. */
const LEAKS = ['Timeout', 'TCPServerWrap', 'TCPSocketWrap', 'UDPWrap', 'Immediate']
/** A restart waits at most this long in virtual time. */
const RESTART_DELAY = 10
const PEERS = 'compliance-peers'

/** Registers and runs the compliance suite for one actor. */
export function actorCompliance (opts: ComplianceOptions): void {
  const name = opts.spec().name
  const ms = opts.timeout ?? (opts.worker === true ? 30_000 : 10_000)
  const s = suite(`${name} compliance`)
  const test = (title: string, fn: (run: Running) => Promise<void>, holding = false): void => {
    s(`compliance - ${name}: ${title}`, withTimeout(ms, async () => {
      const run = await startRun(opts, holding)
      try {
        await fn(run)
      } finally {
        await run.stop()
      }
    }))
  }
  const answered = async (sup: Supervisor, msg: Request = opts.request): Promise<Message[]> =>
    await lastValueFrom(sup.ask(msg as Message).pipe(toArray()))
  /** The request's last reply, or its error (as a value): either way the actor answered. */
  const outcome = async (sup: Supervisor, msg: Request = opts.request): Promise<{ reply?: Message, code?: string }> => {
    try {
      return { reply: (await answered(sup, msg)).at(-1) }
    } catch (err) {
      const code = (err as { code?: unknown }).code
      return { code: typeof code === 'string' ? code : 'ERR_UNKNOWN' }
    }
  }
  const running = (sup: Supervisor): { state: string, restarts: number } | undefined => sup.stats().find(a => a.name === name)

  test('starts, answers, and stops leaving no timer, socket or handle', async ({ sup, scheduler, before }) => {
    assert.is(running(sup)?.state, 'running')
    const o = await outcome(sup)
    assert.not.equal(o.code, 'ERR_ASK_TIMEOUT', 'the request is answered')
    scheduler.advance(60_000)
    await sup.stop()
    assert.is(scheduler.pending(), 0, 'no virtual timer left after stop')
    await waitFor(() => leftOver(before).length === 0, { timeout: 3000, what: `no resources left (${leftOver(before).join(', ')})` }).catch(
      () => {}
    )
    assert.equal(leftOver(before), [], 'no real timer, socket or immediate left after stop')
  })

  test('an unknown request gets ERR_UNKNOWN_TYPE, an unknown published message is dropped; it keeps running', async ({ sup }) => {
    const replies: Message[] = []
    const errors: unknown[] = []
    const in$ = new Subject<Message>()
    const deps = testDeps({ name })
    const sub = opts.spec().run(in$, deps).subscribe({ next: m => replies.push(m), error: e => errors.push(e) })
    try {
      in$.next({ type: 'compliance.unknown' })
      in$.next({ type: 'constructor' })
      in$.next({ type: 'compliance.unknown', cid: 7 })
      const answer = replies.find((m): m is Message & { error?: { code?: string } } => m.re === 7)
      assert.is(answer?.type, 'error', 'an unknown request is answered with an error reply')
      assert.is(answer?.error?.code, 'ERR_UNKNOWN_TYPE')
      assert.equal(errors, [], 'out$ did not error')
    } finally {
      sub.unsubscribe()
    }
    sup.publish({ type: 'compliance.unknown' } as never)
    assert.not.equal((await outcome(sup)).code, 'ERR_ASK_TIMEOUT')
    assert.is(running(sup)?.restarts, 0)
  })

  test('a throwing handler gives the asker ERR_FAULT_INJECTED; the actor is not restarted and answers again', async ({ sup }) => {
    await sup.control(name).fault({ kind: 'throw', on: opts.request.type })
    const faulted = await outcome(sup)
    assert.is(faulted.code, 'ERR_FAULT_INJECTED')
    const again = await outcome(sup)
    assert.ok(again.code !== 'ERR_FAULT_INJECTED' && again.code !== 'ERR_ASK_TIMEOUT',
      `answered again (${again.code ?? again.reply?.type})`)
    assert.equal([running(sup)?.state, running(sup)?.restarts], ['running', 0])
  })

  test('a cancelled request is unsubscribed (and so are the asks it made)', async ({ sup, held }) => {
    if (opts.cancel === undefined) {
      const sub = sup.ask(opts.request as Message).subscribe({ error: () => {} })
      sub.unsubscribe()
    } else {
      const sub: Subscription = sup.ask(opts.cancel.request as Message).subscribe({ error: () => {} })
      await waitFor(() => held.opened > 0, { what: `an ask of ${opts.cancel.holds}` })
      sub.unsubscribe()
      await waitFor(() => held.closed === held.opened, { what: `the ${opts.cancel.holds} ask cancelled` })
    }
    await waitFor(() => sup.pendingAsks() === 0, { what: 'no ask left open' })
    assert.is(running(sup)?.restarts, 0)
  }, true)

  test('after a crash it restarts with its last snapshot', async ({ sup, scheduler }) => {
    await outcome(sup)
    if (opts.snapshot !== undefined) await opts.snapshot.prepare(sup)
    const kept = await sup.control(name).snapshot()
    if (opts.snapshot !== undefined) assert.ok(kept !== undefined, 'prepare made the actor emit a snapshot')
    await sup.control(name).fault({ kind: 'uncaught' })
    await waitFor(() => running(sup)?.state === 'restarting', { what: 'the crash' })
    scheduler.advance(RESTART_DELAY)
    await waitFor(() => running(sup)?.state === 'running', { what: 'the restart' })
    assert.is(running(sup)?.restarts, 1)
    if (kept !== undefined) assert.ok(await sup.control(name).snapshot() !== undefined, 'the kept snapshot survived the restart')
    if (opts.snapshot !== undefined) await opts.snapshot.verify(sup, kept)
    assert.not.equal((await outcome(sup)).code, 'ERR_ASK_TIMEOUT')
  })

  if (opts.worker === true) {
    s(`compliance - ${name}: on the worker host, a throwing handler is answered, an uncaught error and a process.exit restart it`,
      withTimeout(ms, async () => {
        const sup = createSupervisor({ log: silentLogger, allowFaults: true, restart: { min: RESTART_DELAY } })
        try {
          await startPeers(sup, opts, false)
          await sup.start(opts.spec(), { host: 'worker' })
          await sup.control(name).fault({ kind: 'throw', on: opts.request.type })
          assert.is((await outcome(sup)).code, 'ERR_FAULT_INJECTED')
          assert.not.equal((await outcome(sup)).code, 'ERR_ASK_TIMEOUT')
          for (const [i, kind] of (['uncaught', 'exit'] as const).entries()) {
            await sup.control(name).fault({ kind })
            await waitFor(() => running(sup)?.restarts === i + 1 && running(sup)?.state === 'running', { timeout: ms / 3,
              what: `the restart after ${kind}` })
            assert.not.equal((await outcome(sup)).code, 'ERR_ASK_TIMEOUT', `answers after ${kind}`)
          }
        } finally {
          await sup.stop()
        }
      }))
  }

  s.run()
}

interface Running {
  readonly sup: Supervisor
  readonly scheduler: ManualScheduler
  /** The stand-in's asks of `cancel.holds`: how many were opened and how many were torn down. */
  readonly held: { opened: number, closed: number }
  /** Resources of this process before the actor started. */
  readonly before: ReadonlyMap<string, number>
  stop(): Promise<void>
}

async function startRun (opts: ComplianceOptions, holding: boolean): Promise<Running> {
  const before = resources()
  const scheduler = manualScheduler()
  const deps = testDeps({ scheduler })
  const sup = createSupervisor({
    log: silentLogger,
    scheduler,
    clock: deps.clock,
    random: deps.random,
    restart: { min: RESTART_DELAY, max: RESTART_DELAY },
    watchdog: false,
    allowFaults: true,
    pool: deps.pool
  })
  const held = await startPeers(sup, opts, holding)
  await sup.start(opts.spec(), { host: 'inline' })
  return { sup, scheduler, held, before, stop: async () => sup.stop() }
}

/** Starts the stand-ins of `peers` and, when `holding`, of `cancel.holds` (one inline actor), if any. */
async function startPeers (sup: Supervisor, opts: ComplianceOptions, holding: boolean): Promise<{ opened: number, closed: number }> {
  const held = { opened: 0, closed: 0 }
  const handlers: Record<string, Handler<undefined>> = { ...opts.peers }
  if (holding && opts.cancel !== undefined) {
    handlers[opts.cancel.holds] = () => new Observable<Message>(() => {
      held.opened++
      return () => {
        held.closed++
      }
    })
  }
  if (Object.keys(handlers).length > 0) {
    await sup.start(defineActor({ name: PEERS, context: () => undefined, handlers })(undefined), { host: 'inline' })
  }
  return held
}

function resources (): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1)
  return counts
}

/** Kinds of resource there are more of now than `before`. */
function leftOver (before: ReadonlyMap<string, number>): string[] {
  const now = resources()
  return LEAKS.filter(k => (now.get(k) ?? 0) > (before.get(k) ?? 0)).map(k => `${k} ×${(now.get(k) ?? 0) - (before.get(k) ?? 0)}`)
}
