import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect } from 'node:net'
import { createLogger } from '@peerconnect/runtime'
import type { LogEntry } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { fakeBackend, peer } from './fake-backend.js'
import { get, withServer } from './http.js'

const T = 60_000

/** Writes `bytes` on a fresh TCP connection, half-closes it, and returns whatever came back. */
function raw (port: number, bytes: string | Buffer): Promise<string> {
  return new Promise(resolve => {
    const socket = connect(port, '127.0.0.1')
    let got = ''
    socket.setEncoding('latin1')
    socket.on('data', (d: string) => {
      got += d
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(got))
    socket.on('connect', () => {
      socket.write(bytes)
      socket.end()
    })
  })
}

function statusOf (response: string): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(response)
  return m === null ? undefined : Number(m[1])
}

const MALFORMED: Array<string | Buffer> = [
  Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]),
  'GARBAGE\r\n\r\n',
  'GET\r\n\r\n',
  'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
  'GET / HTTP/1.1\r\n\r\n',
  'FOO /api/status HTTP/1.1\r\nHost: x\r\n\r\n',
  `GET /api/peers/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  `GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`,
  'GET /api/peers/%zz HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/search?q=%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/search?q=%ff%fe HTTP/1.1\r\nHost: x\r\n\r\n',
  `GET /api/search?${Array.from({ length: 3000 }, (_, i) => `q${i}=${i}`).join('&')} HTTP/1.1\r\nHost: x\r\n\r\n`,
  'GET /api/peers?limit[]=1&cursor[a]=2 HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/peers?__proto__=1&constructor=2&limit=__proto__ HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzzzzz',
  'POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"a":1',
  'POST /api/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnope\r\n',
  `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(100_000)}`,
  'GET /api/status HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'GET /api/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'GET /api/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ' +
  'bad\r\nSec-WebSocket-Version: 99\r\n\r\n',
  'GET /api/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ' +
  'dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\x89\xff\xff\xff',
  'GET /api/sta',
  'GET /api/status HTTP/1.1\r\nHost: x\r\n',
  'GET /\u0000\u0001 HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/peers/ðŸ™‚ HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET http://evil.example/api/status HTTP/1.1\r\nHost: evil.example\r\n\r\n',
  'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /api/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n\r\nGET /api/status HTTP/1.1\r\nHost: x\r\n\r\n'
]

const flood = suite('malformed flood')

flood('robustness - every malformed request gets a 4xx or a closed socket, never a 5xx', withTimeout(T, async () => {
  const backend = fakeBackend({ live: [peer(1)], directory: [peer(2)] })
  await withServer(backend, {}, async ({ url }) => {
    const port = Number(new URL(url).port)
    for (const bytes of MALFORMED) {
      const response = await raw(port, bytes)
      const status = statusOf(response)
      const label = String(bytes).slice(0, 60)
      if (status !== undefined) assert.ok(status < 500, `${label} → ${status}`)
    }
    assert.is((await get(`${url}/api/status`)).status, 200)
  })
}))

flood('robustness - error answers from the server are JSON with a code', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    const port = Number(new URL(url).port)
    for (const bytes of [
      'GET /api/peers/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'POST /api/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 6\r\n\r\n{"a":1',
      'GET /api/peers?limit=__proto__ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'GET http://evil.example/api/status HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
      `GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`,
      'GARBAGE\r\n\r\n'
    ]) {
      const response = await raw(port, bytes)
      const body = response.slice(response.indexOf('\r\n\r\n') + 4)
      const json = JSON.parse(body) as { error: { code: string, message: string } }
      assert.match(json.error.code, /^ERR_[A-Z_]+$/, bytes)
      assert.type(json.error.message, 'string')
    }
  })
}))

flood('robustness - a parallel flood of malformed and valid requests leaves the server answering', withTimeout(T, async () => {
  const backend = fakeBackend({ live: [peer(1)], directory: [peer(2)] })
  await withServer(backend, {}, async ({ url }) => {
    const port = Number(new URL(url).port)
    const jobs: Array<Promise<unknown>> = []
    for (let round = 0; round < 6; round++) {
      for (const bytes of MALFORMED) jobs.push(raw(port, bytes))
      jobs.push(get(`${url}/api/peers/${'x'.repeat(40)}`), get(`${url}/api/search?q=`), get(`${url}/api/peers?limit=9999`))
    }
    const results = await Promise.allSettled(jobs)
    assert.is(results.length, 6 * (MALFORMED.length + 3))
    const answers = await Promise.all([get(`${url}/api/status`), get(`${url}/api/peers`), get(`${url}/api/peers/${peer(1).id}`),
      get(`${url}/metrics`)])
    assert.equal(answers.map(a => a.status), [200, 200, 200, 200])
    const metrics = answers[3].text
    assert.not.match(metrics, /status="5\d\d"/, 'no request was answered with a 5xx')
  })
}))

flood('robustness - many clients that connect and vanish mid-search leave nothing running', withTimeout(T, async () => {
  let running = 0
  const backend = fakeBackend({
    search: async function* (_q, opts) {
      running++
      try {
        yield { peer: peer(1), via: 'local' }
        await new Promise<void>(resolve => opts.signal.addEventListener('abort', () => resolve(), { once: true }))
      } finally {
        running--
      }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const port = Number(new URL(url).port)
    await Promise.all(Array.from({ length: 40 }, async () => {
      const client = new AbortController()
      const res = await fetch(`${url}/api/search?q=x&timeout=30000`, { signal: client.signal })
      const reader = res.body!.getReader()
      await reader.read()
      client.abort()
    }))
    await Promise.all(
      Array.from({ length: 40 }, async () => await raw(port, 'GET /api/search?q=x&timeout=30000 HTTP/1.1\r\nHost: x\r\n\r\n'))
    )
    const deadline = Date.now() + 10_000
    while (running > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    assert.is(running, 0)
    const samples = (await get(`${url}/metrics`)).text
    assert.match(samples, /^peerconnect_search_streams 0$/m)
  })
}))

flood.run()

const logs = suite('ui-bridge - logging')

logs('ui-bridge - the server logs under its logger\'s namespace plus http (ui-bridge:http under the actor), once',
  withTimeout(10_000, async () => {
    const entries: LogEntry[] = []
    const logger = createLogger('ui-bridge', { level: 'info', sink: e => {
      entries.push(e)
    } })
    await withServer(fakeBackend(), { port: 0, logger }, async server => {
      const listening = entries.find(e => e.msg === 'listening')
      assert.ok(listening !== undefined, 'a listening entry')
      assert.is(listening.ns, 'ui-bridge:http')
      assert.is(listening.fields?.url, server.url)
    })
  }))

logs.run()
