/**
 * The example programs, run as a user runs them: each in its own Node process (from sources,
 * through tsx), on a loopback address of its own, bounded in time. Their output is what is checked.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { withTimeout } from '@peerconnect/test-helpers'
import { pickLoopback } from '@peerconnect/test-helpers'

const root = fileURLToPath(new URL('../../', import.meta.url))
const T = 120_000

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs an example to its end; killed (and failed) after `ms`. */
async function run (file: string, args: string[], ms = T - 10_000): Promise<Run> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@peerconnect/source', '--import', 'tsx', file, ...args], { cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => {
      stdout += d
    })
    child.stderr.on('data', d => {
      stderr += d
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${file} ran over ${ms} ms\n${stdout}\n${stderr}`))
    }, ms)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

const test = suite('examples')

test('custom-pipeline - our actor logs the peers routing adds; the node joins, looks up and stops', withTimeout(T, async () => {
  const host = await pickLoopback()
  const r = await run('examples/src/custom-pipeline.ts', ['--host', host, '--seconds', '0'])
  assert.is(r.code, 0, r.stderr)
  const added = r.stdout.split('\n').filter(l => l.startsWith('peer + '))
  assert.ok(added.length >= 5, r.stdout)
  assert.ok(added.every(l => l.includes(` at ${host}:`)), r.stdout)
  assert.match(r.stdout, /^joined: 1 seed\(s\) answered, \d+ contacts$/m)
  assert.match(r.stdout, /^lookup: \d+ closest in \d+ queries/m)
  assert.match(r.stdout, /^stopped$/m)
}))

test('custom-pipeline - a bad flag is one clear error and exit code 2', withTimeout(T, async () => {
  const r = await run('examples/src/custom-pipeline.ts', ['--seconds', 'soon'])
  assert.is(r.code, 2)
  assert.match(r.stderr, /--seconds: expected a number/)
}))

test('search - finds the local swarm\'s two "ada" peers by name, with verified records', withTimeout(T, async () => {
  const host = await pickLoopback()
  const r = await run('examples/src/search.ts', ['ada', '--host', host])
  assert.is(r.code, 0, r.stderr)
  const names = r.stdout.split('\n').filter(l => l.startsWith('hit ')).map(l => l.split(/\s+/)[1]).sort()
  assert.equal(names, ['ada', 'ada-byron'], r.stdout)
  assert.match(r.stdout, /^done: 2 hit\(s\) in \d+ ms$/m)
}))

test('search - a query that cannot be searched is refused with a clear error', withTimeout(T, async () => {
  const host = await pickLoopback()
  const r = await run('examples/src/search.ts', ['--via', 'dht', 'ada', '--host', host])
  assert.is(r.code, 1)
  assert.match(r.stderr, /^search: --via: expected hybrid, lists or gossip$/m)
}))

test.run()
