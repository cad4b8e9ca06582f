import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { withTimeout, waitFor } from '@peerconnect/test-helpers'
import type { HitSource, Peer, SearchOptions } from '../src/backend.js'
import { aborted, coded, fakeBackend, gate, peer } from './fake-backend.js'
import { errorCode, get, ndjson, withServer } from './http.js'

const T = 15_000
type Hit = { peer: Peer, via: HitSource }

const streaming = suite('search stream')

streaming('search - the first line arrives before the search ends', withTimeout(T, async () => {
  const release = gate()
  const backend = fakeBackend({
    search: async function* () {
      yield { peer: peer(1), via: 'local' }
      await release.promise
      yield { peer: peer(2), via: 'lists' }
      yield { peer: peer(3), via: 'gossip' }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const res = await fetch(`${url}/api/search?q=peer`)
    assert.is(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', 'application/x-ndjson')
    const lines = ndjson(res)
    const first = await lines.next()
    assert.equal(first.value, { peer: peer(1), via: 'local' })
    release.open()
    const rest: unknown[] = []
    for await (const line of lines) rest.push(line)
    assert.equal(rest.slice(0, 2), [{ peer: peer(2), via: 'lists' }, { peer: peer(3), via: 'gossip' }])
    const done = rest[2] as { done: boolean, hits: number, ms: number }
    assert.is(rest.length, 3)
    assert.is(done.done, true)
    assert.is(done.hits, 3)
    assert.type(done.ms, 'number')
    assert.ok(done.ms >= 0)
  })
}))

streaming('search - lines keep the order the backend gave them', withTimeout(T, async () => {
  const hits: Hit[] = Array.from({ length: 40 }, (_, i) => ({ peer: peer(i), via: (['local', 'lists', 'gossip'] as const)[i % 3]! }))
  const backend = fakeBackend({ search: async function* () {
    yield* hits
  } })
  await withServer(backend, {}, async ({ url }) => {
    const res = await fetch(`${url}/api/search?q=x`)
    const lines: unknown[] = []
    for await (const line of ndjson(res)) lines.push(line)
    assert.equal(lines.slice(0, 40), hits)
    assert.equal((lines[40] as { hits: number }).hits, 40)
  })
}))

streaming('search - a peer seen twice is streamed once', withTimeout(T, async () => {
  const backend = fakeBackend({
    search: async function* () {
      yield { peer: peer(1), via: 'local' }
      yield { peer: peer(1), via: 'gossip' }
      yield { peer: peer(2), via: 'lists' }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const lines: unknown[] = []
    for await (const line of ndjson(await fetch(`${url}/api/search?q=x`))) lines.push(line)
    assert.equal(lines, [{ peer: peer(1), via: 'local' }, { peer: peer(2), via: 'lists' }, { done: true, hits: 2,
      ms: (lines[2] as { ms: number }).ms }])
  })
}))

streaming('search - malformed hits from the backend are skipped', withTimeout(T, async () => {
  const backend = fakeBackend({
    search: async function* () {
      yield null as unknown as Hit
      yield { peer: 'nope', via: 'local' } as unknown as Hit
      yield { peer: { id: 7 }, via: 'local' } as unknown as Hit
      yield { peer: peer(4), via: 'lists' }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const lines: unknown[] = []
    for await (const line of ndjson(await fetch(`${url}/api/search?q=x`))) lines.push(line)
    assert.is(lines.length, 2)
    assert.equal(lines[0], { peer: peer(4), via: 'lists' })
    assert.is((lines[1] as { hits: number }).hits, 1)
  })
}))

streaming('search - no hits is just the done line', withTimeout(T, async () => {
  await withServer(fakeBackend(), {}, async ({ url }) => {
    const a = await get(`${url}/api/search?q=nothing`)
    assert.is(a.status, 200)
    const line = JSON.parse(a.text.trim()) as Record<string, unknown>
    assert.is(line.done, true)
    assert.is(line.hits, 0)
    assert.is(a.text.split('\n').filter(Boolean).length, 1)
  })
}))

streaming.run()

const options = suite('search options')

options('search - q, via and timeout reach the backend; defaults are hybrid and 3 s', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    await get(`${url}/api/search?q=${encodeURIComponent('  Ålice ')}`)
    await get(`${url}/api/search?q=bob&via=gossip&timeout=250`)
    await get(`${url}/api/search?q=carol&via=lists&timeout=30000`)
    const seen = backend.searches.map(s => [s.q, s.opts.via, s.opts.timeoutMs])
    assert.equal(seen, [['Ålice', 'hybrid', 3000], ['bob', 'gossip', 250], ['carol', 'lists', 30000]])
    assert.ok(backend.searches.every(s => s.opts.signal.aborted), 'every search signal is released after the answer')
  })
}))

options('search - bad input is a 400 and never reaches the backend', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const cases: Array<[string, string]> = [
      ['', 'ERR_BAD_QUERY'],
      ['q=', 'ERR_BAD_QUERY'],
      ['q=%20%20%20', 'ERR_BAD_QUERY'],
      ['q=' + 'a'.repeat(65), 'ERR_BAD_QUERY'],
      ['q=' + encodeURIComponent('é'.repeat(33)), 'ERR_BAD_QUERY'],
      ['q=a%00b', 'ERR_BAD_QUERY'],
      ['q=a&q=b', 'ERR_BAD_QUERY'],
      ['q=a&via=dht', 'ERR_BAD_VIA'],
      ['q=a&via=HYBRID', 'ERR_BAD_VIA'],
      ['q=a&via=lists&via=gossip', 'ERR_BAD_VIA'],
      ['q=a&timeout=99', 'ERR_BAD_TIMEOUT'],
      ['q=a&timeout=30001', 'ERR_BAD_TIMEOUT'],
      ['q=a&timeout=1.5', 'ERR_BAD_TIMEOUT'],
      ['q=a&timeout=-100', 'ERR_BAD_TIMEOUT'],
      ['q=a&timeout=1000ms', 'ERR_BAD_TIMEOUT']
    ]
    for (const [query, code] of cases) {
      const a = await get(`${url}/api/search?${query}`)
      assert.is(a.status, 400, query)
      assert.is(errorCode(a), code, query)
    }
    assert.is(backend.searches.length, 0)
  })
}))

options('search - a query of exactly 64 bytes is accepted', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    assert.is((await get(`${url}/api/search?q=${'a'.repeat(64)}`)).status, 200)
    assert.is((await get(`${url}/api/search?q=${encodeURIComponent('é'.repeat(32))}`)).status, 200)
    assert.is(backend.searches.length, 2)
  })
}))

options.run()

const cancel = suite('search cancellation')

cancel('search - a client disconnect aborts the search through its signal', withTimeout(T, async () => {
  let signal: AbortSignal | undefined
  const backend = fakeBackend({
    search: async function* (_q: string, opts: SearchOptions) {
      signal = opts.signal
      yield { peer: peer(1), via: 'local' }
      await aborted(opts.signal)
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const client = new AbortController()
    const res = await fetch(`${url}/api/search?q=x&timeout=30000`, { signal: client.signal })
    const lines = ndjson(res)
    assert.equal((await lines.next()).value, { peer: peer(1), via: 'local' })
    assert.is(signal?.aborted, false)
    client.abort()
    await waitFor(() => signal?.aborted, { what: 'search signal aborted' })
  })
}))

cancel('search - the server ends a search that outlives its time bound', withTimeout(T, async () => {
  let signal: AbortSignal | undefined
  const backend = fakeBackend({
    search: async function* (_q: string, opts: SearchOptions) {
      signal = opts.signal
      yield { peer: peer(1), via: 'local' }
      await new Promise(() => {})
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const lines: unknown[] = []
    for await (const line of ndjson(await fetch(`${url}/api/search?q=x&timeout=100`))) lines.push(line)
    assert.is(lines.length, 2)
    assert.equal((lines[1] as { done: boolean, hits: number }).done, true)
    assert.equal((lines[1] as { hits: number }).hits, 1)
    assert.ok((lines[1] as { ms: number }).ms >= 100)
    assert.is(signal?.aborted, true)
  })
}))

cancel('search - a client that leaves before the first hit aborts the search', withTimeout(T, async () => {
  const started = gate()
  let signal: AbortSignal | undefined
  const backend = fakeBackend({
    // eslint-disable-next-line require-yield -- a search that finds nothing (it waits, or fails)
    search: async function* (_q: string, opts: SearchOptions) {
      signal = opts.signal
      started.open()
      await aborted(opts.signal)
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const client = new AbortController()
    const pending = fetch(`${url}/api/search?q=x&timeout=30000`, { signal: client.signal }).catch((e: unknown) => e)
    await started.promise
    client.abort()
    await pending
    await waitFor(() => signal?.aborted, { what: 'search signal aborted' })
    assert.is((await get(`${url}/api/status`)).status, 200)
  })
}))

cancel('search - closing the server ends a running search', withTimeout(T, async () => {
  let signal: AbortSignal | undefined
  const started = gate()
  const backend = fakeBackend({
    // eslint-disable-next-line require-yield -- a search that finds nothing (it waits, or fails)
    search: async function* (_q: string, opts: SearchOptions) {
      signal = opts.signal
      started.open()
      await new Promise(() => {})
    }
  })
  await withServer(backend, {}, async (server) => {
    const pending = fetch(`${server.url}/api/search?q=x&timeout=30000`).then(r => r.text()).catch(() => 'closed')
    await started.promise
    await server.close()
    await pending
    assert.is(signal?.aborted, true)
  })
}))

cancel.run()

const failures = suite('search failures')

failures('search - a backend that throws at once is a 500', withTimeout(T, async () => {
  await withServer(fakeBackend({ fail: { search: new Error('boom') } }), {}, async ({ url }) => {
    const a = await get(`${url}/api/search?q=x`)
    assert.is(a.status, 500)
    assert.is(errorCode(a), 'ERR_INTERNAL')
  })
}))

failures('search - a backend that fails before the first hit is a 503 when unavailable', withTimeout(T, async () => {
  const backend = fakeBackend({
    // eslint-disable-next-line require-yield -- a search that finds nothing (it waits, or fails)
    search: async function* () {
      throw coded('ERR_NO_CONSUMER')
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/api/search?q=x`)
    assert.is(a.status, 503)
    assert.is(errorCode(a), 'ERR_NO_CONSUMER')
  })
}))

failures('search - a failure after the first hit ends the stream with an error on the done line', withTimeout(T, async () => {
  const backend = fakeBackend({
    search: async function* () {
      yield { peer: peer(1), via: 'local' }
      throw coded('ERR_ASK_TIMEOUT')
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const res = await fetch(`${url}/api/search?q=x`)
    assert.is(res.status, 200)
    const lines: unknown[] = []
    for await (const line of ndjson(res)) lines.push(line)
    assert.is(lines.length, 2)
    const done = lines[1] as { done: boolean, hits: number, error: { code: string } }
    assert.is(done.done, true)
    assert.is(done.hits, 1)
    assert.is(done.error.code, 'ERR_ASK_TIMEOUT')
  })
}))

failures('search - the server keeps answering after many failed searches', withTimeout(T, async () => {
  const backend = fakeBackend({
    search: async function* () {
      yield { peer: peer(1), via: 'local' }
      throw new Error('boom')
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    await Promise.all(Array.from({ length: 30 }, async () => await get(`${url}/api/search?q=x`)))
    assert.is((await get(`${url}/api/status`)).status, 200)
  })
}))

failures.run()
