import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { NEVER, VirtualTimeScheduler } from 'rxjs'
import type { RemoteInfo } from 'node:dgram'
import { withTimeout } from '@peerconnect/test-helpers'
import { createSimNetwork, linkLatency, seededRandom } from '../src/sim/index.js'
import type { SimNetwork, SimSocket } from '../src/sim/index.js'
import * as runtime from '../src/index.js'

const tick = (): Promise<void> => new Promise(resolve => setImmediate(resolve))
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

interface Got {
  data: string
  from: RemoteInfo
}

async function bound (net: SimNetwork, address?: string,
  port?: number): Promise<{ sock: SimSocket, got: Got[], host: string, port: number }> {
  const sock = net.createSocket()
  const got: Got[] = []
  sock.on('message', (buf, rinfo) => got.push({ data: text(buf), from: rinfo }))
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(address === undefined ? {} : { address, port: port ?? 0 }, () => resolve())
  })
  const a = sock.address()
  return { sock, got, host: a.address, port: a.port }
}

function errorOf (fn: () => unknown): { code?: string } {
  try {
    fn()
  } catch (err) {
    return err as { code?: string }
  }
  assert.unreachable('expected a throw')
  return {}
}

// ── binding ──────────────────────────────────────────────────────────────────────────────────

const bind = suite('sim network - bind')

bind('sim network - 0.0.0.0 and no address take fresh 10.x.y.z hosts, port 0 a free port', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const a = await bound(net, '0.0.0.0', 0)
  const b = await bound(net)
  assert.is(a.host, '10.0.0.1')
  assert.is(b.host, '10.0.0.2')
  assert.is(a.port, runtime.SIM_EPHEMERAL_PORT)
  assert.equal(a.sock.address(), { address: '10.0.0.1', family: 'IPv4', port: runtime.SIM_EPHEMERAL_PORT })
  assert.is(net.stats().sockets, 2)
})

bind('sim network - a given host and port are kept; two sockets can share a host', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const a = await bound(net, '127.0.0.1', 7000)
  const b = await bound(net, '127.0.0.1', 0)
  assert.is(a.host, '127.0.0.1')
  assert.is(a.port, 7000)
  assert.is(b.host, '127.0.0.1')
  assert.is.not(b.port, 7000)
})

bind('sim network - a taken address gives EADDRINUSE to the error listener; a bad one EADDRNOTAVAIL', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  await bound(net, '10.9.9.9', 6881)
  for (const [address, code] of [['10.9.9.9', 'EADDRINUSE'], ['not-an-ip', 'EADDRNOTAVAIL']] as const) {
    const sock = net.createSocket()
    const err = await new Promise<{ code?: string }>(resolve => {
      sock.once('error', err => resolve(err as { code?: string }))
      sock.bind({ address, port: 6881 }, () => resolve({ code: 'bound?!' }))
    })
    assert.is(err.code, code)
  }
})

bind('sim network - binding twice throws; address() before bind throws', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const fresh = net.createSocket()
  assert.is(errorOf(() => fresh.address()).code, 'ERR_SOCKET_DGRAM_NOT_RUNNING')
  const { sock } = await bound(net)
  assert.is(errorOf(() => sock.bind()).code, 'ERR_SOCKET_ALREADY_BOUND')
})

bind('sim network - the bind callback runs later, never inside bind()', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  let called = false
  net.createSocket().bind({}, () => {
    called = true
  })
  assert.not.ok(called)
  await tick()
  assert.ok(called)
})

bind('sim network - udp6 sockets take fd00:: hosts', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const sock = net.createSocket('udp6')
  await new Promise<void>(resolve => sock.bind({ address: '::', port: 0 }, resolve))
  const a = sock.address()
  assert.ok(a.address.startsWith('fd00::'), a.address)
  assert.is(a.family, 'IPv6')
})

bind('sim network - allocateHost never hands out a host twice and skips .0 and .255', () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const hosts = Array.from({ length: 600 }, () => net.allocateHost())
  assert.is(new Set(hosts).size, 600)
  assert.ok(hosts.every(h => !h.endsWith('.0') && !h.endsWith('.255')))
  assert.is(hosts[254], '10.0.1.1')
})

bind.run()

// ── delivery ─────────────────────────────────────────────────────────────────────────────────

const delivery = suite('sim network - delivery')

delivery('sim network - a datagram arrives after its latency, with the sender address', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts, latency: () => 40 })
  const a = await bound(net)
  const b = await bound(net)
  a.sock.send(bytes('hello'), b.port, b.host)
  await tick()
  assert.is(b.got.length, 0, 'not before the latency')
  assert.is(net.stats().inFlight, 1)
  vts.flush()
  assert.is(b.got.length, 1)
  assert.is(b.got[0]!.data, 'hello')
  assert.equal(b.got[0]!.from, { address: a.host, family: 'IPv4', port: a.port, size: 5 })
  assert.is(vts.now(), 40, 'delivered at 40 ms of virtual time')
})

delivery('sim network - per-link latency: the function gets both hosts', async () => {
  const vts = new VirtualTimeScheduler()
  const calls: string[] = []
  const net = createSimNetwork({ scheduler: vts, latency: (from, to) => {
    calls.push(`${from}>${to}`)
    return to.endsWith('.3') ? 100 : 10
  } })
  const a = await bound(net)
  const b = await bound(net)
  const c = await bound(net)
  const arrivals: string[] = []
  b.sock.on('message', () => arrivals.push(`b@${vts.now()}`))
  c.sock.on('message', () => arrivals.push(`c@${vts.now()}`))
  a.sock.send(bytes('x'), c.port, c.host)
  a.sock.send(bytes('y'), b.port, b.host)
  await tick()
  vts.flush()
  assert.equal(arrivals, ['b@10', 'c@100'])
  assert.equal(calls, ['10.0.0.1>10.0.0.3', '10.0.0.1>10.0.0.2'])
})

delivery('sim network - the send callback runs later with null and the byte count', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const a = await bound(net)
  let result: unknown[] | undefined
  a.sock.send(bytes('abc'), 9, '10.0.0.99', (...args) => {
    result = args
  })
  assert.is(result, undefined)
  await tick()
  assert.equal(result, [null, 3])
})

delivery('sim network - the payload is copied at send time', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const a = await bound(net)
  const b = await bound(net)
  const buf = bytes('abc')
  a.sock.send(buf, b.port, b.host)
  await tick()
  buf[0] = 0x7a
  vts.flush()
  assert.is(b.got[0]!.data, 'abc')
})

delivery('sim network - nobody bound there: counted unreachable, nothing thrown', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const a = await bound(net)
  a.sock.send(bytes('x'), 4000, '10.1.2.3')
  await tick()
  vts.flush()
  assert.is(net.stats().unreachable, 1)
  assert.is(net.stats().delivered, 0)
})

delivery('sim network - a datagram larger than UDP allows fails with EMSGSIZE', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const a = await bound(net)
  const err = await new Promise<{ code?: string } | null>(resolve =>
    a.sock.send(new Uint8Array(runtime.SIM_MAX_DATAGRAM + 1), 7, '10.0.0.1', e => resolve(e as { code?: string } | null))
  )
  assert.is(err?.code, 'EMSGSIZE')
  assert.is(net.stats().dropped, 1)
})

delivery('sim network - IPv4-mapped destinations reach the IPv4 socket', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const a = await bound(net)
  const b = await bound(net)
  a.sock.send(bytes('m'), b.port, `::ffff:${b.host}`)
  await tick()
  vts.flush()
  assert.is(b.got.length, 1)
})

delivery('sim network - counters add up', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const a = await bound(net)
  const b = await bound(net)
  for (let i = 0; i < 5; i++) a.sock.send(bytes('12345678'), b.port, b.host)
  a.sock.send(bytes('1234'), 1, '10.200.0.1')
  await tick()
  vts.flush()
  assert.equal(net.stats(), { sockets: 2, datagrams: 6, bytes: 44, delivered: 5, dropped: 0, unreachable: 1, inFlight: 0 })
})

delivery('sim network - thousands of sockets in a ring all receive', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts, latency: linkLatency({ min: 1, max: 50 }) })
  const n = 3000
  const nodes: Array<Awaited<ReturnType<typeof bound>>> = []
  for (let i = 0; i < n; i++) nodes.push(await bound(net))
  nodes.forEach((x, i) => {
    const next = nodes[(i + 1) % n]!
    x.sock.send(bytes(String(i)), next.port, next.host)
  })
  await tick()
  vts.flush()
  assert.ok(nodes.every((x, i) => x.got.length === 1 && x.got[0]!.data === String((i + n - 1) % n)))
  assert.is(net.stats().delivered, n)
})

delivery.run()

// ── loss, down hosts, closing ────────────────────────────────────────────────────────────────

const faults = suite('sim network - loss, down hosts, close')

faults('sim network - loss drops about that fraction, the same ones for the same seed', async () => {
  const run = async (seed: number): Promise<string[]> => {
    const vts = new VirtualTimeScheduler()
    const net = createSimNetwork({ scheduler: vts, loss: 0.3, seed })
    const a = await bound(net)
    const b = await bound(net)
    for (let i = 0; i < 2000; i++) a.sock.send(bytes(String(i)), b.port, b.host)
    await tick()
    vts.flush()
    assert.is(net.stats().dropped + net.stats().delivered, 2000)
    return b.got.map(g => g.data)
  }
  const first = await run(5)
  const again = await run(5)
  const other = await run(6)
  assert.ok(first.length > 1200 && first.length < 1600, `delivered ${first.length} of 2000 at 30% loss`)
  assert.equal(first, again, 'same seed, same losses')
  assert.not.equal(first, other, 'another seed, other losses')
})

faults('sim network - loss must be in [0, 1)', () => {
  for (const loss of [-0.1, 1, Number.NaN]) {
    try {
      createSimNetwork({ loss })
      assert.unreachable(String(loss))
    } catch (err) {
      assert.instance(err, RangeError)
    }
  }
})

faults('sim network - a down host neither sends nor receives until it is up again', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const a = await bound(net)
  const b = await bound(net)
  net.setDown(b.host, true)
  a.sock.send(bytes('to b'), b.port, b.host)
  b.sock.send(bytes('from b'), a.port, a.host)
  await tick()
  vts.flush()
  assert.is(a.got.length + b.got.length, 0)
  assert.is(net.stats().dropped, 2)
  net.setDown(b.host, false)
  a.sock.send(bytes('again'), b.port, b.host)
  await tick()
  vts.flush()
  assert.equal(b.got.map(g => g.data), ['again'])
})

faults('sim network - a host going down drops what is already in flight to it', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts, latency: () => 20 })
  const a = await bound(net)
  const b = await bound(net)
  a.sock.send(bytes('x'), b.port, b.host)
  await tick()
  net.setDown(b.host, true)
  vts.flush()
  assert.is(b.got.length, 0)
  assert.is(net.stats().dropped, 1)
})

faults('sim network - a closed socket frees its address and gets nothing more; send then throws', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const a = await bound(net)
  const b = await bound(net)
  a.sock.send(bytes('late'), b.port, b.host)
  await tick()
  let closed = false
  b.sock.close(() => {
    closed = true
  })
  vts.flush()
  await tick()
  assert.ok(closed)
  assert.is(b.got.length, 0)
  assert.is(net.stats().sockets, 1)
  assert.is(errorOf(() => b.sock.send(bytes('x'), a.port, a.host)).code, 'ERR_SOCKET_DGRAM_NOT_RUNNING')
  const again = await bound(net, b.host, b.port)
  assert.is(again.port, b.port, 'the address can be bound again')
})

faults('sim network - a bad port throws ERR_SOCKET_BAD_PORT as dgram does', async () => {
  const net = createSimNetwork({ scheduler: new VirtualTimeScheduler() })
  const a = await bound(net)
  for (const port of [0, 65536, 1.5, Number.NaN]) {
    assert.is(errorOf(() => a.sock.send(bytes('x'), port, '10.0.0.1')).code, 'ERR_SOCKET_BAD_PORT', String(port))
  }
})

faults('sim network - close() drops everything in flight and closes every socket', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts, latency: () => 30 })
  const a = await bound(net)
  const b = await bound(net)
  a.sock.send(bytes('x'), b.port, b.host)
  b.sock.send(bytes('y'), a.port, a.host)
  await tick()
  net.close()
  vts.flush()
  assert.is(a.got.length + b.got.length, 0)
  assert.equal({ ...net.stats(), datagrams: 0, bytes: 0 }, { sockets: 0, datagrams: 0, bytes: 0, delivered: 0, dropped: 2, unreachable: 0,
    inFlight: 0 })
})

faults.run()

// ── listeners, real time ─────────────────────────────────────────────────────────────────────

const listeners = suite('sim network - listeners and real time')

listeners('sim network - once listeners fire once; off removes a listener', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const a = await bound(net)
  const b = await bound(net)
  let once = 0
  let removed = 0
  const gone = (): void => {
    removed++
  }
  b.sock.once('message', () => {
    once++
  })
  b.sock.on('message', gone)
  b.sock.off('message', gone)
  a.sock.send(bytes('1'), b.port, b.host)
  a.sock.send(bytes('2'), b.port, b.host)
  await tick()
  vts.flush()
  assert.is(once, 1)
  assert.is(removed, 0)
  assert.is(b.got.length, 2, 'the plain listener saw both')
})

listeners('sim network - a send before bind binds a fresh host first, as dgram does', async () => {
  const vts = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler: vts })
  const b = await bound(net)
  const a = net.createSocket()
  a.send(bytes('hi'), b.port, b.host)
  await tick()
  await tick()
  vts.flush()
  assert.is(b.got.length, 1)
  assert.is(b.got[0]!.from.address, a.address().address)
})

listeners('sim network - the default scheduler runs in real time', withTimeout(2000, async () => {
  const net = createSimNetwork({ latency: () => 5 })
  const a = await bound(net)
  const b = await bound(net)
  const arrived = new Promise<string>(resolve => b.sock.once('message', buf => resolve(text(buf))))
  a.sock.send(bytes('real'), b.port, b.host)
  assert.is(await arrived, 'real')
  net.close()
}))

listeners('sim network - exported from the runtime index', () => {
  assert.is(runtime.createSimNetwork, createSimNetwork)
  assert.is(runtime.linkLatency, linkLatency)
})

listeners.run()

// ── seeded helpers ───────────────────────────────────────────────────────────────────────────

const helpers = suite('sim network - seededRandom and linkLatency')

helpers('sim network - seededRandom is deterministic and in [0, 1)', () => {
  const a = seededRandom(42)
  const b = seededRandom(42)
  const xs = Array.from({ length: 1000 }, () => a())
  assert.equal(xs, Array.from({ length: 1000 }, () => b()))
  assert.ok(xs.every(x => x >= 0 && x < 1))
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  assert.ok(mean > 0.45 && mean < 0.55, String(mean))
})

helpers('sim network - linkLatency is symmetric, stable, within bounds and spread out', () => {
  const lat = linkLatency({ min: 5, max: 80, seed: 3 })
  const values = new Set<number>()
  for (let i = 1; i < 200; i++) {
    const a = `10.0.0.${i}`
    const b = `10.0.1.${i}`
    const x = lat(a, b)
    assert.is(lat(b, a), x, 'same both ways')
    assert.is(lat(a, b), x, 'same every time')
    assert.ok(x >= 5 && x <= 80 && Number.isInteger(x), String(x))
    values.add(x)
  }
  assert.ok(values.size > 40, `only ${values.size} distinct latencies`)
  const other = linkLatency({ min: 5, max: 80, seed: 4 })
  const differs = Array.from({ length: 50 }, (_, i) => lat('10.0.0.1', `10.0.2.${i}`) !== other('10.0.0.1', `10.0.2.${i}`))
  assert.ok(differs.some(Boolean), 'another seed gives other latencies')
})

helpers('sim network - linkLatency refuses a bad range', () => {
  for (const [min, max] of [[-1, 5], [10, 5]] as const) {
    try {
      linkLatency({ min, max })
      assert.unreachable()
    } catch (err) {
      assert.instance(err, RangeError)
    }
  }
})

helpers.run()

const deps = suite('sim network - handed to an actor as deps.network')

deps('sim network - start(spec, { host: inline, network }) gives that actor deps.network; others get none; a worker actor is refused',
  async () => {
    const net = createSimNetwork()
    const seen = new Map<string, unknown>()
    const spec = (name: string, worker?: string): runtime.ActorSpec => ({
      name,
      consumes: [],
      init: undefined,
      probe: false,
      ...(worker === undefined ? {} : { worker }),
      run: (_in$, d) => {
        seen.set(name, d.network)
        return NEVER
      }
    })
    const sup = runtime.createSupervisor({ log: runtime.silentLogger })
    try {
      await sup.start(spec('on-net'), { host: 'inline', network: net })
      await sup.start(spec('off-net'), { host: 'inline' })
      assert.is(seen.get('on-net'), net)
      assert.is(seen.get('off-net'), undefined)
      const err = await sup.start(spec('in-worker', 'file:///nowhere.js'), { host: 'worker', network: net }).then(() => undefined,
        (e: unknown) => e as { code?: string })
      assert.is(err?.code, 'ERR_NETWORK_NEEDS_INLINE')
    } finally {
      await sup.stop()
      net.close()
    }
  })

deps.run()
