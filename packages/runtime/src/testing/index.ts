/**
 * `@peerconnect/runtime/testing`: deps for running an actor in a test, in virtual time.
 *
 *   const deps = testDeps({ ask: (msg) => of(reply(msg, …)) })
 *   const sub = myActor(init)(in$, deps).subscribe(out => …)
 *   deps.advance(5_000)          // runs every timer due within 5 s of virtual time
 *   deps.logs                    // [{ level, msg, fields }] — what the actor logged
 *   deps.timers()                // timers still scheduled (0 after the actor stopped)
 */
import { VirtualTimeScheduler, throwError } from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import type { ActorDeps, AskOptions, Clock, ComputePool, Logger } from '../contract.js'
import { NoConsumerError } from '../errors.js'
import { seededRandom } from '../sim/random.js'

export { seededRandom } from '../sim/random.js'

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error'
  /** The logger's namespace (`child` names joined with `:`; '' for the root). */
  readonly ns: string
  readonly msg: string
  readonly fields?: Record<string, unknown>
}

/** A logger that keeps every line in `lines` (its children share them). */
export interface RecordingLogger extends Logger {
  readonly lines: LogLine[]
}

export function recordingLogger (lines: LogLine[] = [], ns = ''): RecordingLogger {
  const at = (level: LogLine['level']) => (msg: string, fields?: Record<string, unknown>): void => {
    lines.push(fields === undefined ? { level, ns, msg } : { level, ns, msg, fields })
  }
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (name) => recordingLogger(lines, ns === '' ? name : `${ns}:${name}`)
  }
}

/**
 * A virtual-time scheduler (rxjs `VirtualTimeScheduler`) that a test moves forward by hand:
 * `advance(ms)` runs every action due by then, in order, including ones they schedule.
 */
export interface ManualScheduler extends VirtualTimeScheduler {
  /** Moves virtual time forward `ms`, running what is due. */
  advance(ms: number): void
  /** Actions still scheduled. */
  pending(): number
}

export function manualScheduler (): ManualScheduler {
  const s = new VirtualTimeScheduler() as ManualScheduler
  s.advance = (ms: number): void => {
    if (!(ms >= 0)) throw new RangeError(`advance needs ms ≥ 0, got ${ms}`)
    const target = s.frame + ms
    s.maxFrames = target
    s.flush()
    s.frame = target
    s.maxFrames = Infinity
  }
  s.pending = () => s.actions.filter(a => !a.closed).length
  return s
}

export interface TestDepsOptions {
  readonly name?: string
  /** Answers `deps.ask` (default: every ask fails with ERR_NO_CONSUMER, as when no actor consumes the type). */
  readonly ask?: (msg: Message, opts?: AskOptions) => Observable<Message>
  /** `deps.snapshot` (what a restarted actor gets back). */
  readonly snapshot?: unknown
  /** Seed of `deps.random` (default 1). */
  readonly seed?: number
  /** `deps.random` itself, for a test that needs a fixed value (instead of `seed`). */
  readonly random?: () => number
  /** `clock.now()` at virtual time 0 (default 1_700_000_000_000: ms since the epoch, late 2023). */
  readonly start?: number
  /** A clock of the test's own, moved apart from the scheduler (default: the scheduler's time). */
  readonly clock?: Clock
  /** Runs compute-pool tasks (default: every task fails with ERR_NO_POOL). */
  readonly pool?: ComputePool
  /**
   * A scheduler to use instead of a new manual one; `clock` then reads its time (`start` only
   * applies to a manual one). `asyncScheduler` gives real time, for a test on real sockets.
   */
  readonly scheduler?: SchedulerLike
}

export interface TestDeps extends ActorDeps {
  readonly clock: Clock
  readonly log: RecordingLogger
  /** Every line logged. */
  readonly logs: LogLine[]
  /** Every `deps.ask` message, in order. */
  readonly asked: Message[]
  /** Moves virtual time (scheduler and clock) forward `ms` (a manual scheduler only). */
  advance(ms: number): void
  /** Timers (scheduler actions) still pending (a manual scheduler only). */
  timers(): number
}

/**
 * Deps for one actor in a test: a clock and a scheduler on the same virtual time, a seeded
 * random, a logger that records, a pool that refuses (or the one given), and `ask` answered by
 * `opts.ask` (and recorded).
 */
export function testDeps (opts: TestDepsOptions = {}): TestDeps {
  const scheduler = opts.scheduler ?? manualScheduler()
  const manual = isManual(scheduler) ? scheduler : undefined
  const start = opts.start ?? 1_700_000_000_000
  const notManual = (): never => {
    throw new TypeError('advance() and timers() need the manual scheduler (testDeps without `scheduler`, or a manualScheduler())')
  }
  const log = recordingLogger()
  const asked: Message[] = []
  const answer = opts.ask ?? ((msg: Message) => throwError(() => new NoConsumerError(`no actor consumes ${msg.type}`)))
  return {
    name: opts.name ?? 'test',
    clock: opts.clock ?? (manual === undefined ? { now: () => scheduler.now() } : { now: () => start + manual.now() }),
    random: opts.random ?? seededRandom(opts.seed ?? 1),
    scheduler,
    log,
    logs: log.lines,
    pool: opts.pool ?? { run: async () => {
      throw Object.assign(new Error('no compute pool in this test'), { name: 'NoPoolError', code: 'ERR_NO_POOL' })
    } },
    snapshot: opts.snapshot,
    asked,
    ask: (msg, askOpts) => {
      asked.push(msg)
      return answer(msg, askOpts)
    },
    advance: (ms) => {
      if (manual === undefined) notManual()
      else manual.advance(ms)
    },
    timers: () => manual === undefined ? notManual() : manual.pending()
  }
}

function isManual (s: SchedulerLike): s is ManualScheduler {
  return s instanceof VirtualTimeScheduler && typeof (s as Partial<ManualScheduler>).advance === 'function'
}
