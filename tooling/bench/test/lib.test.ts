/**
 * The benchmarks' helpers, whose numbers end up in READMEs and closing notes: percentiles
 * (nearest rank), summaries, rounding for reports, flag parsing (unknown flags and non-numbers are
 * errors, not silently the defaults), the text table, and the load shapes' bounds.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parseFlags } from '../src/lib/argv.js'
import { oneAtATime, windowed } from '../src/lib/load.js'
import { percentile, round, summarize } from '../src/lib/stats.js'
import { formatTable } from '../src/lib/table.js'

const stats = suite('bench lib - stats')

stats('stats - percentile is nearest-rank over ascending samples; NaN when empty', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1) // 1..100
  assert.is(percentile(xs, 50), 50)
  assert.is(percentile(xs, 90), 90)
  assert.is(percentile(xs, 99), 99)
  assert.is(percentile(xs, 100), 100)
  assert.is(percentile(xs, 0), 1)
  assert.is(percentile([7], 50), 7)
  assert.is(percentile([1, 2, 3, 4], 50), 2, 'ceil(0.5 × 4) = rank 2')
  assert.ok(Number.isNaN(percentile([], 50)))
})

stats('stats - summarize sorts a copy and reports count, mean, min, p50, p90, p99, max', () => {
  const samples = [5, 1, 4, 2, 3]
  const s = summarize(samples)
  assert.equal(samples, [5, 1, 4, 2, 3], 'the input is left as it was')
  assert.equal(s, { count: 5, mean: 3, min: 1, p50: 3, p90: 5, p99: 5, max: 5 })
  const empty = summarize([])
  assert.is(empty.count, 0)
  for (const k of ['mean', 'min', 'p50', 'p90', 'p99', 'max'] as const) assert.ok(Number.isNaN(empty[k]), k)
})

stats('stats - round: integers from 100 on, else three significant digits; non-finite as is', () => {
  assert.is(round(12345.6), 12346)
  assert.is(round(100.4), 100)
  assert.is(round(99.94), 99.9)
  assert.is(round(0.012345), 0.0123)
  assert.is(round(-250.5), -250)
  assert.ok(Number.isNaN(round(Number.NaN)))
  assert.is(round(Infinity), Infinity)
})

stats.run()

const flags = suite('bench lib - flags')

flags('flags - defaults, numbers and booleans', () => {
  const defaults = { nodes: 200, delay: 0, quick: false }
  assert.equal(parseFlags(defaults, []), defaults)
  assert.equal(parseFlags(defaults, ['--nodes', '500', '--delay', '25', '--quick']), { nodes: 500, delay: 25, quick: true })
  assert.equal(parseFlags(defaults, ['--nodes=50']), { nodes: 50, delay: 0, quick: false })
  assert.is(parseFlags({ churn: 0 }, ['--churn', '0.2']).churn, 0.2)
})

flags('flags - a string default takes text as given (--svg DIR); empty when not given', () => {
  assert.equal(parseFlags({ nodes: 200, svg: '' }, []), { nodes: 200, svg: '' })
  assert.equal(parseFlags({ nodes: 200, svg: '' }, ['--svg', 'out/charts', '--nodes', '5']), { nodes: 5, svg: 'out/charts' })
  assert.throws(() => parseFlags({ svg: '' }, ['--svg']), /argument missing|svg/)
})

flags('flags - an unknown flag or a non-number is an error, never the defaults', () => {
  assert.throws(() => parseFlags({ nodes: 200 }, ['--node', '5']), /node/)
  assert.throws(() => parseFlags({ nodes: 200 }, ['--nodes', 'many']), /--nodes needs a number, got many/)
  assert.throws(() => parseFlags({ nodes: 200 }, ['--nodes', 'Infinity']), /needs a number/)
})

flags.run()

const table = suite('bench lib - table')

table('table - columns aligned: numbers right, text and headers left, thousands separated; no trailing spaces', () => {
  const out = formatTable(['via', 'recall', 'ms'], [['lists', 1, 1234.5], ['hybrid', 0.95, 8]])
  assert.equal(out.split('\n'), [
    'via     recall  ms',
    '------  ------  -------',
    'lists        1  1,234.5',
    'hybrid    0.95        8'
  ])
  assert.ok(out.split('\n').every(l => l === l.trimEnd()))
})

table.run()

const load = suite('bench lib - load shapes')

load('load - oneAtATime runs requests in order, one sample each, and stops at the count', async () => {
  const order: number[] = []
  const samples = await oneAtATime(async i => {
    order.push(i)
  }, { count: 5, ms: 10_000 })
  assert.equal(order, [0, 1, 2, 3, 4])
  assert.is(samples.length, 5)
  assert.ok(samples.every(s => s >= 0))
})

load('load - windowed keeps at most `window` requests outstanding and completes `count`', async () => {
  let open = 0
  let most = 0
  const r = await windowed(async () => {
    open++
    most = Math.max(most, open)
    await new Promise(resolve => setImmediate(resolve))
    open--
  }, { count: 40, ms: 10_000, window: 4 })
  assert.is(r.completed, 40)
  assert.is(most, 4)
  assert.is(r.samples.length, 40)
  assert.ok(r.rps > 0)
})

load('load - both stop starting requests at the time bound', async () => {
  const slow = async (): Promise<void> => {
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const seq = await oneAtATime(slow, { count: 1_000_000, ms: 50 })
  assert.ok(seq.length >= 1 && seq.length <= 4, `${seq.length} sequential requests in 50 ms of 20 ms each`)
  const win = await windowed(slow, { count: 1_000_000, ms: 50, window: 2 })
  assert.ok(win.completed >= 2 && win.completed <= 8, `${win.completed} windowed requests`)
})

load.run()
