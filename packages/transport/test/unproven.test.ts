import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeQuery, randomId } from '@peerconnect/protocol'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import type { KrpcSocket } from '../src/socket.js'
import { boundSocket, closeAll, rawSocket } from './fixtures/udp.js'

const T = 5000
const unproven = suite('transport - unproven addresses')

unproven(
  'unproven - a ping flood from an address that never answers draws no more bytes than it sent; one ping back, then ERR_RPC_UNPROVEN',
  withTimeout(T, async () => {
    let node: KrpcSocket | undefined
    const b = await boundSocket({ onQuery: q => node!.reply(q, {}) })
    node = b.socket
    const raw = await rawSocket()
    try {
      let sent = 0
      const ping = async (i: number): Promise<void> => {
        const buf = encodeQuery(new Uint8Array([i, 1]), 'ping', { id: randomId() })
        sent += buf.length
        await raw.send(buf, b.address)
      }
      const pingBack = (): Promise<string> =>
        new Promise(resolve =>
          node.request(raw.address, { q: 'ping', a: {}, bounded: true, timeout: 50 },
            err => resolve(String((err as { code?: string } | null)?.code)))
        )
      await ping(0)
      await waitFor(() => raw.received[0], { timeout: 2000, what: 'the reply' })
      // As a node does: one ping back after its first query (it never answers); the next is refused.
      assert.is(await pingBack(), 'ERR_RPC_TIMEOUT', 'the first ping back went out')
      assert.is(await pingBack(), 'ERR_RPC_UNPROVEN')
      for (let i = 1; i < 20; i++) await ping(i)
      await waitFor(() => raw.received.length >= 21 ? true : undefined, { timeout: 3000, what: '20 replies and a ping' })
      const got = raw.received.reduce((n, r) => n + r.bytes, 0)
      assert.ok(got <= sent, `sent it ${got} bytes for its ${sent}`)
    } finally {
      await closeAll(b.socket, raw)
    }
  })
)

unproven('unproven - a bounded query to an address that never reached us is refused; an answer (even an error) proves the address',
  withTimeout(T, async () => {
    const a = await boundSocket()
    let bs: KrpcSocket | undefined
    const b = await boundSocket({ onQuery: q => bs!.replyError(q, 204, 'method unknown') })
    bs = b.socket
    try {
      const refused = await new Promise<unknown>(resolve =>
        a.socket.request(b.address, { q: 'ping', a: {}, bounded: true }, err => resolve(err))
      )
      assert.is((refused as { code?: string }).code, 'ERR_RPC_UNPROVEN')
      assert.is(a.socket.stats().unprovenRefused, 1)
      assert.is(a.socket.stats().queriesSent, 0)
      await rejects(a.socket.query(b.address, 'vote', {}), 'ERR_RPC_REMOTE')
      const ok = await new Promise<unknown>(resolve =>
        a.socket.request(b.address, { q: 'vote', a: {}, bounded: true }, err => resolve(err))
      )
      assert.is((ok as { code?: string }).code, 'ERR_RPC_REMOTE', 'sent (and answered with an error), not refused')
    } finally {
      await closeAll(a.socket, b.socket)
    }
  }))

unproven.run()
