import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout } from '@peerconnect/test-helpers'
import type { Logger } from '@peerconnect/runtime'
import { coded, fakeBackend, peer, NODE_ID } from './fake-backend.js'
import { errorCode, get, withServer } from './http.js'

const T = 10_000

const status = suite('status')

status('status - answers the node, its actors and lists', withTimeout(T, async () => {
  const backend = fakeBackend({ live: [peer(1), peer(2)] })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/status`)
    assert.is(a.status, 200)
    assert.match(a.headers.get('content-type') ?? '', 'application/json')
    const body = a.json as Record<string, unknown>
    assert.is(body.id, NODE_ID)
    assert.is(body.name, 'test-node')
    assert.is(body.udp, '127.0.0.1:6881')
    assert.is(body.peers, 2)
    assert.equal(body.lists, { held: 2, records: 17 })
    assert.equal(body.actors, [{ name: 'routing', host: 'worker', threadId: 2, restarts: 0 }, { name: 'transport', host: 'inline',
      threadId: 0, restarts: 1 }])
    assert.equal(body.buckets, [0, 0, 1, 3, 8, 8, 5, 2])
    assert.is(a.headers.get('cache-control'), 'no-store')
    assert.is(a.headers.get('x-content-type-options'), 'nosniff')
  })
}))

status('status - a backend fault is a 500 JSON error that hides its message', withTimeout(T, async () => {
  const backend = fakeBackend({ fail: { status: new Error('secret internals at /home/x') } })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/status`)
    assert.is(a.status, 500)
    assert.is(errorCode(a), 'ERR_INTERNAL')
    assert.not.match(a.text, 'secret')
  })
}))

status('status - an unavailable actor is a 503 with its code', withTimeout(T, async () => {
  for (const code of ['ERR_ASK_TIMEOUT', 'ERR_NO_CONSUMER', 'ERR_UNAVAILABLE', 'ERR_ACTOR_RESTARTED']) {
    const backend = fakeBackend({ fail: { status: coded(code) } })
    await withServer(backend, {}, async ({ url }) => {
      const a = await get(`${url}/api/status`)
      assert.is(a.status, 503, code)
      assert.is(errorCode(a), code)
    })
  }
}))

status('status - a thrown non-error value is still a 500', withTimeout(T, async () => {
  const backend = fakeBackend({ fail: { status: 'a string' } })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/status`)
    assert.is(a.status, 500)
    assert.is(errorCode(a), 'ERR_INTERNAL')
  })
}))

status('status - backend failures are logged through the injected logger', withTimeout(T, async () => {
  const lines: Array<[string, string, Record<string, unknown> | undefined]> = []
  const logger = recorder(lines, 'root')
  await withServer(fakeBackend({ fail: { status: coded('ERR_NO_CONSUMER') } }), { logger }, async ({ url }) => {
    await get(`${url}/api/status`)
  })
  const warn = lines.find(l => l[1] === 'backend failed')
  assert.ok(warn, JSON.stringify(lines))
  assert.is(warn[0], 'warn')
  assert.is(warn[2]?.code, 'ERR_NO_CONSUMER')
  assert.ok(lines.some(l => l[1] === 'listening'))
}))

status.run()

function recorder (lines: Array<[string, string, Record<string, unknown> | undefined]>, ns: string): Logger {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push([level, msg, fields])
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (n: string) => recorder(lines, `${ns}:${n}`) }
}

const directory = suite('directory')
const many = Array.from({ length: 7 }, (_, i) => peer(i))

directory('directory - first page with the default limit', withTimeout(T, async () => {
  const backend = fakeBackend({ directory: many })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/peers`)
    assert.is(a.status, 200)
    assert.equal(a.json, { peers: many, next: null })
    assert.equal(backend.pages, [{ limit: 50 }])
  })
}))

directory('directory - pages follow the cursor to the end', withTimeout(T, async () => {
  const backend = fakeBackend({ directory: many })
  await withServer(backend, {}, async ({ url }) => {
    const seen: unknown[] = []
    let cursor = ''
    for (let i = 0; i < 10; i++) {
      const a = await get(`${url}/api/peers?cursor=${encodeURIComponent(cursor)}&limit=3`)
      assert.is(a.status, 200)
      const body = a.json as { peers: unknown[], next: string | null }
      seen.push(...body.peers)
      if (body.next === null) break
      cursor = body.next
    }
    assert.equal(seen, many)
    assert.equal(backend.pages.map(p => p.cursor), [undefined, 'p3', 'p6'])
  })
}))

directory('directory - an unreadable cursor from the backend is a 400', withTimeout(T, async () => {
  const backend = fakeBackend({ directory: many })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/peers?cursor=zzz`)
    assert.is(a.status, 400)
    assert.is(errorCode(a), 'ERR_BAD_CURSOR')
  })
}))

directory('directory - bad cursor and limit are refused before the backend', withTimeout(T, async () => {
  const backend = fakeBackend({ directory: many })
  await withServer(backend, {}, async ({ url }) => {
    const cases: Array<[string, string]> = [
      ['limit=0', 'ERR_BAD_LIMIT'],
      ['limit=201', 'ERR_BAD_LIMIT'],
      ['limit=-1', 'ERR_BAD_LIMIT'],
      ['limit=2.5', 'ERR_BAD_LIMIT'],
      ['limit=abc', 'ERR_BAD_LIMIT'],
      ['limit=1e2', 'ERR_BAD_LIMIT'],
      ['limit=3&limit=4', 'ERR_BAD_LIMIT'],
      ['cursor=' + 'x'.repeat(600), 'ERR_BAD_CURSOR'],
      ['cursor=a%20b', 'ERR_BAD_CURSOR'],
      ['cursor=%00', 'ERR_BAD_CURSOR'],
      ['cursor=a&cursor=b', 'ERR_BAD_CURSOR']
    ]
    for (const [query, code] of cases) {
      const a = await get(`${url}/api/peers?${query}`)
      assert.is(a.status, 400, query)
      assert.is(errorCode(a), code, query)
      assert.type((a.json as { error: { message: unknown } }).error.message, 'string')
    }
    assert.is(backend.pages.length, 0)
  })
}))

directory('directory - limit at both bounds is accepted', withTimeout(T, async () => {
  const backend = fakeBackend({ directory: many })
  await withServer(backend, {}, async ({ url }) => {
    assert.is((await get(`${url}/api/peers?limit=1`)).status, 200)
    assert.is((await get(`${url}/api/peers?limit=200`)).status, 200)
    assert.equal(backend.pages.map(p => p.limit), [1, 200])
  })
}))

directory('directory - a failing backend is a 500, an unavailable one a 503', withTimeout(T, async () => {
  await withServer(fakeBackend({ fail: { peers: new Error('boom') } }), {}, async ({ url }) => {
    assert.is((await get(`${url}/api/peers`)).status, 500)
  })
  await withServer(fakeBackend({ fail: { peers: coded('ERR_ASK_TIMEOUT') } }), {}, async ({ url }) => {
    assert.is((await get(`${url}/api/peers`)).status, 503)
  })
}))

directory.run()

const lookup = suite('lookup')

lookup('lookup - finds a peer by id', withTimeout(T, async () => {
  const p = peer(3)
  const backend = fakeBackend({ directory: [peer(1), p] })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/peers/${p.id}`)
    assert.is(a.status, 200)
    assert.equal(a.json, p)
  })
}))

lookup('lookup - upper-case hex is looked up in lower case', withTimeout(T, async () => {
  const p = peer(12)
  const backend = fakeBackend({ live: [p] })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/peers/${p.id.toUpperCase()}`)
    assert.is(a.status, 200)
    assert.equal(backend.lookups, [p.id])
  })
}))

lookup('lookup - an unknown id is a 404 JSON error', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/peers/${'0'.repeat(40)}`)
    assert.is(a.status, 404)
    assert.is(errorCode(a), 'ERR_PEER_NOT_FOUND')
  })
}))

lookup('lookup - bad ids are a 400 and never reach the backend', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    for (const id of ['abc', '0'.repeat(39), '0'.repeat(41), 'g'.repeat(40), '%20'.repeat(40), '0'.repeat(38) + '%00%00',
      '..%2F..%2Fetc%2Fpasswd']) {
      const a = await get(`${url}/api/peers/${id}`)
      assert.is(a.status, 400, id)
      assert.is(errorCode(a), 'ERR_BAD_ID', id)
    }
    assert.is(backend.lookups.length, 0)
  })
}))

lookup('lookup - a failing backend is a 500', withTimeout(T, async () => {
  const backend = fakeBackend({ fail: { peer: new Error('boom') } })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/peers/${'1'.repeat(40)}`)
    assert.is(a.status, 500)
    assert.is(errorCode(a), 'ERR_INTERNAL')
  })
}))

lookup.run()

const routes = suite('routes')

routes('routes - unknown routes and methods are 404 JSON', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    for (const path of ['/nope', '/api', '/api/', '/api/unknown', '/API/status', '/static/nothing.js', '/metrics/x']) {
      const a = await get(url + path)
      assert.is(a.status, 404, path)
      assert.is(errorCode(a), path.startsWith('/static/') ? 'ERR_NOT_FOUND' : 'ERR_NOT_FOUND', path)
    }
    const post = await get(`${url}/api/status`, { 'content-type': 'application/json' }, { method: 'POST', body: '{}' })
    assert.is(post.status, 404)
    assert.is(errorCode(post), 'ERR_NOT_FOUND')
    const del = await get(`${url}/api/peers/${'1'.repeat(40)}`, {}, { method: 'DELETE' })
    assert.is(del.status, 404)
  })
}))

routes('routes - HEAD on a GET route answers without a body', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    const res = await fetch(`${url}/api/status`, { method: 'HEAD' })
    assert.is(res.status, 200)
    assert.is(await res.text(), '')
  })
}))

routes.run()
