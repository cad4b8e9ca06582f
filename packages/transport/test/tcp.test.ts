import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import net from 'node:net'
import { withTimeout } from '@peerconnect/test-helpers'
import { listenTcp } from '../src/tcp.js'
import { recordingLogger } from './fixtures/deps.js'

const tcp = suite('tcp - liveness listener')

function connectAndWaitClose (port: number): Promise<{ connected: boolean, bytes: number }> {
  return new Promise((resolve, reject) => {
    let connected = false
    let bytes = 0
    const c = net.connect(port, '127.0.0.1', () => {
      connected = true
    })
    c.on('data', d => {
      bytes += d.length
    })
    c.on('close', () => resolve({ connected, bytes }))
    c.on('error', err => (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err))
  })
}

tcp('tcp - accepts a connection and closes it at once', withTimeout(5000, async () => {
  const l = await listenTcp('127.0.0.1', 0, recordingLogger())
  try {
    assert.ok(l.port !== undefined && l.port > 0)
    const r = await connectAndWaitClose(l.port)
    assert.ok(r.connected)
    assert.is(r.bytes, 0)
    const again = await connectAndWaitClose(l.port)
    assert.ok(again.connected, 'and keeps accepting')
  } finally {
    await l.close()
  }
}))

tcp('tcp - a taken port is logged, not thrown', withTimeout(5000, async () => {
  const first = await listenTcp('127.0.0.1', 0, recordingLogger())
  const log = recordingLogger()
  try {
    const second = await listenTcp('127.0.0.1', first.port!, log)
    assert.is(second.port, undefined)
    assert.is(log.lines.length, 1)
    assert.is(log.lines[0]!.level, 'warn')
    assert.is(log.lines[0]!.fields?.code, 'EADDRINUSE')
    await second.close()
  } finally {
    await first.close()
  }
}))

tcp('tcp - close frees the port', withTimeout(5000, async () => {
  const l = await listenTcp('127.0.0.1', 0, recordingLogger())
  await l.close()
  const again = await listenTcp('127.0.0.1', l.port!, recordingLogger())
  try {
    assert.is(again.port, l.port)
  } finally {
    await again.close()
  }
}))

tcp.run()
