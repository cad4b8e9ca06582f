import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout, waitFor } from '@peerconnect/test-helpers'
import type { PeerEvent } from '../src/backend.js'
import { fakeBackend, gate, peer } from './fake-backend.js'
import { connectWs, errorCode, get, withServer, wsUrl } from './http.js'

const T = 10_000

const snapshot = suite('events snapshot')

snapshot('events - on connect, one peer.added per live peer', withTimeout(T, async () => {
  const live = [peer(1), peer(2, { status: 'offline' }), peer(3)]
  await withServer(fakeBackend({ live }), {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    try {
      const got = [await ws.next(), await ws.next(), await ws.next()]
      assert.equal(got, live.map(p => ({ type: 'peer.added', peer: p })))
    } finally {
      ws.close()
    }
  })
}))

snapshot('events - events during the snapshot come after it, none lost', withTimeout(T, async () => {
  const inSnapshot = gate()
  const release = gate()
  const backend = fakeBackend({
    live: [peer(1)],
    onLivePeers: async () => {
      inSnapshot.open()
      await release.promise
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const connecting = connectWs(wsUrl(url))
    await inSnapshot.promise
    backend.emit({ type: 'peer.added', peer: peer(9) })
    backend.emit({ type: 'peer.status', peer: peer(1, { status: 'offline' }) })
    release.open()
    const ws = await connecting
    try {
      const got = [await ws.next(), await ws.next(), await ws.next()]
      assert.equal(got, [
        { type: 'peer.added', peer: peer(1) },
        { type: 'peer.added', peer: peer(9) },
        { type: 'peer.status', peer: peer(1, { status: 'offline' }) }
      ])
    } finally {
      ws.close()
    }
  })
}))

snapshot('events - an empty routing table sends nothing until an event', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    try {
      await waitFor(() => backend.listenerCount === 1, { what: 'subscribed' })
      backend.emit({ type: 'peer.added', peer: peer(5) })
      assert.equal(await ws.next(), { type: 'peer.added', peer: peer(5) })
    } finally {
      ws.close()
    }
  })
}))

snapshot.run()

const live = suite('events live')

live('events - added, status and removed events reach every client in order', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const a = await connectWs(wsUrl(url))
    const b = await connectWs(wsUrl(url))
    try {
      await waitFor(() => backend.listenerCount === 2, { what: 'two subscribers' })
      const events: PeerEvent[] = [
        { type: 'peer.added', peer: peer(1) },
        { type: 'peer.status', peer: peer(1, { status: 'offline', lastSeen: 5 }) },
        { type: 'peer.removed', peer: peer(1, { status: 'offline' }) }
      ]
      for (const e of events) backend.emit(e)
      for (const ws of [a, b]) assert.equal([await ws.next(), await ws.next(), await ws.next()], events)
    } finally {
      a.close()
      b.close()
    }
  })
}))

live('events - malformed events from the backend are not sent', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    try {
      await waitFor(() => backend.listenerCount === 1, { what: 'subscribed' })
      backend.emit({ type: 'peer.exploded', peer: peer(1) } as unknown as PeerEvent)
      backend.emit({ type: 'peer.added' } as unknown as PeerEvent)
      backend.emit(null as unknown as PeerEvent)
      backend.emit({ type: 'peer.added', peer: peer(2) })
      assert.equal(await ws.next(), { type: 'peer.added', peer: peer(2) })
    } finally {
      ws.close()
    }
  })
}))

live('events - a closed socket unsubscribes from the backend', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    await waitFor(() => backend.listenerCount === 1, { what: 'subscribed' })
    ws.close()
    await ws.closed
    await waitFor(() => backend.listenerCount === 0, { what: 'unsubscribed' })
    backend.emit({ type: 'peer.added', peer: peer(1) })
    assert.is(backend.listenerCount, 0)
  })
}))

live('events - closing the server closes the sockets and unsubscribes', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async (server) => {
    const ws = await connectWs(wsUrl(server.url))
    await waitFor(() => backend.listenerCount === 1, { what: 'subscribed' })
    await server.close()
    const code = await ws.closed
    assert.ok(code >= 1000, `close code ${code}`)
    await waitFor(() => backend.listenerCount === 0, { what: 'unsubscribed' })
  })
}))

live('events - messages from the client are ignored, oversized ones close it', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    await waitFor(() => backend.listenerCount === 1, { what: 'subscribed' })
    ws.socket.send('hello')
    ws.socket.send(Buffer.alloc(16))
    backend.emit({ type: 'peer.added', peer: peer(3) })
    assert.equal(await ws.next(), { type: 'peer.added', peer: peer(3) })
    ws.socket.send(Buffer.alloc(64 * 1024))
    assert.is(await ws.closed, 1009)
    assert.is((await get(`${url}/api/status`)).status, 200)
  })
}))

live.run()

const failures = suite('events failures')

failures('events - a plain GET is told to upgrade (426)', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    const a = await get(`${url}/api/events`)
    assert.is(a.status, 426)
    assert.is(errorCode(a), 'ERR_UPGRADE_REQUIRED')
  })
}))

failures('events - a failing snapshot closes the socket with 1011 and unsubscribes', withTimeout(T, async () => {
  const backend = fakeBackend({ fail: { livePeers: new Error('boom') } })
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    assert.is(await ws.closed, 1011)
    await waitFor(() => backend.listenerCount === 0, { what: 'unsubscribed' })
    assert.is((await get(`${url}/api/status`)).status, 200)
  })
}))

failures('events - a backend that cannot subscribe closes the socket with 1011', withTimeout(T, async () => {
  const backend = fakeBackend({ fail: { events: new Error('no events') } })
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    assert.is(await ws.closed, 1011)
  })
}))

failures('events - a WebSocket to another route is closed at once', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url, '/api/status'))
    assert.is(await ws.closed, 1005)
    assert.is(backend.listenerCount, 0)
    assert.is((await get(`${url}/api/status`)).status, 200)
  })
}))

failures('events - a WebSocket to an unknown route is refused with 404', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    const err = await connectWs(wsUrl(url, '/nope')).then(() => undefined, (e: unknown) => e as { status?: number })
    assert.is(err?.status, 404)
  })
}))

failures.run()
