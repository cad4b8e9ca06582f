import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { firstValueFrom, interval, take, timer, toArray } from 'rxjs'
import { createSimClock, createInlinePool, SIM_EPOCH } from '../src/sim/index.js'

const test = suite('sim clock')

test('sim clock - actions run in time order, same-instant ones in the order scheduled; time moves only when run', async () => {
  const clock = createSimClock()
  const seen: string[] = []
  clock.schedule(() => seen.push(`b@${clock.now() - SIM_EPOCH}`), 20)
  clock.schedule(() => seen.push(`a@${clock.now() - SIM_EPOCH}`), 10)
  clock.schedule(() => seen.push(`c@${clock.now() - SIM_EPOCH}`), 20)
  const cancelled = clock.schedule(() => seen.push('x'), 15)
  cancelled.unsubscribe()
  assert.is(clock.now(), SIM_EPOCH)
  await clock.run(15)
  assert.equal(seen, ['a@10'])
  assert.is(clock.now(), SIM_EPOCH + 15)
  await clock.run(100)
  assert.equal(seen, ['a@10', 'b@20', 'c@20'])
  assert.is(clock.now(), SIM_EPOCH + 115)
})

test('sim clock - promise jobs run out between instants; rxjs timers and intervals run on it', async () => {
  const clock = createSimClock()
  const order: string[] = []
  clock.schedule(() => {
    void Promise.resolve().then(() => Promise.resolve()).then(() => order.push('job of 1'))
  }, 1)
  clock.schedule(() => order.push('action at 2'), 2)
  const ticks = firstValueFrom(interval(1000, clock).pipe(take(3), toArray()))
  const late = firstValueFrom(timer(60_000, clock))
  assert.equal(await clock.until(ticks), [0, 1, 2])
  assert.is(clock.now(), SIM_EPOCH + 3000)
  assert.equal(order, ['job of 1', 'action at 2'])
  assert.is(await clock.until(late), 0)
  assert.is(clock.now(), SIM_EPOCH + 60_000)
})

test('sim clock - until rejects with ERR_SIM_STALLED when nothing is left to run or the limit passes', async () => {
  const clock = createSimClock()
  const never = new Promise(() => {})
  let code: unknown
  try {
    await clock.until(never)
  } catch (err) {
    code = (err as { code?: unknown }).code
  }
  assert.is(code, 'ERR_SIM_STALLED')
  clock.schedule(function (this: { schedule: (s?: unknown, d?: number) => unknown }) {
    this.schedule(undefined, 1000)
  }, 1000)
  code = undefined
  try {
    await clock.until(never, 10_000)
  } catch (err) {
    code = (err as { code?: unknown }).code
  }
  assert.is(code, 'ERR_SIM_STALLED')
})

test('sim clock - the inline pool runs a task on this thread, and keeps an error\'s code', async () => {
  const { threadId } = await import('node:worker_threads')
  const clock = createSimClock()
  const pool = createInlinePool({ clock })
  const mod = new URL('./fixtures/tasks.ts', import.meta.url).href
  assert.is(await clock.until(pool.run<number>({ module: mod, name: 'square' }, 7)), 49)
  assert.equal(await clock.until(pool.run({ module: mod, name: 'whereAmI' }, undefined)), { threadId })
  let code: unknown
  try {
    await clock.until(pool.run({ module: mod, name: 'noSuchTask' }, 1))
  } catch (err) {
    code = (err as { code?: unknown }).code
  }
  assert.is(code, 'ERR_POOL_TASK_NOT_FOUND')
})

test('sim clock - an inline pool task\'s result comes at the same point of the run whether its module is loaded or not', async () => {
  // the first task of a fresh module waits for real I/O (an import through tsx); later ones do not
  const mod = new URL(`./fixtures/tasks.ts?fresh=${Date.now()}`, import.meta.url).href
  const clock = createSimClock()
  const pool = createInlinePool({ clock })
  const jobs = (n: number): Promise<void> => {
    let chain = Promise.resolve()
    for (let i = 0; i < n; i++) chain = chain.then(() => undefined)
    return chain
  }
  /** At `at`: a task, 40 promise jobs and an action at the same instant; the task's result is used after 40 more jobs. */
  const instant = async (at: number, task: string, arg: unknown): Promise<string[]> => {
    const seen: string[] = []
    clock.schedule(() => {
      void pool.run({ module: mod, name: task }, arg).then(async v => {
        await jobs(40)
        seen.push(`result ${String(v)} @${clock.now() - SIM_EPOCH - at}`)
      })
      void jobs(40).then(() => seen.push('40 promise jobs'))
      clock.schedule(() => seen.push('action at the same instant'), 0)
    }, at - (clock.now() - SIM_EPOCH))
    clock.schedule(() => seen.push('action 1 ms later'), at + 1 - (clock.now() - SIM_EPOCH))
    await clock.runUntil(SIM_EPOCH + at + 2)
    return seen
  }
  const cold = await instant(5, 'square', 3)
  const warm = await instant(10, 'square', 3)
  assert.equal(cold, ['action at the same instant', '40 promise jobs', 'result 9 @0', 'action 1 ms later'])
  assert.equal(warm, cold)
  // a task that takes real time (a real timer) still ends within its instant
  assert.equal(await instant(20, 'sleep', 30), ['action at the same instant', '40 promise jobs', 'result slept @0', 'action 1 ms later'])
})

test.run()
