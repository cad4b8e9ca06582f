import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import { asyncScheduler, firstValueFrom, Observable, of } from 'rxjs'
import { randomId } from '@peerconnect/protocol'
import type { Message, TransportQuery } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { checkContact } from '../src/check.js'
import { tcpProbe } from '../src/tcp-probe.js'
import { testDeps } from '@peerconnect/runtime/testing'
import { pong, recordingAsk, rpcError } from './fakes.js'

const OPTS = { udpTimeout: 100, tcpTimeout: 2000, askMargin: 100 }

/** A TCP listener on 127.0.0.1 that counts the connections it accepts. */
async function listener (opts: { hold?: boolean } = {}): Promise<{ port: number, accepted: () => number, close: () => Promise<void> }> {
  let accepted = 0
  const held: Socket[] = []
  const server: Server = createServer(socket => {
    accepted++
    if (opts.hold === true) held.push(socket)
    else socket.destroy()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const close = (): Promise<void> => new Promise(resolve => {
    for (const socket of held) socket.destroy()
    server.close(() => resolve())
  })
  return { port, accepted: () => accepted, close }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort (): Promise<number> {
  const l = await listener()
  await l.close()
  return l.port
}

const udp = suite('check udp')

udp('udp - a ping answered by the right id is alive via udp with its rtt', async () => {
  const id = randomId()
  const { ask, asked } = recordingAsk(() => of(pong(id, 12)))
  const o = await firstValueFrom(checkContact({ id, host: '127.0.0.1', port: 9 }, testDeps({ ask, start: 5000 }), OPTS))
  assert.equal(o, { alive: true, via: 'udp', rtt: 12, checkedAt: 5000 })
  assert.is(asked.length, 1)
  const q = asked[0] as TransportQuery
  assert.is(q.type, 'transport.query')
  assert.is(q.q, 'ping')
  assert.equal(q.a, {})
  assert.equal(q.to, { host: '127.0.0.1', port: 9 })
  assert.is(q.timeout, OPTS.udpTimeout)
})

udp('udp - a KRPC error reply still proves the node is alive', async () => {
  const { ask } = recordingAsk(() => rpcError('ERR_RPC_REMOTE'))
  const o = await firstValueFrom(checkContact({ id: randomId(), host: '127.0.0.1', port: 9 }, testDeps({ ask }), OPTS))
  assert.is(o.alive, true)
  assert.is(o.via, 'udp')
  assert.is(o.rtt, null)
})

udp('udp - an answer from another id means the contact is gone, with no TCP attempt', withTimeout(5000, async () => {
  const l = await listener()
  try {
    const { ask } = recordingAsk(() => of(pong(randomId())))
    const o = await firstValueFrom(checkContact({ id: randomId(), host: '127.0.0.1', port: l.port }, testDeps({ ask }), OPTS))
    assert.equal([o.alive, o.via, o.rtt], [false, null, null])
    assert.is(l.accepted(), 0)
  } finally {
    await l.close()
  }
}))

udp('udp - a reply that is not a transport.response counts as silence', withTimeout(5000, async () => {
  const port = await closedPort()
  const { ask } = recordingAsk(() => of<Message>({ type: 'something.else' }))
  const o = await firstValueFrom(checkContact({ id: randomId(), host: '127.0.0.1', port }, testDeps({ ask }), OPTS))
  assert.is(o.alive, false)
}))

udp('udp - the ask is bounded by udpTimeout plus the margin', async () => {
  const seen: Array<number | undefined> = []
  const deps = { ...testDeps(), ask: (_m: Message, o?: { timeout?: number }) => {
    seen.push(o?.timeout)
    return of(pong(randomId()))
  } }
  await firstValueFrom(checkContact({ id: randomId(), host: '127.0.0.1', port: 9 }, deps, OPTS))
  assert.equal(seen, [OPTS.udpTimeout + OPTS.askMargin])
})

udp.run()

const tcp = suite('check tcp fallback')

tcp('tcp - udp silent, TCP port open: alive via tcp', withTimeout(5000, async () => {
  const l = await listener()
  try {
    const { ask } = recordingAsk(() => rpcError('ERR_RPC_TIMEOUT'))
    const o = await firstValueFrom(
      checkContact({ id: randomId(), host: '127.0.0.1', port: l.port }, testDeps({ ask, scheduler: asyncScheduler }), OPTS)
    )
    assert.is(o.alive, true)
    assert.is(o.via, 'tcp')
    assert.type(o.rtt, 'number')
    assert.ok((o.rtt ?? -1) >= 0)
    await waitFor(() => l.accepted() === 1, { what: 'the listener saw the connect' })
  } finally {
    await l.close()
  }
}))

tcp('tcp - udp silent, port closed: dead, via null', withTimeout(5000, async () => {
  const port = await closedPort()
  const { ask } = recordingAsk(() => rpcError('ERR_RPC_TIMEOUT'))
  const o = await firstValueFrom(checkContact({ id: randomId(), host: '127.0.0.1', port }, testDeps({ ask }), OPTS))
  assert.equal([o.alive, o.via, o.rtt], [false, null, null])
}))

tcp('tcp - any ask failure (no transport, send error) falls back to TCP', withTimeout(5000, async () => {
  const l = await listener()
  try {
    for (const code of ['ERR_NO_CONSUMER', 'ERR_ASK_TIMEOUT', 'ERR_RPC_SEND', 'ERR_RPC_BAD_REPLY']) {
      const { ask } = recordingAsk(() => rpcError(code))
      const o = await firstValueFrom(checkContact({ id: randomId(), host: '127.0.0.1', port: l.port }, testDeps({ ask }), OPTS))
      assert.is(o.via, 'tcp', code)
    }
  } finally {
    await l.close()
  }
}))

tcp('tcp - tcp: false skips the fallback', withTimeout(5000, async () => {
  const l = await listener()
  try {
    const { ask } = recordingAsk(() => rpcError('ERR_RPC_TIMEOUT'))
    const o = await firstValueFrom(
      checkContact({ id: randomId(), host: '127.0.0.1', port: l.port }, testDeps({ ask }), { ...OPTS, tcp: false })
    )
    assert.is(o.alive, false)
    assert.is(l.accepted(), 0)
  } finally {
    await l.close()
  }
}))

tcp('tcp - a connect that never finishes is cut by tcpTimeout', withTimeout(5000, async () => {
  const { ask } = recordingAsk(() => rpcError('ERR_RPC_TIMEOUT'))
  // TEST-NET-1 is never routed: the connect either hangs (then times out) or fails at once.
  const o = await firstValueFrom(
    checkContact({ id: randomId(), host: '192.0.2.1', port: 9 }, testDeps({ ask, scheduler: asyncScheduler }), { ...OPTS, tcpTimeout: 150 })
  )
  assert.equal([o.alive, o.via], [false, null])
}))

tcp('tcp - unsubscribing cancels the pending ping ask', () => {
  let cancelled = 0
  const ask = (): Observable<Message> =>
    new Observable<Message>(() => () => {
      cancelled++
    })
  const sub = checkContact({ id: randomId(), host: '127.0.0.1', port: 9 }, testDeps({ ask }), OPTS).subscribe()
  assert.is(cancelled, 0)
  sub.unsubscribe()
  assert.is(cancelled, 1)
})

tcp.run()

const probe = suite('tcpProbe')

probe('tcpProbe - emits once and completes on connect', withTimeout(5000, async () => {
  const l = await listener()
  try {
    const values: unknown[] = []
    await new Promise<void>((resolve, reject) =>
      tcpProbe('127.0.0.1', l.port).subscribe({ next: v => values.push(v), error: reject, complete: resolve })
    )
    assert.equal(values, [true])
  } finally {
    await l.close()
  }
}))

probe('tcpProbe - closes its socket after the connect even if the peer keeps it open', withTimeout(5000, async () => {
  let peerSawClose = false
  const server = createServer(socket => {
    socket.on('error', () => {})
    socket.on('close', () => {
      peerSawClose = true
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  try {
    await firstValueFrom(tcpProbe('127.0.0.1', (server.address() as AddressInfo).port))
    await waitFor(() => peerSawClose, { what: 'the peer saw the probe close its socket' })
  } finally {
    await new Promise(resolve => server.close(resolve))
  }
}))

probe('tcpProbe - errors with the socket error on a closed port', withTimeout(5000, async () => {
  const port = await closedPort()
  const err = await new Promise<unknown>(resolve =>
    tcpProbe('127.0.0.1', port).subscribe({ error: resolve, complete: () => resolve(undefined) })
  )
  assert.is((err as { code?: string }).code, 'ECONNREFUSED')
}))

probe('tcpProbe - unsubscribing before connect destroys the socket and silences its errors', () => {
  const socket = fakeSocket()
  const sub = tcpProbe('10.1.2.3', 4567, { connect: to => {
    socket.to = to
    return socket
  } }).subscribe()
  assert.equal(socket.to, { host: '10.1.2.3', port: 4567 })
  assert.is(socket.destroyed, 0)
  sub.unsubscribe()
  assert.is(socket.destroyed, 1)
  socket.emit('connect')
  socket.emit('error', new Error('late'))
  assert.is(socket.destroyed, 1, 'a late connect after teardown does nothing')
})

probe('tcpProbe - a fake socket that connects completes the probe and is destroyed', () => {
  const socket = fakeSocket()
  const values: unknown[] = []
  let done = false
  tcpProbe('10.1.2.3', 4567, { connect: () => socket }).subscribe({ next: v => values.push(v), complete: () => {
    done = true
  } })
  socket.emit('connect')
  assert.equal(values, [true])
  assert.ok(done)
  assert.ok(socket.destroyed >= 1)
})

probe.run()

function fakeSocket (): EventEmitter & { destroyed: number, to?: unknown, destroy(): void } {
  const socket = Object.assign(new EventEmitter(), { destroyed: 0, to: undefined, destroy () {
    socket.destroyed++
  } })
  return socket
}
