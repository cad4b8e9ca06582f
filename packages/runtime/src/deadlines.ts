/**
 * Many timeouts, few timers: ask timeouts with the same delay expire in the order they were
 * set, so each distinct delay keeps a FIFO lane and ONE scheduled action for its head, instead
 * of one timer per ask. Time goes through the injected scheduler (TestScheduler works). A lane
 * whose entries are all cancelled drops its action at once, so nothing keeps the process alive.
 */
import type { SchedulerLike, Subscription } from 'rxjs'

export interface Deadline {
  cancel (): void
}

export interface Deadlines {
  /** Calls `fire` after `delay` ms unless cancelled first. */
  add (delay: number, fire: () => void): Deadline
  /** Cancels everything. */
  clear (): void
  /** Deadlines neither fired nor cancelled. */
  readonly size: number
}

interface Lane {
  readonly delay: number
  entries: Entry[]
  head: number
  live: number
  action: Subscription | undefined
}

/** Compact a lane once this many cancelled entries wait behind its head. */
const COMPACT_AT = 1024

class Entry implements Deadline {
  done = false
  constructor (readonly at: number, readonly fire: () => void, private readonly lane: Lane, private readonly owner: { cancelled (lane: Lane): void }) {}
  cancel (): void {
    if (this.done) return
    this.done = true
    this.owner.cancelled(this.lane)
  }
}

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
    lane.action = scheduler.schedule(() => expire(lane), Math.max(0, lane.entries[lane.head]!.at - now))
  }
  const expire = (lane: Lane): void => {
    lane.action = undefined
    const now = scheduler.now()
    while (lane.head < lane.entries.length && lane.entries[lane.head]!.at <= now) {
      const entry = lane.entries[lane.head++]!
      if (entry.done) continue
      entry.done = true
      lane.live--
      size--
      entry.fire()
    }
    if (lanes.get(lane.delay) === lane && lane.action === undefined) arm(lane, now)
  }
  const owner = {
    cancelled (lane: Lane): void {
      size--
      if (--lane.live === 0) return drop(lane)
      const stored = lane.entries.length - lane.head
      if (stored > COMPACT_AT && lane.live * 4 < stored) {
        lane.entries = lane.entries.slice(lane.head).filter(e => !e.done)
        lane.head = 0
      }
    }
  }

  return {
    add (delay, fire) {
      const now = scheduler.now()
      let lane = lanes.get(delay)
      if (lane === undefined) lanes.set(delay, lane = { delay, entries: [], head: 0, live: 0, action: undefined })
      const entry = new Entry(now + delay, fire, lane, owner)
      lane.entries.push(entry)
      lane.live++
      size++
      if (lane.action === undefined) arm(lane, now)
      return entry
    },
    clear () {
      for (const lane of [...lanes.values()]) {
        for (let i = lane.head; i < lane.entries.length; i++) lane.entries[i]!.done = true
        drop(lane)
      }
      size = 0
    },
    get size () { return size }
  }
}
