import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import { catchSignals } from '../src/signals.js'

const signals = suite('catchSignals')

signals('signals - the first signal is remembered and resolves `first`', withTimeout(2000, async () => {
  const before = process.listenerCount('SIGTERM')
  const s = catchSignals(() => assert.unreachable('no force on the first signal'))
  assert.is(s.received(), undefined)
  process.emit('SIGTERM')
  assert.is(s.received(), 'SIGTERM')
  assert.is(await s.first, 'SIGTERM')
  s.dispose()
  assert.is(process.listenerCount('SIGTERM'), before, 'dispose removes the handlers')
}))

signals('signals - a signal that came before anyone awaited is not lost', withTimeout(2000, async () => {
  const s = catchSignals(() => {})
  process.emit('SIGINT')
  await new Promise(resolve => setTimeout(resolve, 10))
  assert.is(await s.first, 'SIGINT')
  s.dispose()
}))

signals('signals - a second signal within a second of the first is ignored (GNU timeout sends two); a later one forces',
  withTimeout(2000, async () => {
    let forced = 0
    let t = 5000
    const s = catchSignals(() => {
      forced++
    }, () => t)
    process.emit('SIGTERM')
    process.emit('SIGTERM')
    t += 999
    process.emit('SIGINT')
    assert.is(forced, 0, 'the stop goes on')
    t += 1
    process.emit('SIGINT')
    assert.is(forced, 1)
    assert.is(s.received(), 'SIGTERM', 'the first signal stays the one reported')
    s.dispose()
  }))

signals.run()
