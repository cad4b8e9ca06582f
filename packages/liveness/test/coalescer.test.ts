import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Observable, of, Subject, throwError } from 'rxjs'
import { createCoalescer } from '../src/coalescer.js'
import { testDeps } from '@peerconnect/runtime/testing'

/** A start function whose runs are Subjects the test settles by hand. */
function manualStarts (): { start: () => Observable<string>, runs: Array<Subject<string>>, torn: () => number } {
  const runs: Array<Subject<string>> = []
  let torn = 0
  const start = (): Observable<string> => new Observable<string>(sub => {
    const s = new Subject<string>()
    runs.push(s)
    const inner = s.subscribe(sub)
    return () => {
      torn++
      inner.unsubscribe()
    }
  })
  return { start, runs, torn: () => torn }
}

function collect<T> (o: Observable<T>): { values: T[], errors: unknown[], done: () => boolean, unsubscribe: () => void } {
  const values: T[] = []
  const errors: unknown[] = []
  let done = false
  const sub = o.subscribe({ next: v => values.push(v), error: e => errors.push(e), complete: () => {
    done = true
  } })
  return { values, errors, done: () => done, unsubscribe: () => sub.unsubscribe() }
}

const sharing = suite('coalescer sharing')

sharing('sharing - callers arriving while a run is in flight join it', () => {
  const clock = testDeps()
  const c = createCoalescer<string>({ window: 5000, max: 10, now: clock.clock.now })
  const { start, runs } = manualStarts()
  const a = collect(c.run('peer', start))
  const b = collect(c.run('peer', start))
  const d = collect(c.run('peer', start))
  assert.is(runs.length, 1)
  runs[0]!.next('alive')
  for (const x of [a, b, d]) {
    assert.equal(x.values, ['alive'])
    assert.ok(x.done())
  }
})

sharing('sharing - a caller within the window gets the settled result without a new run', () => {
  const clock = testDeps()
  const c = createCoalescer<string>({ window: 5000, max: 10, now: clock.clock.now })
  const { start, runs } = manualStarts()
  collect(c.run('peer', start))
  runs[0]!.next('alive')
  clock.advance(4999)
  const late = collect(c.run('peer', start))
  assert.is(runs.length, 1)
  assert.equal(late.values, ['alive'])
  assert.ok(late.done())
})

sharing('sharing - the window counts from when the run settled, not when it started', () => {
  const clock = testDeps()
  const c = createCoalescer<string>({ window: 5000, max: 10, now: clock.clock.now })
  const { start, runs } = manualStarts()
  collect(c.run('peer', start))
  clock.advance(4000)
  runs[0]!.next('alive')
  clock.advance(4000)
  collect(c.run('peer', start))
  assert.is(runs.length, 1)
})

sharing('sharing - after the window a new run starts', () => {
  const clock = testDeps()
  const c = createCoalescer<string>({ window: 5000, max: 10, now: clock.clock.now })
  const { start, runs } = manualStarts()
  collect(c.run('peer', start))
  runs[0]!.next('alive')
  clock.advance(5000)
  const again = collect(c.run('peer', start))
  assert.is(runs.length, 2)
  assert.equal(again.values, [])
  runs[1]!.next('dead')
  assert.equal(again.values, ['dead'])
})

sharing('sharing - different keys run separately', () => {
  const c = createCoalescer<string>({ window: 5000, max: 10, now: testDeps().clock.now })
  const { start, runs } = manualStarts()
  const a = collect(c.run('a', start))
  const b = collect(c.run('b', start))
  assert.is(runs.length, 2)
  runs[1]!.next('B')
  runs[0]!.next('A')
  assert.equal(a.values, ['A'])
  assert.equal(b.values, ['B'])
})

sharing('sharing - only the first value counts; the run is then torn down', () => {
  const c = createCoalescer<string>({ window: 5000, max: 10, now: testDeps().clock.now })
  const { start, runs, torn } = manualStarts()
  const a = collect(c.run('peer', start))
  runs[0]!.next('first')
  runs[0]!.next('second')
  assert.equal(a.values, ['first'])
  assert.is(torn(), 1)
})

sharing('sharing - nothing runs until subscribed; a late subscriber still shares', () => {
  const clock = testDeps()
  const c = createCoalescer<string>({ window: 5000, max: 10, now: clock.clock.now })
  const { start, runs } = manualStarts()
  const early = c.run('peer', start)
  const later = c.run('peer', start)
  assert.is(runs.length, 0)
  collect(early)
  runs[0]!.next('alive')
  const got = collect(later)
  assert.equal(got.values, ['alive'])
  assert.is(runs.length, 1)
})

sharing('sharing - synchronous runs settle and are reused', () => {
  const c = createCoalescer<number>({ window: 5000, max: 10, now: testDeps().clock.now })
  let starts = 0
  const start = (): Observable<number> => {
    starts++
    return of(42)
  }
  assert.equal(collect(c.run('k', start)).values, [42])
  assert.equal(collect(c.run('k', start)).values, [42])
  assert.is(starts, 1)
})

sharing.run()

const failures = suite('coalescer failures')

failures('failures - an error reaches every joined caller and is not kept', () => {
  const c = createCoalescer<string>({ window: 5000, max: 10, now: testDeps().clock.now })
  const { start, runs } = manualStarts()
  const a = collect(c.run('peer', start))
  const b = collect(c.run('peer', start))
  runs[0]!.error(Object.assign(new Error('boom'), { code: 'ERR_BOOM' }))
  assert.is((a.errors[0] as { code: string }).code, 'ERR_BOOM')
  assert.is((b.errors[0] as { code: string }).code, 'ERR_BOOM')
  assert.is(c.size, 0)
  collect(c.run('peer', start))
  assert.is(runs.length, 2)
})

failures('failures - a start that throws synchronously errors the caller, not the coalescer', () => {
  const c = createCoalescer<string>({ window: 5000, max: 10, now: testDeps().clock.now })
  const got = collect(c.run('peer', () => {
    throw Object.assign(new Error('sync'), { code: 'ERR_SYNC' })
  }))
  assert.is((got.errors[0] as { code: string }).code, 'ERR_SYNC')
  const ok = collect(c.run('peer', () => of('fine')))
  assert.equal(ok.values, ['fine'])
})

failures('failures - a run that completes empty is not kept', () => {
  const c = createCoalescer<string>({ window: 5000, max: 10, now: testDeps().clock.now })
  const got = collect(c.run('peer', () => of()))
  assert.ok(got.done())
  assert.equal(got.values, [])
  assert.is(c.size, 0)
})

failures('failures - when every caller leaves, the run is cancelled and forgotten', () => {
  const c = createCoalescer<string>({ window: 5000, max: 10, now: testDeps().clock.now })
  const { start, runs, torn } = manualStarts()
  const a = collect(c.run('peer', start))
  const b = collect(c.run('peer', start))
  a.unsubscribe()
  assert.is(torn(), 0)
  b.unsubscribe()
  assert.is(torn(), 1)
  assert.is(c.size, 0)
  collect(c.run('peer', start))
  assert.is(runs.length, 2)
})

failures('failures - an error value from throwError is shared too', () => {
  const c = createCoalescer<string>({ window: 5000, max: 10, now: testDeps().clock.now })
  const got = collect(c.run('x', () => throwError(() => new Error('no'))))
  assert.is(got.errors.length, 1)
})

failures.run()

const bounds = suite('coalescer bounds')

bounds('bounds - settled results are capped at max, oldest dropped first', () => {
  const c = createCoalescer<string>({ window: 60_000, max: 3, now: testDeps().clock.now })
  for (const k of ['a', 'b', 'c', 'd', 'e']) collect(c.run(k, () => of(k)))
  assert.is(c.size, 3)
  let starts = 0
  collect(c.run('e', () => {
    starts++
    return of('e2')
  }))
  assert.is(starts, 0, 'the newest result is kept')
  collect(c.run('a', () => {
    starts++
    return of('a2')
  }))
  assert.is(starts, 1, 'the oldest result was dropped')
})

bounds('bounds - expired results are dropped before fresh ones', () => {
  const clock = testDeps()
  const c = createCoalescer<string>({ window: 1000, max: 2, now: clock.clock.now })
  collect(c.run('old', () => of('old')))
  clock.advance(2000)
  collect(c.run('new1', () => of('n1')))
  collect(c.run('new2', () => of('n2')))
  assert.is(c.size, 2)
  let starts = 0
  collect(c.run('new1', () => {
    starts++
    return of('x')
  }))
  assert.is(starts, 0)
})

bounds('bounds - runs in flight are never dropped', () => {
  const c = createCoalescer<string>({ window: 60_000, max: 2, now: testDeps().clock.now })
  const { start, runs } = manualStarts()
  const waiting = ['a', 'b', 'c'].map(k => collect(c.run(k, start)))
  assert.is(runs.length, 3)
  assert.is(c.size, 3)
  collect(c.run('a', start))
  assert.is(runs.length, 3, 'joined the run in flight')
  runs[0]!.next('A')
  assert.equal(waiting[0]!.values, ['A'])
})

bounds('bounds - clear forgets everything', () => {
  const c = createCoalescer<string>({ window: 60_000, max: 10, now: testDeps().clock.now })
  collect(c.run('a', () => of('a')))
  c.clear()
  assert.is(c.size, 0)
  let starts = 0
  collect(c.run('a', () => {
    starts++
    return of('a')
  }))
  assert.is(starts, 1)
})

bounds.run()
