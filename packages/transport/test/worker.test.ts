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

worker('transport - a query whose asker unsubscribed is cancelled through the supervisor (actor.cancel)', withTimeout(30_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  const mute = await boundSocket({ onQuery: () => {} })
  try {
    await sup.start(transport({ id: randomId(), host: '127.0.0.1', port: 0 }), { host: 'worker' })
    const stats = async (): Promise<Record<string, number>> => {
      const info = await firstValueFrom(sup.ask({ type: 'transport.info' } as Message))
      assert.ok(isTransportInfoReply(info))
      return info.stats
    }
    const replies: Message[] = []
    const sub = sup.ask({ type: 'transport.query', to: mute.address, q: 'find_node', a: { target: randomId() }, timeout: 4000 } as Message,
      { timeout: 10_000 })
      .subscribe({ next: m => replies.push(m), error: e => replies.push(e as Message) })
    await waitFor(() => mute.socket.stats().queriesIn === 1, { what: 'the query to reach the silent node' })
    assert.is((await stats()).pending, 1)
    sub.unsubscribe()
    await waitFor(async () => (await stats()).pending === 0, { what: 'the worker transport to drop the pending query' })
    const s = await stats()
    assert.is(s.timeouts, 0, 'no timeout counted')
    assert.is(s.queriesSent, 1)
    assert.equal(replies, [], 'the unsubscribed asker heard nothing')
  } finally {
    await closeAll(mute.socket)
    await sup.stop()
  }
}))

worker.run()
