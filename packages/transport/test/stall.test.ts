import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Worker } from 'node:worker_threads'
import { idsEqual } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { STALL_SLACK } from '../src/constants.js'
import { boundSocket, closeAll } from './fixtures/udp.js'

const T = 8000

/**
 * A KRPC responder on its own thread: it answers every query with `{id: 20 × 0x07}` and sets the
 * shared flag once the reply has been sent, so it answers while our thread is busy.
 */
const RESPONDER = `
const dgram = require('node:dgram')
const { parentPort, workerData } = require('node:worker_threads')
const flag = new Int32Array(workerData)
const sock = dgram.createSocket('udp4')
sock.on('message', (buf, rinfo) => {
  const s = buf.toString('latin1')
  const at = s.indexOf('1:t')
  const colon = s.indexOf(':', at + 3)
  const len = Number(s.slice(at + 3, colon))
  const t = s.slice(colon + 1, colon + 1 + len)
  const reply = Buffer.from('d1:rd2:id20:' + '\\x07'.repeat(20) + 'e1:t' + len + ':' + t + '1:y1:re', 'latin1')
  sock.send(reply, rinfo.port, rinfo.address, () => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0) })
})
sock.bind(0, '127.0.0.1', () => parentPort.postMessage(sock.address().port))
parentPort.on('message', () => sock.close(() => process.exit(0)))
`

async function responder (): Promise<{ port: number, flag: Int32Array, stop: () => Promise<void> }> {
  const shared = new SharedArrayBuffer(4)
  const w = new Worker(RESPONDER, { eval: true, workerData: shared })
  const port = await new Promise<number>((resolve, reject) => {
    w.once('message', resolve)
    w.once('error', reject)
  })
  return {
    port,
    flag: new Int32Array(shared),
    stop: async () => {
      w.postMessage('stop')
      await new Promise(resolve => w.once('exit', resolve))
    }
  }
}

const stall = suite('socket - event-loop stall')

stall('socket - a reply that arrived while the event loop was blocked past the timeout still counts', withTimeout(T, async () => {
  const a = await boundSocket()
  const peer = await responder()
  try {
    const timeout = 60
    const pending = a.socket.query({ host: '127.0.0.1', port: peer.port }, 'ping', {}, { timeout })
    const t0 = performance.now()
    // Busy: until the reply sits in our socket's buffer and the timeout is long overdue.
    while (Atomics.load(peer.flag, 0) === 0 || performance.now() - t0 < timeout + 4 * STALL_SLACK) { /* blocked */ }
    const res = await pending
    assert.ok(idsEqual(res.id, new Uint8Array(20).fill(7)))
    assert.is(a.socket.stats().timeouts, 0)
    assert.is(a.socket.stats().pending, 0)
  } finally {
    await closeAll(a.socket)
    await peer.stop()
  }
}))

stall('socket - a silent contact still times out after a stall, once, with its own timeout', withTimeout(T, async () => {
  const a = await boundSocket()
  const silent = await boundSocket({ onQuery: () => {} })
  try {
    const pending = a.socket.query(silent.address, 'ping', {}, { timeout: 40 })
    const t0 = performance.now()
    while (performance.now() - t0 < 40 + 4 * STALL_SLACK) { /* blocked */ }
    const err = await pending.then(() => undefined, (e: unknown) => e as { code?: string, timeout?: number })
    assert.is(err?.code, 'ERR_RPC_TIMEOUT')
    assert.is(err?.timeout, 40, 'the error names the timeout asked for')
    assert.is(a.socket.stats().timeouts, 1)
    assert.is(a.socket.stats().pending, 0)
  } finally {
    await closeAll(a.socket, silent.socket)
  }
}))

stall.run()
