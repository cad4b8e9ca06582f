import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { firstValueFrom, map } from 'rxjs'
import { idsEqual, isTransportInfoReply, isTransportSeen, randomId, reply } from '@peerconnect/protocol'
import type { Message, RpcReply } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { transport } from '../src/index.js'
import { boundSocket, closeAll } from './fixtures/udp.js'

/** A minimal inline actor answering rpc.ping, standing in for routing. */
const pinger = defineActor<null>({
  name: 'pinger',
  consumes: ['rpc.ping'],
  create: () => in$ => in$.pipe(map(m => reply(m, { type: 'rpc.reply', r: {} } satisfies RpcReply)))
})

const worker = suite('transport - in a worker')

worker('transport - runs in a worker thread behind the supervisor', withTimeout(30_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  const probe = await boundSocket()
  try {
    const id = randomId()
    await sup.start(transport({ id, host: '127.0.0.1', port: 0 }), { host: 'worker' })
    await sup.start(pinger(null), { host: 'inline' })
    const info = await firstValueFrom(sup.ask({ type: 'transport.info' } as Message))
    assert.ok(isTransportInfoReply(info))
    assert.ok(idsEqual(info.id, id))
    const seen: Message[] = []
    const sub = sup.messages$(['transport.seen']).subscribe(m => seen.push(m))
    const res = await probe.socket.query(info.udp, 'ping', {})
    assert.ok(idsEqual(res.id, id), 'the worker transport answered through the inline pinger')
    await waitFor(() => seen.find(isTransportSeen), { what: 'transport.seen from the worker' })
    assert.ok(seen.filter(isTransportSeen).some(s => idsEqual(s.id, probe.id)))
    sub.unsubscribe()
    const stats = sup.stats().find(s => s.name === 'transport')!
    assert.is(stats.host, 'worker')
    assert.ok(stats.threadId > 0)
  } finally {
    await closeAll(probe.socket)
    await sup.stop()
  }
}))

worker.run()
