import { MessageChannel } from 'node:worker_threads'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout, rejects } from '@peerconnect/test-helpers'
import { exposeControl, localControl, remoteControl, settle, unwrap } from '../src/control.js'
import type { ActorControl } from '../src/control.js'
import type { ActorCore } from '../src/actor-core.js'
import { ActorNotRunningError } from '../src/errors.js'

function fakeCore (): ActorCore & { patches: unknown[] } {
  const patches: unknown[] = []
  return {
    patches,
    deliver () {},
    configure: (patch) => {
      patches.push(patch)
    },
    snapshot: () => ({ table: [1, 2] }),
    stats: () => ({ name: 'fake', threadId: 0, messagesIn: 3, messagesOut: 4, pendingAsks: 1 }),
    fault: (fault) => {
      patches.push(fault)
    },
    stop () {}
  }
}

function connect (control: ActorControl) {
  const channel = new MessageChannel()
  exposeControl(control, channel.port2)
  let fail: (err: Error) => void = () => {}
  const gone = new Promise<never>((_resolve, reject) => {
    fail = reject
  })
  gone.catch(() => {})
  return {
    remote: remoteControl(channel.port1, gone),
    close: () => {
      fail(new ActorNotRunningError('gone'))
      channel.port1.close()
      channel.port2.close()
    }
  }
}

const control = suite('control plane')

control('control - local control calls the core directly', async () => {
  const core = fakeCore()
  const c = localControl(core)
  assert.equal(await c.snapshot(), { table: [1, 2] })
  assert.is((await c.stats()).messagesOut, 4)
  await c.configure({ k: 8 })
  assert.equal(core.patches, [{ k: 8 }])
})

control('control - over a MessageChannel with comlink: stats, snapshot, configure', withTimeout(5000, async () => {
  const core = fakeCore()
  const { remote, close } = connect(localControl(core))
  try {
    assert.equal(await remote.stats(), { name: 'fake', threadId: 0, messagesIn: 3, messagesOut: 4, pendingAsks: 1 })
    assert.equal(await remote.snapshot(), { table: [1, 2] })
    await remote.configure({ alpha: 2 })
    assert.equal(core.patches, [{ alpha: 2 }])
    await remote.fault({ kind: 'throw', on: 'x' })
    assert.equal(core.patches, [{ alpha: 2 }, { kind: 'throw', on: 'x' }])
  } finally {
    close()
  }
}))

control('control - an error on the far side keeps its name and code', withTimeout(5000, async () => {
  const failing: ActorControl = {
    stats: async () => {
      throw Object.assign(new Error('no stats'), { name: 'StatsError', code: 'ERR_STATS' })
    },
    snapshot: async () => undefined,
    configure: async () => {},
    fault: async () => {
      throw Object.assign(new Error('no faults'), { name: 'FaultsDisabledError', code: 'ERR_FAULTS_DISABLED' })
    }
  }
  const { remote, close } = connect(failing)
  try {
    const err = await rejects(remote.stats(), 'ERR_STATS')
    assert.is(err.name, 'StatsError')
    assert.is(await remote.snapshot(), undefined)
    await rejects(remote.fault({ kind: 'uncaught' }), 'ERR_FAULTS_DISABLED')
  } finally {
    close()
  }
}))

control('control - calls to a worker that is gone reject instead of hanging', withTimeout(5000, async () => {
  const never: ActorControl = {
    stats: async () => new Promise(() => {}),
    snapshot: async () => undefined,
    configure: async () => {},
    fault: async () => {}
  }
  const { remote, close } = connect(never)
  const pending = rejects(remote.stats(), 'ERR_ACTOR_NOT_RUNNING')
  close()
  await pending
  await rejects(remote.snapshot(), 'ERR_ACTOR_NOT_RUNNING')
}))

control('control - settle and unwrap carry values and errors as data', async () => {
  assert.equal(await settle(Promise.resolve(5)), { ok: true, value: 5 })
  const failed = await settle(Promise.reject(Object.assign(new Error('x'), { code: 'ERR_X' })))
  assert.equal(failed, { ok: false, error: { name: 'Error', code: 'ERR_X', message: 'x' } })
  assert.is(unwrap({ ok: true, value: 'v' }), 'v')
  await rejects(Promise.resolve().then(() => unwrap(failed)), 'ERR_X')
})

control.run()
