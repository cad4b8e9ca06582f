import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { request } from 'node:http'
import { withTimeout, waitFor } from '@peerconnect/test-helpers'
import { createHostGuard, hostnameOf } from '../src/origin.js'
import { aborted, fakeBackend, gate, peer } from './fake-backend.js'
import { connectWs, get, withServer, wsUrl } from './http.js'

const T = 20_000

/** GET with exactly these headers (fetch would set Host itself). */
function raw (url: string, headers: Record<string, string>): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', d => {
        body += d
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const code = (body: string): unknown => (JSON.parse(body) as { error?: { code?: unknown } }).error?.code

// ── Host (DNS rebinding) ─────────────────────────────────────────────────────────────────────

const host = suite('local API - Host')

host('local API - a Host other than the bound address, localhost or a configured name gets 421', withTimeout(T, async () => {
  await withServer(fakeBackend({ live: [peer(1)] }), { allowedHosts: ['node.lan'] }, async server => {
    const port = new URL(server.url).port
    for (const path of ['/api/status', '/api/events', '/api/peers', '/metrics', '/']) {
      const a = await raw(server.url + path, { host: `evil.example:${port}` })
      assert.is(a.status, 421, path)
      assert.is(code(a.body), 'ERR_BAD_HOST', path)
    }
    for (const h of ['127.0.0.2', '127.0.0.1.evil.example', 'localhost.evil.example', '[::1]', 'x@127.0.0.1']) {
      assert.is((await raw(server.url + '/api/status', { host: h })).status, 421, h)
    }
    for (const h of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'LOCALHOST', 'localhost.', `node.lan:${port}`, 'Node.LAN']) {
      assert.is((await raw(server.url + '/api/status', { host: h })).status, 200, h)
    }
  })
}))

host('local API - bound to `localhost`, it answers to the address it listens on (the one its URL names)', withTimeout(T, async () => {
  await withServer(fakeBackend(), { host: 'localhost' }, async server => {
    const a = await get(server.url + '/api/status')
    assert.is(a.status, 200, server.url)
    assert.is((await raw(server.url + '/api/status', { host: 'evil.example' })).status, 421)
  })
}))

host('local API - hostnameOf and the guard of a wildcard bind', () => {
  assert.is(hostnameOf('a.example:80'), 'a.example')
  assert.is(hostnameOf('[::1]:7070'), '::1')
  assert.is(hostnameOf('[::1]x'), undefined)
  assert.is(hostnameOf('a b'), undefined)
  assert.is(hostnameOf('a:b:c'), undefined)
  const any = createHostGuard('0.0.0.0', () => 7070)
  assert.ok(any.hostAllowed('192.0.2.7:7070'), 'a wildcard bind answers to any IP literal')
  assert.ok(any.hostAllowed('[2001:db8::1]:7070'))
  assert.not.ok(any.hostAllowed('evil.example:7070'), '…but not to a name')
  assert.ok(any.hostAllowed(undefined), 'no Host: an HTTP/1.0 client, not a browser')
  assert.not.ok(any.hostAllowed(['a', 'b']))
})

// ── Origin ───────────────────────────────────────────────────────────────────────────────────

const origin = suite('local API - Origin')

origin('local API - a foreign Origin is refused on every /api route and /metrics; the page itself is not', withTimeout(T, async () => {
  const b = fakeBackend({ live: [peer(1)], directory: [peer(1)] })
  await withServer(b, {}, async server => {
    const routes = ['/api/status', '/api/peers', `/api/peers/${peer(1).id}`, '/api/search?q=peer', '/api/events', '/metrics', '/api']
    for (const o of ['http://evil.example', 'null', 'http://127.0.0.1:1', 'https://127.0.0.1:' + new URL(server.url).port,
      'http://localhost.evil.example', 'not a url']) {
      for (const path of routes) {
        const a = await get(server.url + path, { origin: o })
        assert.is(a.status, 403, `${o} ${path}`)
        assert.is((a.json as { error: { code: string } }).error.code, 'ERR_FOREIGN_ORIGIN')
      }
    }
    assert.is(b.searches.length, 0, 'no search ran for a foreign page')
    assert.is(b.lookups.length, 0)
    const port = new URL(server.url).port
    for (const o of [server.url, `http://localhost:${port}`]) {
      assert.is((await get(server.url + '/api/status', { origin: o })).status, 200, o)
    }
    assert.is((await get(server.url + '/api/status')).status, 200, 'no Origin (curl, the CLI) is fine')
    assert.is((await get(server.url + '/', { origin: 'http://evil.example' })).status, 200, 'the page may be linked to')
  })
}))

origin('local API - Sec-Fetch-Site other than same-origin or none is refused (a cross-site GET carries no Origin)',
  withTimeout(T, async () => {
    const b = fakeBackend()
    await withServer(b, {}, async server => {
      for (const site of ['cross-site', 'same-site', 'bogus']) {
        const a = await get(server.url + '/api/search?q=peer', { 'sec-fetch-site': site })
        assert.is(a.status, 403, site)
        assert.is((a.json as { error: { code: string } }).error.code, 'ERR_FOREIGN_ORIGIN')
      }
      assert.is(b.searches.length, 0)
      for (const site of ['same-origin', 'none']) {
        assert.is((await get(server.url + '/api/status', { 'sec-fetch-site': site })).status, 200, site)
      }
      assert.is((await get(server.url + '/', { 'sec-fetch-site': 'cross-site' })).status, 200, 'the page itself')
    })
  }))

origin('local API - the events WebSocket refuses a foreign Origin and takes its own', withTimeout(T, async () => {
  await withServer(fakeBackend({ live: [peer(1)] }), {}, async server => {
    const err = await connectWs(wsUrl(server.url), { origin: 'http://evil.example' }).then(() => undefined,
      (e: unknown) => e as { status?: number })
    assert.is(err?.status, 403)
    const ws = await connectWs(wsUrl(server.url), { origin: server.url })
    try {
      assert.equal(await ws.next(), { type: 'peer.added', peer: peer(1) })
    } finally {
      ws.close()
    }
  })
}))

// ── concurrency caps ─────────────────────────────────────────────────────────────────────────

const caps = suite('local API - concurrency caps')

caps('local API - searches beyond the cap get 429 ERR_TOO_MANY_SEARCHES; a finished one frees its slot', withTimeout(T, async () => {
  const b = fakeBackend({
    // eslint-disable-next-line require-yield -- a search that finds nothing (it waits, or fails)
    search: async function* (_q, opts) {
      await aborted(opts.signal)
    }
  })
  await withServer(b, { maxSearches: 2 }, async server => {
    const clients = [new AbortController(), new AbortController()]
    const running = clients.map(async c =>
      await fetch(`${server.url}/api/search?q=a&timeout=30000`, { signal: c.signal }).catch(() => undefined)
    )
    await waitFor(() => b.searches.length === 2, { what: 'two searches running' })
    const third = await get(`${server.url}/api/search?q=a`)
    assert.is(third.status, 429)
    assert.is((third.json as { error: { code: string } }).error.code, 'ERR_TOO_MANY_SEARCHES')
    assert.is(third.headers.get('retry-after'), '1')
    assert.is(b.searches.length, 2, 'the backend was not asked')
    clients[0]!.abort()
    await Promise.all(running.slice(0, 1))
    await waitFor(() => b.searches[0]!.opts.signal.aborted, { what: 'the first search to end' })
    const next = new AbortController()
    const fourth = fetch(`${server.url}/api/search?q=a&timeout=30000`, { signal: next.signal }).catch(() => undefined)
    await waitFor(() => b.searches.length === 3, { what: 'a freed slot taken' })
    next.abort()
    clients[1]!.abort()
    await Promise.all([fourth, ...running])
  })
}))

caps('local API - lookups and directory pages beyond the cap get 429 ERR_TOO_MANY_LOOKUPS', withTimeout(T, async () => {
  const b = fakeBackend({ directory: [peer(1)] })
  const hold = gate()
  let asked = 0
  b.peer = async () => {
    asked++
    await hold.promise
    return null
  }
  await withServer(b, { maxLookups: 2 }, async server => {
    const running = [get(`${server.url}/api/peers/${peer(1).id}`), get(`${server.url}/api/peers/${peer(2).id}`)]
    await waitFor(() => asked === 2, { what: 'two lookups running' })
    for (const path of [`/api/peers/${peer(3).id}`, '/api/peers', `/api/peers/${peer(3).id}/details`, `/api/lookup/${peer(3).id}`]) {
      const a = await get(server.url + path)
      assert.is(a.status, 429, path)
      assert.is((a.json as { error: { code: string } }).error.code, 'ERR_TOO_MANY_LOOKUPS')
    }
    hold.open()
    assert.equal((await Promise.all(running)).map(a => a.status), [404, 404])
    assert.is((await get(server.url + '/api/peers')).status, 200, 'slots freed')
  })
}))

host.run()
origin.run()
caps.run()
