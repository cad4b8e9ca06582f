#!/usr/bin/env node
// Runs every uvu test file of the workspace, each in its own Node process (tsx for TypeScript,
// the `@peerconnect/source` export condition so packages import each other's sources), a few at
// a time, each with a time bound. Sums uvu's per-file totals and ends with one line:
// `N passed, N failed`.
//
//   node tooling/test-helpers/bin/run-tests.mjs [filter…]     filter: substrings of file paths
//   PC_TEST_JOBS=2 PC_TEST_FILE_TIMEOUT_MS=300000
// A file that needs longer (a soak) says so near its top: `// pc-test-timeout: <ms>`; the larger
// of that and PC_TEST_FILE_TIMEOUT_MS bounds it.
import { spawn } from 'node:child_process'
import { readdirSync, statSync, existsSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { availableParallelism } from 'node:os'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const jobs = Number(process.env.PC_TEST_JOBS ?? Math.max(1, Math.min(2, availableParallelism())))
const fileTimeout = Number(process.env.PC_TEST_FILE_TIMEOUT_MS ?? 300_000)
const filters = process.argv.slice(2)

const files = [...['packages', 'apps', 'tooling'].flatMap(top => listDirs(join(root, top))), join(root, 'examples')]
  .flatMap(pkg => findTests(join(pkg, 'test')))
  .map(f => relative(root, f))
  .filter(f => filters.length === 0 || filters.some(s => f.includes(s)))
  .sort()

let passed = 0
let failed = 0
let skipped = 0
const failures = []
const started = Date.now()

await pool(files, jobs, async (file) => {
  const t0 = Date.now()
  const r = await runFile(file)
  const secs = ((Date.now() - t0) / 1000).toFixed(1)
  passed += r.passed
  failed += r.failed
  skipped += r.skipped
  const mark = r.failed > 0 ? 'FAIL' : 'ok  '
  console.log(
    `${mark} ${file}  (${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}, ` +
      `${secs}s)${r.note ? '  ' + r.note : ''}`
  )
  if (r.failed > 0) failures.push({ file, output: r.output })
})

for (const f of failures) {
  console.log(`\n──── ${f.file} ────`)
  console.log(f.output.slice(-8000))
}
console.log(`\n${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)}s${skipped ? `, ${skipped} skipped` : ''}`)
console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0

/** The time bound of one file: PC_TEST_FILE_TIMEOUT_MS, or its own `// pc-test-timeout: <ms>` when larger. */
function timeoutOf (file) {
  const m = /^\/\/ pc-test-timeout: (\d+)$/m.exec(readFileSync(join(root, file), 'utf8').slice(0, 8000))
  return m === null ? fileTimeout : Math.max(fileTimeout, Number(m[1]))
}

function runFile (file) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--conditions=@peerconnect/source', '--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    })
    let output = ''
    child.stdout.on('data', d => {
      output += d
    })
    child.stderr.on('data', d => {
      output += d
    })
    let timedOut = false
    const bound = timeoutOf(file)
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }, bound)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      // eslint-disable-next-line no-control-regex -- strips ANSI colour codes
      const clean = output.replace(/\x1b\[[0-9;]*m/g, '')
      const total = lastNumber(clean, /Total:\s+(\d+)/g)
      const ok = lastNumber(clean, /Passed:\s+(\d+)/g)
      const skip = lastNumber(clean, /Skipped:\s+(\d+)/g) ?? 0
      const p = ok ?? 0
      let f = total !== undefined && ok !== undefined ? Math.max(0, total - ok - skip) : 0
      let note = ''
      if (timedOut) {
        f += 1
        note = `killed after ${bound / 1000}s (a test hung or a handle kept the process alive)`
      } else if (code !== 0 && f === 0) {
        f += 1
        note = `exited with ${code ?? signal} and no failing test counted`
      } else if (total === undefined) {
        f += 1
        note = 'printed no uvu summary'
      }
      resolve({ passed: p, failed: f, skipped: skip, output: clean + (note ? `\n[runner] ${note}\n` : ''), note })
    })
  })
}

function lastNumber (text, re) {
  let m, last
  while ((m = re.exec(text)) !== null) last = Number(m[1])
  return last
}

function listDirs (dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir).map(n => join(dir, n)).filter(p => statSync(p).isDirectory())
}

function findTests (dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap(n => {
    const p = join(dir, n)
    if (statSync(p).isDirectory()) return findTests(p)
    return n.endsWith('.test.ts') || n.endsWith('.test.mjs') ? [p] : []
  })
}

async function pool (items, n, fn) {
  const queue = [...items]
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, async () => {
    while (queue.length > 0) await fn(queue.shift())
  }))
}
