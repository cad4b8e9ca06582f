/**
 * Many timeouts, few timers: ask timeouts with the same delay expire in the order they were
 * set, so each distinct delay keeps a FIFO lane and ONE scheduled action for its head, instead
 * of one timer per ask. Time goes through the injected scheduler (TestScheduler works). A lane
 * whose deadlines are all cancelled drops its action at once, so nothing keeps the process
 * alive. The bookkeeping lives on the `Timed` object itself: adding one allocates nothing. A lane
 * lets go of its expired and cancelled deadlines as it goes (a busy lane may never empty), so it
 * holds about as many as are live.
 */
import type { SchedulerLike, Subscription } from 'rxjs'
import { withGetters } from './getters.js'

/** Something that can time out, added once; subclasses say what happens in `expire`. */
export class Timed {
  /** When it expires (scheduler time); set by `add`. */
  at = 0
  /** Expired or cancelled. */
  done = false
  lane: Lane | undefined = undefined
  expire (): void {}
}

export interface Deadlines {
  /** `timed.expire()` runs after `delay` ms unless it is cancelled first. Add each Timed once. */
  add(delay: number, timed: Timed): void
  cancel(timed: Timed): void
  /** Cancels everything. */
  clear(): void
  /** Deadlines neither expired nor cancelled. */
  readonly size: number
  /** Deadlines the lanes still hold, expired and cancelled ones not yet let go of included (a leak check). */
  readonly held: number
}

interface Lane {
  readonly delay: number
  entries: Timed[]
  head: number
  live: number
  action: Subscription | undefined
}

/** Compact a lane once more than this many deadlines wait from its head and under a quarter of them are live. */
const COMPACT_AT = 32

export function createDeadlines (scheduler: SchedulerLike): Deadlines {
  const lanes = new Map<number, Lane>()
  let size = 0

  const drop = (lane: Lane): void => {
    lane.action?.unsubscribe()
    lane.action = undefined
    if (lanes.get(lane.delay) === lane) lanes.delete(lane.delay)
  }
  const arm = (lane: Lane, now: number): void => {
    while (lane.head < lane.entries.length && lane.entries[lane.head]!.done) lane.head++
    if (lane.head === lane.entries.length) return drop(lane)
    // Let go of the deadlines before the head once they are half the lane (amortized: each is copied at most once).
    if (lane.head >= COMPACT_AT && lane.head * 2 >= lane.entries.length) {
      lane.entries = lane.entries.slice(lane.head)
      lane.head = 0
    }
    lane.action = scheduler.schedule(() => expire(lane), Math.max(0, lane.entries[lane.head]!.at - now))
  }
  const expire = (lane: Lane): void => {
    lane.action = undefined
    const now = scheduler.now()
    while (lane.head < lane.entries.length && lane.entries[lane.head]!.at <= now) {
      const timed = lane.entries[lane.head++]!
      if (timed.done) continue
      timed.done = true
      lane.live--
      size--
      timed.expire()
    }
    if (lanes.get(lane.delay) === lane && lane.action === undefined) arm(lane, now)
  }

  const api: Omit<Deadlines, 'size' | 'held'> = {
    add (delay, timed) {
      const now = scheduler.now()
      let lane = lanes.get(delay)
      if (lane === undefined) lanes.set(delay, lane = { delay, entries: [], head: 0, live: 0, action: undefined })
      timed.at = now + delay
      timed.lane = lane
      lane.entries.push(timed)
      lane.live++
      size++
      if (lane.action === undefined) arm(lane, now)
    },
    cancel (timed) {
      const lane = timed.lane
      if (timed.done || lane === undefined) return
      timed.done = true
      size--
      if (--lane.live === 0) return drop(lane)
      const stored = lane.entries.length - lane.head
      if (stored > COMPACT_AT && lane.live * 4 < stored) { // amortized: three in four go
        lane.entries = lane.entries.slice(lane.head).filter(e => !e.done)
        lane.head = 0
      }
    },
    clear () {
      for (const lane of [...lanes.values()]) {
        for (let i = lane.head; i < lane.entries.length; i++) lane.entries[i]!.done = true
        drop(lane)
      }
      size = 0
    }
  }
  return withGetters(api, {
    size: () => size,
    held: () => {
      let n = 0
      for (const lane of lanes.values()) n += lane.entries.length
      return n
    }
  })
}
