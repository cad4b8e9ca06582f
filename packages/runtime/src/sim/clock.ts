/**
 * A virtual clock for simulations: an rxjs scheduler whose time moves only when the simulation
 * says so. Give it to `createSimNetwork({ scheduler })` and to the supervisors
 * (`createSupervisor({ scheduler: clock, clock, random })`), and every timer of the network and
 * of the inline actors runs on it: an hour of network life takes as long as its events take to
 * compute, and the same inputs give the same run, event for event.
 *
 *   const clock = createSimClock()
 *   const net = createSimNetwork({ scheduler: clock, latency, loss: 0.01 })
 *   …
 *   await clock.run(60 * 60_000)                      // one simulated hour
 *   const res = await clock.until(node.request(msg))  // as far as needed for a promise to settle
 *
 * Between two instants the clock lets the process's promise jobs run out (it waits one
 * `setImmediate`), so code that hands work on through promises and `queueMicrotask` sees the same
 * order as it would in real time; actions due at the same instant run in the order they were
 * scheduled. What must not be used under it: real timers (`setTimeout`), real I/O, real threads —
 * they happen outside virtual time. Promises of real work that must finish before time moves on
 * (a module being imported) can be handed to `hold`.
 */
import { Subscription, asyncScheduler } from 'rxjs'
import type { SchedulerAction, SchedulerLike } from 'rxjs'

export interface SimClock extends SchedulerLike {
  /** Virtual ms (starts at `start`, default SIM_EPOCH). */
  now(): number
  /** Runs every action due within the next `ms` virtual ms; time is then `now() + ms`. */
  run(ms: number): Promise<void>
  /** Runs every action due up to time `t` (virtual ms); time is then `t` (if it was earlier). */
  runUntil(t: number): Promise<void>
  /**
   * Runs actions until `p` settles, and returns its outcome; rejects with SimStalledError when no
   * action is left or `limit` virtual ms (default 1 h) passed and `p` is still pending.
   */
  until<T>(p: Promise<T>, limit?: number): Promise<T>
  /** Time does not move on while `p` is pending (real work the simulation waits for). */
  hold(p: Promise<unknown>): void
  /** Actions scheduled and not yet run or cancelled (cancelled ones may be counted until due). */
  readonly pending: number
  /** Actions run so far. */
  readonly executed: number
  /** Called once per instant, after its actions and their promise jobs ran (the simulation's own probes). */
  onInstant?: ((now: number) => void) | undefined
}

/** Where a clock starts unless told: 2026-01-01T00:00:00Z, so `clock.now()` looks like a date. */
export const SIM_EPOCH = Date.UTC(2026, 0, 1)

export class SimStalledError extends Error {
  readonly code = 'ERR_SIM_STALLED'
  constructor (message: string) {
    super(message)
    this.name = 'SimStalledError'
  }
}

export function createSimClock (opts: { start?: number } = {}): SimClock {
  let now = opts.start ?? SIM_EPOCH
  let seq = 0
  let executed = 0
  const heap: Entry[] = []
  const held = new Set<Promise<unknown>>()
  let running = false

  class SimAction<T> extends Subscription implements SchedulerAction<T> {
    /** The latest schedule of this action: an entry with another generation is stale. */
    generation = 0
    state: T | undefined
    constructor (private readonly work: (this: SchedulerAction<T>, state?: T) => void) {
      super()
    }
    schedule (state?: T, delay = 0): Subscription {
      if (this.closed) return this
      this.state = state
      push({ due: now + Math.max(0, delay), seq: seq++, action: this, generation: ++this.generation })
      return this
    }

    execute (): void {
      this.work(this.state)
    }
  }

  const clock: SimClock = {
    now: () => now,
    schedule<T> (work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T): Subscription {
      return new SimAction<T>(work).schedule(state, delay)
    },
    run: async (ms) => {
      await runTo(now + ms, undefined)
    },
    runUntil: async (t) => {
      await runTo(t, undefined)
    },
    async until<T> (p: Promise<T>, limit = 3_600_000): Promise<T> {
      let settled = false
      const watched = p.then(v => {
        settled = true
        return v
      }, (err: unknown) => {
        settled = true
        throw err
      })
      watched.catch(() => {})
      const end = now + limit
      await runTo(end, () => settled)
      if (!settled) {
        throw new SimStalledError(
          heap.length === 0
            ? 'the simulation ran out of events before the promise settled'
            : `the promise did not settle within ${limit} virtual ms`
        )
      }
      return await watched
    },
    hold (p) {
      const done = (): void => {
        held.delete(p)
      }
      held.add(p)
      p.then(done, done)
    },
    get pending () {
      return heap.length
    },
    get executed () {
      return executed
    },
    onInstant: undefined
  }
  return clock

  /** Lets promise jobs run out; while real work is held, waits for it and lets its promise jobs run out too. */
  async function settle (): Promise<void> {
    await nextTurn()
    while (held.size > 0) {
      await Promise.allSettled([...held])
      await nextTurn()
    }
  }

  async function runTo (end: number, stop: (() => boolean) | undefined): Promise<void> {
    if (running) throw Object.assign(new Error('the sim clock is already running'), { code: 'ERR_SIM_CLOCK_RUNNING' })
    running = true
    try {
      await settle()
      while (stop?.() !== true) {
        const head = heap[0]
        if (head === undefined || head.due > end) break
        now = Math.max(now, head.due)
        let failure: { error: unknown } | undefined
        // every action due now, in the order scheduled (including those scheduled at delay 0 by them)
        for (let e = heap[0]; e !== undefined && e.due <= now; e = heap[0]) {
          pop()
          if (e.action.closed || e.generation !== e.action.generation) continue
          executed++
          try {
            e.action.execute()
          } catch (err) {
            failure ??= { error: err }
          }
        }
        await settle()
        clock.onInstant?.(now)
        if (failure !== undefined) throw failure.error
      }
      if (stop?.() !== true && end > now) now = end
    } finally {
      running = false
    }
  }

  // ── a binary min-heap by (due, seq) ───────────────────────────────────────────────────────

  function push (e: Entry): void {
    heap.push(e)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(e, heap[parent]!)) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = e
  }

  function pop (): void {
    const last = heap.pop()
    if (last === undefined || heap.length === 0) return
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= heap.length) break
      const r = l + 1
      const c = r < heap.length && before(heap[r]!, heap[l]!) ? r : l
      if (!before(heap[c]!, last)) break
      heap[i] = heap[c]!
      i = c
    }
    heap[i] = last
  }
}

interface Entry {
  readonly due: number
  readonly seq: number
  readonly action: { closed: boolean, generation: number, execute(): void }
  readonly generation: number
}

function nextTurn (): Promise<void> {
  return new Promise<void>(resolve => setImmediate(resolve))
}

function before (a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq)
}

/**
 * `deps.random` when the actor runs on a virtual clock (any scheduler but rxjs's real-time
 * `asyncScheduler`), else undefined: what an actor uses for ids and secrets that must come from
 * the system's CSPRNG in real life but from the simulation's seed in a reproducible run.
 */
export function simulationRandom (deps: { readonly scheduler: SchedulerLike, readonly random: () => number }): (() => number) | undefined {
  return deps.scheduler === asyncScheduler ? undefined : deps.random
}

/** 20 bytes from `random` (a token secret in a simulation). */
export function randomSecret (random: () => number, length = 20): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256)
  return out
}
