import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { register as globalRegistry } from 'prom-client'
import { withTimeout } from '@peerconnect/test-helpers'
import { metricName } from '../src/metrics.js'
import { fakeBackend, peer } from './fake-backend.js'
import { connectWs, get, withServer, wsUrl } from './http.js'

const T = 15_000

/** Parses Prometheus text into `name{labels}` → value, checking every line's shape. */
function parse (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/, line)
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+-]+|[nN]a[nN]|[+-]Inf)$/.exec(line)
    assert.ok(m, `bad sample line: ${line}`)
    out.set(m[1]!, Number(m[2]))
  }
  return out
}

function typeOf (text: string, name: string): string | undefined {
  return new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1]
}

const format = suite('metrics format')

format('metrics - Prometheus text with the content type and valid lines', withTimeout(T, async () => {
  await withServer(fakeBackend(), { processMetrics: true }, async ({ url }) => {
    const a = await get(`${url}/metrics`)
    assert.is(a.status, 200)
    assert.is(a.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
    const samples = parse(a.text)
    assert.ok(samples.size > 10)
    assert.ok(samples.has('peerconnect_process_cpu_user_seconds_total'), 'process metrics are exposed')
    assert.ok([...samples.keys()].every(k => k.startsWith('peerconnect_')), 'everything is prefixed')
  })
}))

format('metrics - the backend numbers: gauges, counters, and records by key', withTimeout(T, async () => {
  const backend = fakeBackend({
    live: [peer(1), peer(2), peer(3)],
    metrics: async () => ({ peers: 3, 'lists.records': 17, messages_in_total: { routing: 5, crawler: 2 } })
  })
  await withServer(backend, {}, async ({ url }) => {
    const text = (await get(`${url}/metrics`)).text
    const samples = parse(text)
    assert.is(samples.get('peerconnect_peers'), 3)
    assert.is(samples.get('peerconnect_lists_records'), 17)
    assert.is(samples.get('peerconnect_messages_in_total{key="routing"}'), 5)
    assert.is(samples.get('peerconnect_messages_in_total{key="crawler"}'), 2)
    assert.is(typeOf(text, 'peerconnect_peers'), 'gauge')
    assert.is(typeOf(text, 'peerconnect_messages_in_total'), 'counter')
    assert.is(samples.get('peerconnect_backend_metrics_up'), 1)
  })
}))

format('metrics - every scrape shows the backend numbers of that moment', withTimeout(T, async () => {
  let n = 0
  const backend = fakeBackend({ metrics: async () => ({ scrapes_total: ++n, gone: n === 1 ? 1 : { a: 2 } }) })
  await withServer(backend, {}, async ({ url }) => {
    parse((await get(`${url}/metrics`)).text)
    const second = parse((await get(`${url}/metrics`)).text)
    assert.is(second.get('peerconnect_scrapes_total'), 2)
    assert.not.ok(second.has('peerconnect_gone'), 'a value no longer reported without labels is dropped')
    assert.is(second.get('peerconnect_gone{key="a"}'), 2)
  })
}))

format('metrics - bad backend values are skipped, clashing names too', withTimeout(T, async () => {
  const backend = fakeBackend({
    metrics: async () => ({ ok: 1, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, neg_total: -5, str: 'x' as unknown as number,
      http_requests_total: 99, nested: { a: 1, b: 'x' as unknown as number } })
  })
  await withServer(backend, {}, async ({ url }) => {
    const a = await get(`${url}/metrics`)
    assert.is(a.status, 200)
    const samples = parse(a.text)
    assert.is(samples.get('peerconnect_ok'), 1)
    assert.not.ok(samples.has('peerconnect_neg_total'))
    assert.not.ok(samples.has('peerconnect_str'))
    assert.is(samples.get('peerconnect_nested{key="a"}'), 1)
    assert.not.ok(samples.has('peerconnect_nested{key="b"}'))
    for (const [k, v] of samples) if (k.startsWith('peerconnect_http_requests_total')) assert.is.not(v, 99)
  })
}))

format('metrics - a failing backend still gives the server metrics, with up = 0', withTimeout(T, async () => {
  await withServer(fakeBackend({ fail: { metrics: new Error('down') } }), {}, async ({ url }) => {
    const a = await get(`${url}/metrics`)
    assert.is(a.status, 200)
    const samples = parse(a.text)
    assert.is(samples.get('peerconnect_backend_metrics_up'), 0)
    assert.ok(samples.has('peerconnect_ws_clients'))
  })
}))

format('metrics - names are sanitized', () => {
  assert.is(metricName('messages.in'), 'peerconnect_messages_in')
  assert.is(metricName('queue-depth'), 'peerconnect_queue_depth')
  assert.is(metricName('9lives'), 'peerconnect__9lives')
  assert.is(metricName('ok_name_total'), 'peerconnect_ok_name_total')
  assert.is(metricName('ünïcode'), 'peerconnect__n_code')
})

format.run()

const server = suite('metrics server')

server('metrics - requests are counted by route pattern, not raw URL', withTimeout(T, async () => {
  const p = peer(1)
  await withServer(fakeBackend({ live: [p] }), {}, async ({ url }) => {
    await get(`${url}/api/status`)
    await get(`${url}/api/status`)
    await get(`${url}/api/peers/${p.id}`)
    await get(`${url}/api/peers/${'2'.repeat(40)}`)
    await get(`${url}/nope/${Math.random()}`)
    const text = (await get(`${url}/metrics`)).text
    const samples = parse(text)
    assert.is(samples.get('peerconnect_http_requests_total{route="/api/status",method="GET",status="200"}'), 2)
    assert.is(samples.get('peerconnect_http_requests_total{route="/api/peers/:id",method="GET",status="200"}'), 1)
    assert.is(samples.get('peerconnect_http_requests_total{route="/api/peers/:id",method="GET",status="404"}'), 1)
    assert.is(samples.get('peerconnect_http_requests_total{route="unmatched",method="GET",status="404"}'), 1)
    assert.not.match(text, p.id)
  })
}))

server('metrics - open WebSockets and search hits are counted', withTimeout(T, async () => {
  const backend = fakeBackend({
    search: async function* () {
      yield { peer: peer(1), via: 'local' }
      yield { peer: peer(2), via: 'gossip' }
      yield { peer: peer(3), via: 'gossip' }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const ws = await connectWs(wsUrl(url))
    await get(`${url}/api/search?q=x`)
    const samples = parse((await get(`${url}/metrics`)).text)
    assert.is(samples.get('peerconnect_ws_clients'), 1)
    assert.is(samples.get('peerconnect_search_hits_total{via="local"}'), 1)
    assert.is(samples.get('peerconnect_search_hits_total{via="gossip"}'), 2)
    assert.is(samples.get('peerconnect_search_streams'), 0)
    ws.close()
  })
}))

server('metrics - two servers keep separate registries and leave the global one alone', withTimeout(T, async () => {
  await withServer(fakeBackend({ metrics: async () => ({ mine: 1 }) }), {}, async (a) => {
    await withServer(fakeBackend({ metrics: async () => ({ mine: 2 }) }), {}, async (b) => {
      assert.is(parse((await get(`${a.url}/metrics`)).text).get('peerconnect_mine'), 1)
      assert.is(parse((await get(`${b.url}/metrics`)).text).get('peerconnect_mine'), 2)
    })
  })
  assert.not.match(await globalRegistry.metrics(), 'peerconnect_')
}))

server.run()
