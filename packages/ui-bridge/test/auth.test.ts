import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { rejects, withTimeout, waitFor } from '@peerconnect/test-helpers'
import { bearer, isLoopback, tokenCheck } from '../src/auth.js'
import { createUiServer } from '../src/server.js'
import { fakeBackend, peer } from './fake-backend.js'
import { connectWs, errorCode, get, withServer, wsUrl } from './http.js'

const T = 10_000
const TOKEN = 's3cret-token_123'
const AUTH = { authorization: `Bearer ${TOKEN}` }

const units = suite('auth units')

units('auth - loopback hosts', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopback(h), h)
  for (const h of ['0.0.0.0', '::', '192.168.1.4', '10.0.0.1', 'example.org', '128.0.0.1', '127.0.0.1.example.org', '1127.0.0.1']) {
    assert.not.ok(isLoopback(h), h)
  }
})

units('auth - bearer header parsing', () => {
  assert.is(bearer('Bearer abc'), 'abc')
  assert.is(bearer('bearer abc'), 'abc')
  assert.is(bearer('Bearer   abc  '), 'abc')
  assert.is(bearer('Basic abc'), undefined)
  assert.is(bearer('Bearer'), undefined)
  assert.is(bearer('Bearer a b'), undefined)
  assert.is(bearer(undefined), undefined)
  assert.is(bearer(['Bearer abc']), undefined)
})

units('auth - token check accepts only the exact token, from header or query', () => {
  const ok = tokenCheck(TOKEN)
  assert.ok(ok(`Bearer ${TOKEN}`, undefined))
  assert.ok(ok(undefined, TOKEN))
  assert.not.ok(ok(undefined, undefined))
  assert.not.ok(ok(`Bearer ${TOKEN}x`, undefined))
  assert.not.ok(ok(`Bearer ${TOKEN.slice(1)}`, undefined))
  assert.not.ok(ok(undefined, [TOKEN]))
  assert.not.ok(ok('Bearer wrong', TOKEN), 'a wrong header is not rescued by the query')
})

units.run()

const start = suite('auth start')

start('auth - a non-loopback host without a token refuses to start', withTimeout(T, async () => {
  for (const host of ['0.0.0.0', '::']) {
    await rejects(createUiServer(fakeBackend(), { host }), 'ERR_TOKEN_REQUIRED')
  }
}))

start('auth - bad options are refused', withTimeout(T, async () => {
  await rejects(createUiServer(fakeBackend(), { port: -1 }), 'ERR_INVALID_SERVER_OPTION')
  await rejects(createUiServer(fakeBackend(), { port: 70000 }), 'ERR_INVALID_SERVER_OPTION')
  await rejects(createUiServer(fakeBackend(), { port: 1.5 }), 'ERR_INVALID_SERVER_OPTION')
  await rejects(createUiServer(fakeBackend(), { token: '' }), 'ERR_INVALID_SERVER_OPTION')
  await rejects(createUiServer(fakeBackend(), { token: 'has space' }), 'ERR_INVALID_SERVER_OPTION')
  await rejects(createUiServer(fakeBackend(), { host: '' }), 'ERR_INVALID_SERVER_OPTION')
}))

start('auth - a port in use is the listen error', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    const port = Number(new URL(url).port)
    await rejects(createUiServer(fakeBackend(), { port, processMetrics: false }), 'EADDRINUSE')
  })
}))

start('auth - a non-loopback host with a token starts and enforces it', withTimeout(T, async () => {
  await withServer(fakeBackend(), { host: '0.0.0.0', token: TOKEN }, async ({ url }) => {
    const local = url.replace('0.0.0.0', '127.0.0.1')
    assert.is((await get(`${local}/api/status`)).status, 401)
    assert.is((await get(`${local}/api/status`, AUTH)).status, 200)
  })
}))

start('auth - loopback without a token needs no header', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.is((await get(`${url}/api/status`)).status, 200)
    assert.is((await get(`${url}/metrics`)).status, 200)
  })
}))

start.run()

const enforce = suite('auth enforce')
const p = peer(1)
const protectedPaths = ['/api/status', '/api/peers', `/api/peers/${p.id}`, '/api/search?q=x', '/metrics', '/api/events']

enforce('auth - every API route and /metrics answers 401 without the token', withTimeout(T, async () => {
  const backend = fakeBackend({ live: [p] })
  await withServer(backend, { token: TOKEN }, async ({ url }) => {
    for (const path of protectedPaths) {
      const a = await get(url + path)
      assert.is(a.status, 401, path)
      assert.is(errorCode(a), 'ERR_UNAUTHORIZED', path)
      assert.is(a.headers.get('www-authenticate'), 'Bearer', path)
    }
    assert.is(backend.searches.length + backend.pages.length + backend.lookups.length, 0, 'nothing reached the backend')
  })
}))

enforce('auth - a wrong token or scheme is refused', withTimeout(T, async () => {
  await withServer(fakeBackend(), { token: TOKEN }, async ({ url }) => {
    for (const header of [`Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN, 'Bearer ', `Bearer ${TOKEN.toUpperCase()}`]) {
      assert.is((await get(`${url}/api/status`, { authorization: header })).status, 401, header)
    }
  })
}))

enforce('auth - the right token opens every route', withTimeout(T, async () => {
  await withServer(fakeBackend({ live: [p] }), { token: TOKEN }, async ({ url }) => {
    assert.is((await get(`${url}/api/status`, AUTH)).status, 200)
    assert.is((await get(`${url}/api/peers`, AUTH)).status, 200)
    assert.is((await get(`${url}/api/peers/${p.id}`, AUTH)).status, 200)
    assert.is((await get(`${url}/api/search?q=x`, AUTH)).status, 200)
    assert.is((await get(`${url}/metrics`, AUTH)).status, 200)
  })
}))

enforce('auth - the query token is accepted only for the WebSocket', withTimeout(T, async () => {
  await withServer(fakeBackend(), { token: TOKEN }, async ({ url }) => {
    assert.is((await get(`${url}/api/status?token=${TOKEN}`)).status, 401)
    assert.is((await get(`${url}/metrics?token=${TOKEN}`)).status, 401)
  })
}))

enforce('auth - the WebSocket needs the token, in a header or ?token=', withTimeout(T, async () => {
  const backend = fakeBackend({ live: [p] })
  await withServer(backend, { token: TOKEN }, async ({ url }) => {
    const refused = await connectWs(wsUrl(url)).then(() => undefined, (e: unknown) => e as { status?: number })
    assert.is(refused?.status, 401)
    const wrong = await connectWs(wsUrl(url, '/api/events?token=nope')).then(() => undefined, (e: unknown) => e as { status?: number })
    assert.is(wrong?.status, 401)
    const viaHeader = await connectWs(wsUrl(url), AUTH)
    assert.equal(await viaHeader.next(), { type: 'peer.added', peer: p })
    viaHeader.close()
    const viaQuery = await connectWs(wsUrl(url, `/api/events?token=${TOKEN}`))
    assert.equal(await viaQuery.next(), { type: 'peer.added', peer: p })
    viaQuery.close()
    await waitFor(() => backend.listenerCount === 0, { what: 'unsubscribed' })
  })
}))

enforce('auth - percent-encoded paths do not slip past the check', withTimeout(T, async () => {
  await withServer(fakeBackend(), { token: TOKEN }, async ({ url }) => {
    for (const path of ['/%61pi/status', '/api/%73tatus', '/%6detrics', '/api//status', '/api/status/', '/api/./status']) {
      const a = await get(url + path)
      assert.ok(a.status === 401 || a.status === 404, `${path} gave ${a.status}`)
      assert.not.ok(a.text.includes('test-node'), path)
    }
  })
}))

enforce('auth - the page loads without the token', withTimeout(T, async () => {
  await withServer(fakeBackend(), { token: TOKEN }, async ({ url }) => {
    const a = await get(`${url}/`)
    assert.ok(a.status === 200 || a.status === 503, String(a.status))
    assert.is.not(a.status, 401)
  })
}))

enforce.run()
