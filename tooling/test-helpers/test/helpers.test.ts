import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout, rejects, waitFor } from '../src/index.js'

const timeout = suite('withTimeout')

timeout('withTimeout - resolves with the value of a fast function', async () => {
  const value = await withTimeout(1000, async () => 42)()
  assert.is(value, 42)
})

timeout('withTimeout - rejects a slow function with ERR_TEST_TIMEOUT and aborts its signal', async () => {
  let aborted = false
  await rejects(withTimeout(30, async (signal) => {
    signal.addEventListener('abort', () => {
      aborted = true
    })
    await new Promise(resolve => setTimeout(resolve, 200))
  })(), 'ERR_TEST_TIMEOUT')
  assert.ok(aborted)
})

timeout.run()

const rej = suite('rejects')

rej('rejects - passes on the matching code and returns the error', async () => {
  const err = await rejects(Promise.reject(Object.assign(new Error('x'), { code: 'E_X' })), 'E_X')
  assert.is(err.message, 'x')
})

rej('rejects - falls back to the error name', async () => {
  class BadThing extends Error {
    override name = 'BadThing'
  }
  await rejects(Promise.reject(new BadThing('y')), 'BadThing')
})

rej('rejects - fails when the promise resolves', async () => {
  let failed = false
  try {
    await rejects(Promise.resolve(1), 'E_X')
  } catch {
    failed = true
  }
  assert.ok(failed)
})

rej('rejects - fails on another code', async () => {
  let failed = false
  try {
    await rejects(Promise.reject(Object.assign(new Error('x'), { code: 'E_Y' })), 'E_X')
  } catch {
    failed = true
  }
  assert.ok(failed)
})

rej.run()

const wait = suite('waitFor')

wait('waitFor - returns the first truthy value', async () => {
  let n = 0
  const v = await waitFor(() => (++n >= 3 ? n : 0), { interval: 1 })
  assert.is(v, 3)
})

wait('waitFor - times out with ERR_WAIT_TIMEOUT', async () => {
  await rejects(waitFor(() => false, { timeout: 30, interval: 5 }), 'ERR_WAIT_TIMEOUT')
})

wait.run()
