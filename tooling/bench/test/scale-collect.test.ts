/**
 * `bench:scale --sweep --collect --svg DIR`: the figures over N from runs made one at a time (a
 * 10,000-node run takes hours; the sizes of a sweep need not run in one go). It reads the
 * `scale-<N>.json` files each run wrote, leaves out a size without one (and says so), and writes
 * the sweep's JSON and charts from what it read. Runs the built script (`pnpm build` first).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'

const SCRIPT = fileURLToPath(new URL('../dist/src/scale.js', import.meta.url))
const collect = suite('bench scale - --collect')

function run (args: string[]): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

collect('reads each size\'s scale-<N>.json, skips a missing size, writes the sweep JSON and both charts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-scale-collect-'))
  try {
    const row = (nodes: number, hops: number, heapKB: number): object => ({
      bench: 'scale',
      nodes,
      lookupSuccess: 0.995,
      hopsP50: hops,
      queriesPerLookup: 11,
      tableHealthAll20: 0.97,
      directoryComplete: 1,
      searchRecall: 1,
      bytesPerNodeMinute: 32000,
      heapBytesPerNode: heapKB * 1024,
      rssBytesPerNode: 2 * heapKB * 1024,
      curves: [{ minute: 1, live: nodes }]
    })
    writeFileSync(join(dir, 'scale-1000.json'), JSON.stringify(row(1000, 2, 414)))
    writeFileSync(join(dir, 'scale-5000.json'), JSON.stringify(row(5000, 3, 437)))
    const r = run(['--sweep', '--collect', '--svg', dir])
    assert.is(r.status, 0, r.stderr)
    assert.match(r.stderr, /2000 nodes: no .*scale-2000\.json/)
    assert.match(r.stderr, /10000 nodes: no /)
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { bench: string, runs: Array<Record<string, unknown>> }
    assert.is(last.bench, 'scale-sweep')
    assert.equal(last.runs.map(x => [x.nodes, x.hopsP50, x.heapBytesPerNode]), [[1000, 2, 414 * 1024], [5000, 3, 437 * 1024]])
    assert.ok(last.runs.every(x => !('curves' in x)), 'the per-minute curves stay in the runs\' own files')
    assert.equal((JSON.parse(readFileSync(join(dir, 'scale-sweep.json'), 'utf8')) as unknown[]).length, 2)
    for (const svg of ['scale-heap-per-node.svg', 'scale-hops.svg']) {
      const text = readFileSync(join(dir, svg), 'utf8')
      assert.ok(text.startsWith('<svg') && text.trimEnd().endsWith('</svg>'), svg)
      const line = /<polyline class="series-line" data-series="(?:heap \/ node|hops p50)"[^>]* points="([^"]*)"/.exec(text)
      assert.is(line?.[1]?.split(' ').length, 2, `${svg}: one point per size read`)
    }
    assert.ok(!existsSync(join(dir, 'scale-2000.json')), 'collecting runs nothing')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

collect('--collect without --svg is a clear error, not a sweep that runs for hours', () => {
  const r = run(['--sweep', '--collect'])
  assert.is.not(r.status, 0)
  assert.match(r.stderr, /--collect reads scale-<N>\.json from the --svg directory/)
})

collect.run()
