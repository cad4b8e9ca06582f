import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { generateIdentity, idToHex, randomId } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import { createNode } from '../src/index.js'
import { hook } from './fixtures/hook.js'
import { errorCode, get, startUiNet, waitForDirectory, waitForNames } from './ui-net.js'
import { liveMirror } from '@peerconnect/test-helpers/live-mirror'
import type { UiNet } from './ui-net.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 60_000
const NAMES = ['ada', 'alan', 'grace', 'barbara', 'donald', 'edsger', 'frances', 'leslie']

let net: UiNet

// ── the API of a real node (worker actors) in a swarm of 8 ───────────────────────────────────

const api = suite('ui api - every route against a real node')

api.before(hook(T, async () => {
  net = await startUiNet({ names: NAMES })
}))
api.after(hook(T, async () => {
  await net?.stop()
}))

api('api - createNode reports the API URL on 127.0.0.1; GET / is the page', withTimeout(T, async () => {
  assert.match(net.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const page = await get(net.url + '/')
  assert.is(page.status, 200)
  assert.match(page.headers.get('content-type') ?? '', /text\/html/)
  assert.match(page.text, /<title>/)
}))

api('api - /api/status: this node, its UDP address, the routing table, the lists and every actor with its host',
  withTimeout(T, async () => {
    const s = await waitFor(async () => {
      const a = await get(net.url + '/api/status')
      const body = a.json as { peers: number, lists: { records: number } }
      return a.status === 200 && body.peers >= 4 && body.lists.records > 0 ? a.json : undefined
    }, { timeout: 20_000, what: 'a joined status' }) as Record<string, unknown>
    assert.is(s.id, net.full.idHex)
    assert.is(s.name, 'you')
    assert.is(s.udp, `${LOOPBACK}:${net.full.udp.port}`)
    assert.is(s.api, net.url)
    assert.ok(typeof s.uptime === 'number' && s.uptime > 0)
    const actors = s.actors as Array<{ name: string, host: string, threadId: number, restarts: number }>
    const byName = new Map(actors.map(a => [a.name, a]))
    for (const name of ['routing', 'crawler', 'liveness', 'lists', 'gossip', 'ui-bridge']) assert.is(byName.get(name)?.host, 'worker', name)
    assert.is(byName.get('transport')?.host, 'inline')
    assert.ok(actors.every(a => a.restarts === 0))
    const workers = actors.filter(a => a.host === 'worker')
    assert.is(new Set(workers.map(a => a.threadId)).size, workers.length, 'one thread per worker actor')
    assert.ok(workers.every(a => a.threadId !== byName.get('transport')?.threadId), 'none on the main thread')
    assert.ok(Array.isArray(s.buckets) && (s.buckets as number[]).reduce((x, y) => x + y, 0) === s.peers)
  }))

api('api - /api/peers: the directory lists every swarm node by name; pages follow their cursor without repeats',
  withTimeout(T, async () => {
    await waitForDirectory(net)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const a = await get(`${net.url}/api/peers?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
      assert.is(a.status, 200)
      const body = a.json as { peers: Array<{ id: string, name: string, address: string, status: string, lastSeen: number }>,
        next: string | null }
      assert.ok(body.peers.length <= 3)
      for (const p of body.peers) {
        assert.match(p.id, /^[0-9a-f]{40}$/)
        assert.ok(p.address.startsWith(`${LOOPBACK}:`) && /:\d+$/.test(p.address), p.address)
        assert.is(p.status, 'online')
        assert.ok(p.lastSeen > 0)
      }
      seen.push(...body.peers.map(p => p.id))
      cursor = body.next
      pages++
    } while (cursor !== null && pages < 40)
    assert.is(cursor, null, 'the last page says so')
    assert.is(new Set(seen).size, seen.length, 'no peer twice')
    for (const n of net.swarm.nodes) assert.ok(seen.includes(n.idHex), `${n.name} listed`)
  }))

api('api - /api/peers/:id: a swarm node by id (any case) with its name and address; an unknown id is a 404', withTimeout(T, async () => {
  const grace = net.swarm.nodes[2]!
  const a = await waitFor(async () => {
    const r = await get(`${net.url}/api/peers/${grace.idHex.toUpperCase()}`)
    return r.status === 200 && (r.json as { name: string }).name === 'grace' ? r : undefined
  }, { timeout: 20_000, what: 'grace by id' })
  assert.equal(a.json, { ...(a.json as object), id: grace.idHex, name: 'grace', address: `${LOOPBACK}:${grace.udp.port}`,
    status: 'online' })
  const missing = await get(`${net.url}/api/peers/${idToHex(randomId())}`)
  assert.is(missing.status, 404)
  assert.is(errorCode(missing), 'ERR_PEER_NOT_FOUND')
}))

api('api - /api/search: hits stream as NDJSON, each tagged with its source, then the done line', withTimeout(T, async () => {
  await waitForDirectory(net)
  const grace = net.swarm.nodes[2]!
  for (const via of ['hybrid', 'lists', 'gossip'] as const) {
    const res = await fetch(`${net.url}/api/search?q=grace&via=${via}&timeout=1500`)
    assert.is(res.status, 200, via)
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/)
    const lines = (await res.text()).trim().split('\n').map(l =>
      JSON.parse(l) as { peer?: { id: string, name: string }, via?: string, done?: boolean, hits?: number }
    )
    const done = lines.at(-1)!
    assert.is(done.done, true)
    const hits = lines.slice(0, -1)
    assert.equal(hits.map(l => [l.peer?.id, l.peer?.name]), [[grace.idHex, 'grace']], `${via}: grace found, and only grace`)
    assert.ok(via === 'hybrid' ? ['local', 'lists', 'gossip'].includes(hits[0]!.via!) : hits[0]!.via === via,
      `${via}: tagged ${hits[0]!.via}`)
    assert.is(done.hits, 1)
  }
}))

api('api - /api/events: the live list names the swarm\'s nodes; a stopped node turns offline after its check', withTimeout(T, async () => {
  const mirror = await liveMirror(net.url)
  try {
    await waitForNames(net, mirror)
    const victim = net.swarm.nodes[7]!
    assert.is(mirror.get(victim.idHex)?.status, 'online')
    await victim.stop()
    await waitFor(() => mirror.get(victim.idHex)?.status === 'offline', { timeout: 20_000, what: 'the stopped node offline' })
    const others = net.swarm.nodes.slice(0, 7).map(n => mirror.get(n.idHex)?.status)
    assert.ok(others.every(s => s === 'online'), `the others stay online: ${others.join(',')}`)
    assert.ok(mirror.events.some(e => e.type === 'peer.status' && e.peer.id === victim.idHex && e.peer.status === 'offline'))
  } finally {
    mirror.close()
  }
}))

api('api - /metrics: Prometheus text with per-actor messages, queues and restarts, transport RPCs and timeouts, lists',
  withTimeout(T, async () => {
    const a = await get(net.url + '/metrics')
    assert.is(a.status, 200)
    assert.match(a.headers.get('content-type') ?? '', /text\/plain/)
    for (const actor of ['transport', 'routing', 'crawler', 'liveness', 'lists', 'ui-bridge']) {
      assert.match(a.text, new RegExp(`peerconnect_actor_messages_in_total\\{key="${actor}"\\} [1-9]`), actor)
      assert.match(a.text, new RegExp(`peerconnect_actor_queue_depth\\{key="${actor}"\\} \\d`), actor)
      assert.match(a.text, new RegExp(`peerconnect_actor_restarts_total\\{key="${actor}"\\} 0`), actor)
    }
    assert.match(a.text, /peerconnect_transport_queries_sent_total [1-9]/)
    assert.match(a.text, /peerconnect_transport_timeouts_total \d/)
    assert.match(a.text, /peerconnect_transport_queries_sent_by_method_total\{key="find_node"\} [1-9]/, 'RPCs by method')
    assert.match(a.text, /peerconnect_transport_queries_in_by_method_total\{key="ping"\} \d/)
    assert.match(a.text, /peerconnect_crawler_lookups_total [1-9]/, 'lookups (the bootstrap ran some)')
    assert.match(a.text, /peerconnect_crawler_mean_queries_per_lookup \d/)
    assert.match(a.text, /peerconnect_gossip_received_total \d/, 'gossip traffic')
    assert.match(a.text, /peerconnect_lists_records \d/)
    assert.match(a.text, /peerconnect_lists_queries_sent_total\{key="pc_list"\} [1-9]/)
    assert.match(a.text, /peerconnect_ui_live_peers [1-9]/)
    assert.match(a.text, /peerconnect_http_requests_total\{route="\/api\/status",method="GET",status="200"\} [1-9]/)
  }))

api('api - bad input on every route is a 400 JSON error, never a crash', withTimeout(T, async () => {
  const cases: Array<[string, string, number]> = [
    ['/api/peers/abc', 'ERR_BAD_ID', 400],
    [`/api/peers/${'g'.repeat(40)}`, 'ERR_BAD_ID', 400],
    [`/api/peers/${'a'.repeat(41)}`, 'ERR_BAD_ID', 400],
    ['/api/peers?limit=0', 'ERR_BAD_LIMIT', 400],
    ['/api/peers?limit=201', 'ERR_BAD_LIMIT', 400],
    ['/api/peers?limit=ten', 'ERR_BAD_LIMIT', 400],
    ['/api/peers?cursor=%00%01garbage', 'ERR_BAD_CURSOR', 400],
    [`/api/peers?cursor=${'A'.repeat(600)}`, 'ERR_BAD_CURSOR', 400],
    ['/api/search', 'ERR_BAD_QUERY', 400],
    ['/api/search?q=', 'ERR_BAD_QUERY', 400],
    [`/api/search?q=${'x'.repeat(65)}`, 'ERR_BAD_QUERY', 400],
    [`/api/search?q=${'é'.repeat(33)}`, 'ERR_BAD_QUERY', 400],
    ['/api/search?q=a%00b', 'ERR_BAD_QUERY', 400],
    ['/api/search?q=ada&via=pigeon', 'ERR_BAD_VIA', 400],
    ['/api/search?q=ada&timeout=99', 'ERR_BAD_TIMEOUT', 400],
    ['/api/search?q=ada&timeout=30001', 'ERR_BAD_TIMEOUT', 400],
    ['/api/search?q=ada&timeout=1e3', 'ERR_BAD_TIMEOUT', 400],
    ['/api/nope', 'ERR_NOT_FOUND', 404]
  ]
  for (const [path, code, status] of cases) {
    const a = await get(net.url + path)
    assert.is(a.status, status, path)
    assert.is(errorCode(a), code, path)
  }
  const post = await fetch(net.url + '/api/status', { method: 'POST', body: 'x' })
  assert.is(post.status, 404)
  assert.is((await get(net.url + '/api/status')).status, 200, 'still answering')
  const stats = (await get(net.url + '/api/status')).json as { actors: Array<{ name: string, restarts: number }> }
  assert.is(stats.actors.find(a => a.name === 'ui-bridge')?.restarts, 0, 'the actor never crashed')
}))

api.run()

// ── a token, a taken port, a reachable host ──────────────────────────────────────────────────

const guard = suite('ui api - token and addresses')

guard('api - a node given a token needs it on /api, /metrics and the events socket; the page needs none', withTimeout(T, async () => {
  const node = await createNode({ name: 'locked', host: LOOPBACK, identity: generateIdentity(), log: silentLogger, inline: true,
    api: { port: 0, token: 'tok-123' } })
  try {
    const url = node.api!
    for (const path of ['/api/status', '/api/peers', '/metrics', `/api/peers/${'ab'.repeat(20)}`]) {
      const a = await get(url + path)
      assert.is(a.status, 401, path)
      assert.is(errorCode(a), 'ERR_UNAUTHORIZED')
    }
    assert.is((await get(url + '/api/status', { authorization: 'Bearer wrong' })).status, 401)
    assert.is((await get(url + '/api/status', { authorization: 'Bearer tok-123' })).status, 200)
    assert.is((await get(url + '/')).status, 200)
    let refused = false
    try {
      ;(await liveMirror(url)).close()
    } catch (err) {
      refused = (err as { status?: number }).status === 401
    }
    assert.ok(refused, 'the events socket without the token is refused with 401')
    const mirror = await liveMirror(url, { token: 'tok-123' })
    mirror.close()
  } finally {
    await node.stop()
  }
}))

guard('api - a taken API port makes createNode reject with ERR_ADDRESS_IN_USE, naming the address', withTimeout(T, async () => {
  const blocker = createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as AddressInfo).port
  try {
    const err = await rejects(createNode({ name: 'clash', identity: generateIdentity(), log: silentLogger, inline: true, api: { port } }),
      'ERR_ADDRESS_IN_USE')
    assert.match(String(err.message), `127.0.0.1:${port}`)
  } finally {
    blocker.close()
  }
}))

guard('api - a non-loopback API without a token makes createNode reject with ERR_TOKEN_REQUIRED', withTimeout(T, async () => {
  await rejects(
    createNode({ name: 'open', identity: generateIdentity(), log: silentLogger, inline: true, api: { host: '0.0.0.0', port: 0 } }),
    'ERR_TOKEN_REQUIRED'
  )
}))

guard('api - without the api option a node has no API (node.api is null)', withTimeout(T, async () => {
  const node = await createNode({ name: 'quiet', host: LOOPBACK, identity: generateIdentity(), log: silentLogger, inline: true })
  try {
    assert.is(node.api, null)
    assert.not.ok(node.supervisor.stats().some(s => s.name === 'ui-bridge'))
  } finally {
    await node.stop()
  }
}))

guard.run()
