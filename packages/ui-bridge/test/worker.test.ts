import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { threadId } from 'node:worker_threads'
import { EMPTY, lastValueFrom, mergeMap, of } from 'rxjs'
import { generateIdentity, idToHex, isUiInfoReply, reply } from '@peerconnect/protocol'
import type { Contact, Message } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { uiBridge } from '../src/index.js'
import { get } from './http.js'
import { liveMirror } from '@peerconnect/test-helpers/live-mirror'

const self = generateIdentity()
const peer = generateIdentity()

/** A stand-in for transport and routing on the main thread: its info, one contact, no records. */
const fakeCore = defineActor<{ contacts: Contact[] }>({
  name: 'core',
  consumes: ['transport.info', 'routing.contacts', 'transport.query'],
  create: (init) => (in$) => in$.pipe(mergeMap((m: Message) => {
    if (m.type === 'transport.info') {
      return of(reply(m, { type: 'transport.info.reply', id: self.id, udp: { host: '127.0.0.1', port: 6881 }, stats: { sent: 1 } }))
    }
    if (m.type === 'routing.contacts') {
      return of(reply(m, { type: 'routing.contacts.reply', self: self.id, contacts: init.contacts, buckets: [1] }))
    }
    if (m.type === 'transport.query') {
      return of({ type: 'error', re: m.cid, end: true,
        error: { name: 'RpcRemoteError', code: 'ERR_RPC_REMOTE', message: '204 method unknown' } })
    }
    return EMPTY
  }))
})

const smoke = suite('ui-bridge worker')

smoke('worker - the actor serves the API from a worker thread, its asks going through the supervisor', withTimeout(30_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(fakeCore({ contacts: [{ id: peer.id, host: '127.0.0.1', port: 7001, lastSeen: Date.now() }] }), { host: 'inline' })
    await sup.start(uiBridge({ name: 'worker-node', processMetrics: false }), { host: 'worker' })
    const info = await lastValueFrom(sup.ask({ type: 'ui.info' }, { timeout: 10_000 }))
    assert.ok(isUiInfoReply(info), JSON.stringify(info))
    const url = (info as { url: string }).url
    const status = await get(url + '/api/status')
    assert.is(status.status, 200)
    const body = status.json as { id: string, name: string, udp: string, actors: Array<{ name: string, host: string, threadId: number }> }
    assert.equal([body.id, body.name, body.udp], [idToHex(self.id), 'worker-node', '127.0.0.1:6881'])
    const mirror = await liveMirror(url)
    try {
      await waitFor(() => mirror.get(idToHex(peer.id)) !== undefined, { what: 'the contact on the events socket' })
    } finally {
      mirror.close()
    }
    const stats = sup.stats().find(s => s.name === 'ui-bridge')
    assert.is(stats?.host, 'worker')
    assert.ok(stats !== undefined && stats.threadId !== threadId, 'runs off the main thread')
    await sup.remove('ui-bridge')
    await waitFor(async () => {
      try {
        await fetch(url)
        return false
      } catch {
        return true
      }
    }, { what: 'the server closed with the worker' })
  } finally {
    await sup.stop()
  }
}))

smoke.run()
