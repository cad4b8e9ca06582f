import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { threadId } from 'node:worker_threads'
import { firstValueFrom, map, take, toArray } from 'rxjs'
import { idsEqual, isLivenessResult, randomId, reply } from '@peerconnect/protocol'
import type { Message, NodeId } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { liveness } from '../src/index.js'

/** A stand-in transport that answers every ping as node `id`. */
const fakeTransport = defineActor<{ id: NodeId }>({
  name: 'transport',
  consumes: ['transport.query'],
  create: (init) => (in$) => in$.pipe(map((m: Message) => reply(m, {
    type: 'transport.response',
    from: { host: '127.0.0.1', port: 1 },
    id: init.id,
    r: {},
    rtt: 4,
    bytes: 60
  })))
})

const smoke = suite('liveness worker')

smoke('worker - the actor runs in a worker thread and answers checks through the supervisor', withTimeout(30_000, async () => {
  const id = randomId()
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(fakeTransport({ id }), { host: 'inline' })
    await sup.start(liveness({}), { host: 'worker' })
    const status = firstValueFrom(sup.messages$(['liveness.status']).pipe(take(1)))
    const replies = await firstValueFrom(sup.ask({ type: 'liveness.check', id, host: '127.0.0.1', port: 6881 } as Message).pipe(toArray()))
    assert.is(replies.length, 1)
    const r = replies[0]
    assert.ok(isLivenessResult(r), JSON.stringify(r))
    if (isLivenessResult(r)) {
      assert.equal([r.alive, r.via, r.rtt], [true, 'udp', 4])
      assert.ok(idsEqual(r.id, id), 'the id crossed the thread as a Uint8Array')
    }
    assert.is((await status).type, 'liveness.status')
    const stats = sup.stats().find(s => s.name === 'liveness')
    assert.is(stats?.host, 'worker')
    assert.ok(stats !== undefined && stats.threadId !== threadId, 'runs off the main thread')
  } finally {
    await sup.stop()
  }
}))

smoke.run()
