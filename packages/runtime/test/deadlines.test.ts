import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { TestScheduler } from 'rxjs/testing'
import { asyncScheduler } from 'rxjs'
import type { SchedulerLike } from 'rxjs'
import { Timed, createDeadlines } from '../src/deadlines.js'
import type { Deadlines } from '../src/deadlines.js'

const virtual = (): TestScheduler => {
  const ts = new TestScheduler((a, b) => assert.equal(a, b))
  ts.maxFrames = Number.POSITIVE_INFINITY
  return ts
}

/** A scheduler that counts the actions it holds, over a virtual one. */
function counting (inner: SchedulerLike): SchedulerLike & { active: number, scheduled: number } {
  const self = {
    active: 0,
    scheduled: 0,
    now: () => inner.now(),
    schedule (work: () => void, delay?: number) {
      self.active++
      self.scheduled++
      let done = false
      const sub = inner.schedule(() => {
        done = true
        self.active--
        work()
      }, delay)
      sub.add(() => {
        if (!done) {
          done = true
          self.active--
        }
      })
      return sub
    }
  }
  return self as unknown as SchedulerLike & { active: number, scheduled: number }
}

/** A deadline that runs `fire`, with its cancel. */
function after (d: Deadlines, delay: number, fire: () => void): { cancel(): void } {
  const timed = new (class extends Timed {
    override expire (): void {
      fire()
    }
  })()
  d.add(delay, timed)
  return { cancel: () => d.cancel(timed) }
}

const deadlines = suite('deadlines')

deadlines('deadlines - each fires after its delay, in order', () => {
  const ts = virtual()
  const fired: string[] = []
  const d = createDeadlines(ts)
  ts.schedule(() => after(d, 100, () => fired.push(`a@${ts.now()}`)), 0)
  ts.schedule(() => after(d, 100, () => fired.push(`b@${ts.now()}`)), 30)
  ts.schedule(() => after(d, 50, () => fired.push(`c@${ts.now()}`)), 40)
  ts.flush()
  assert.equal(fired, ['c@90', 'a@100', 'b@130'])
  assert.is(d.size, 0)
})

deadlines('deadlines - a cancelled deadline never fires', () => {
  const ts = virtual()
  const fired: number[] = []
  const d = createDeadlines(ts)
  const a = after(d, 10, () => fired.push(1))
  after(d, 10, () => fired.push(2))
  a.cancel()
  a.cancel()
  assert.is(d.size, 1)
  ts.flush()
  assert.equal(fired, [2])
})

deadlines('deadlines - one scheduled action per delay, not one per deadline', () => {
  const ts = virtual()
  const s = counting(ts)
  const d = createDeadlines(s)
  for (let i = 0; i < 1000; i++) after(d, 5000, () => {})
  assert.is(s.active, 1)
  after(d, 100, () => {})
  assert.is(s.active, 2)
  ts.flush()
  assert.is(s.active, 0)
})

deadlines('deadlines - when every deadline of a delay is cancelled its action goes too', () => {
  const s = counting(asyncScheduler)
  const d = createDeadlines(s)
  const all = Array.from({ length: 10 }, () => after(d, 60_000, () => {}))
  assert.is(s.active, 1)
  for (const x of all) x.cancel()
  assert.is(s.active, 0)
  assert.not.ok(process.getActiveResourcesInfo().includes('Timeout'), 'no timer keeps the process alive')
})

deadlines('deadlines - many cancelled behind a live head are compacted and the rest still fire on time', () => {
  const ts = virtual()
  const d = createDeadlines(ts)
  const fired: number[] = []
  after(d, 1000, () => fired.push(-1))
  for (let i = 0; i < 5000; i++) after(d, 1000, () => fired.push(i)).cancel()
  after(d, 1000, () => fired.push(9999))
  assert.is(d.size, 2)
  ts.flush()
  assert.equal(fired, [-1, 9999])
  assert.is(d.size, 0)
})

deadlines('deadlines - a lane that never empties lets go of its expired and cancelled deadlines', () => {
  const ts = virtual()
  const d = createDeadlines(ts)
  let fired = 0
  // A busy asker: every 10 ms two asks of 1 s, one answered (cancelled) at once; the lane always has live ones.
  for (let t = 0; t < 10_000; t += 10) {
    ts.schedule(() => {
      after(d, 1000, () => fired++)
      after(d, 1000, () => fired++).cancel()
    }, t)
  }
  let most = 0
  for (let t = 2_000; t < 10_000; t += 2_000) {
    ts.schedule(() => {
      most = Math.max(most, d.held)
    }, t)
  }
  ts.flush()
  assert.is(fired, 1_000)
  assert.ok(most <= 400, `held ${most}: about the 100 live, not the 2,000 added`)
  assert.is(d.held, 0)
})

deadlines('deadlines - firing may add and cancel others', () => {
  const ts = virtual()
  const d = createDeadlines(ts)
  const fired: string[] = []
  const b = after(d, 10, () => fired.push('b'))
  after(d, 10, () => {
    fired.push('a')
    b.cancel()
    after(d, 10, () => fired.push(`c@${ts.now()}`))
  })
  ts.flush()
  assert.equal(fired, ['b', 'a', 'c@20'])
})

deadlines('deadlines - clear cancels everything and releases the timers', () => {
  const s = counting(asyncScheduler)
  const d = createDeadlines(s)
  let fired = 0
  after(d, 60_000, () => fired++)
  after(d, 30_000, () => fired++)
  d.clear()
  assert.is(d.size, 0)
  assert.is(s.active, 0)
  assert.is(fired, 0)
})

deadlines.run()
