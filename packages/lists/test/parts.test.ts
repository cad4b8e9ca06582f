import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { firstValueFrom, from, lastValueFrom, mergeMap, of, delay, toArray, Subject } from 'rxjs'
import { closestListId, generateIdentity, LIST_COUNT, randomId, recordToWire, seededRandom } from '@peerconnect/protocol'
import { createComputePool } from '@peerconnect/runtime'
import { withTimeout } from '@peerconnect/test-helpers'
import { inOrder } from '../src/directory/in-order.js'
import { POLICY_CODES, refuse, remoteCode } from '../src/rejection.js'
import { createCounts } from '../src/counters.js'
import { createTokenCache } from '../src/holding/token-cache.js'
import { settingsOf } from '../src/init.js'
import { verifyMany, TASKS_MODULE } from '../src/verify.js'
import { verifyRecords } from '../src/tasks.js'
import { createBuckets } from '../src/holding/buckets.js'
import { prefixOf } from '../src/holding/prefix.js'
import { lists, LISTS_CONSUMES } from '../src/index.js'
import { createFakeNet, fakePool } from './fake-net.js'
import { codeOf, recordOf, signedBy } from './fixtures.js'

const me = generateIdentity()
const GOOD = Array.from({ length: 8 }, () => recordToWire(recordOf(generateIdentity())))
const { sig: _sig, ...unsigned } = recordOf(generateIdentity())
const FORGED = recordToWire(signedBy(generateIdentity(), unsigned))

// ── in-order ─────────────────────────────────────────────────────────────────────────────────

const order = suite('parts - inOrder')

order('parts - values arriving out of order come out in index order, each as soon as it can', () => {
  const src = new Subject<readonly [number, string]>()
  const out: string[] = []
  src.pipe(inOrder<string>()).subscribe(v => out.push(v))
  src.next([2, 'c'])
  assert.equal(out, [])
  src.next([0, 'a'])
  assert.equal(out, ['a'])
  src.next([1, 'b'])
  assert.equal(out, ['a', 'b', 'c'])
  src.next([3, 'd'])
  assert.equal(out, ['a', 'b', 'c', 'd'])
})

order('parts - with a concurrent mergeMap, the order of the source is kept', async () => {
  const delays = [30, 5, 20, 1, 10]
  const out = await lastValueFrom(from(delays).pipe(
    mergeMap((d, i) => of([i, d] as const).pipe(delay(d)), 3),
    inOrder<number>(),
    toArray()
  ))
  assert.equal(out, delays)
})

order('parts - errors and completion pass through', async () => {
  const src = new Subject<readonly [number, number]>()
  const done = lastValueFrom(src.pipe(inOrder<number>(), toArray()))
  src.next([0, 1])
  src.complete()
  assert.equal(await done, [1])
  const failing = new Subject<readonly [number, number]>()
  const failed = firstValueFrom(failing.pipe(inOrder<number>())).catch((e: unknown) => e)
  failing.error(new Error('boom'))
  assert.is(((await failed) as Error).message, 'boom')
})

order.run()

// ── rejections ───────────────────────────────────────────────────────────────────────────────

const rejection = suite('parts - rejections on the wire')

rejection('parts - refusals map to KRPC 203 or 201 with our code first in the text, and are counted', () => {
  const counts = createCounts()
  const bad = refuse({ type: 'rpc.pc_announce', cid: 4 }, { name: 'BadTokenError', code: 'ERR_BAD_TOKEN', message: 'bad or foreign token' },
    counts)
  assert.equal(bad, { type: 'error', re: 4, end: true,
    error: { name: 'BadTokenError', code: 'ERR_KRPC_PROTOCOL', message: 'ERR_BAD_TOKEN bad or foreign token' } })
  const stale = refuse({ type: 'rpc.pc_announce', cid: 5 }, { name: 'StaleSequenceError', code: 'ERR_STALE_SEQUENCE', message: 'old' },
    counts)
  assert.is(stale.error.code, 'ERR_KRPC_GENERIC')
  refuse({ type: 'x', cid: 6 }, { name: 'BadTokenError', code: 'ERR_BAD_TOKEN', message: '' }, counts)
  assert.equal(counts.snapshot(), { ERR_BAD_TOKEN: 2, ERR_STALE_SEQUENCE: 1 })
  for (const code of ['ERR_STALE_SEQUENCE', 'ERR_LIST_FULL', 'ERR_IP_CAP', 'ERR_RECORD_EXPIRED']) assert.ok(POLICY_CODES.has(code))
})

rejection('parts - remoteCode reads our code back out of a remote KRPC error', () => {
  assert.is(remoteCode({ code: 'ERR_RPC_REMOTE', message: '203 ERR_BAD_TOKEN bad or foreign token' }), 'ERR_BAD_TOKEN')
  assert.is(remoteCode({ message: 'ERR_STALE_SEQUENCE old' }), 'ERR_STALE_SEQUENCE')
  for (const x of [{ message: '203 token missing' }, { message: 5 }, null, 'ERR_X', {}]) assert.is(remoteCode(x), undefined)
})

rejection.run()

// ── token cache ──────────────────────────────────────────────────────────────────────────────

const cache = suite('parts - token cache')

cache('parts - a token is reused while younger than maxAge, by address', () => {
  const c = createTokenCache({ maxAge: 1000, max: 10 })
  const a = { host: '10.0.0.1', port: 1 }
  c.set(a, new Uint8Array([1]), 0)
  assert.equal(c.get(a, 999), new Uint8Array([1]))
  assert.is(c.get(a, 1000), undefined)
  assert.is(c.get({ host: '10.0.0.1', port: 2 }, 0), undefined)
  c.delete(a)
  assert.is(c.get(a, 0), undefined)
})

cache('parts - at most max tokens: the oldest set goes first', () => {
  const c = createTokenCache({ maxAge: 1000, max: 2 })
  for (let port = 1; port <= 3; port++) c.set({ host: '10.0.0.1', port }, new Uint8Array([port]), 0)
  assert.is(c.size, 2)
  assert.is(c.get({ host: '10.0.0.1', port: 1 }, 0), undefined)
  c.set({ host: '10.0.0.1', port: 2 }, new Uint8Array([9]), 1)
  c.set({ host: '10.0.0.1', port: 4 }, new Uint8Array([4]), 1)
  assert.equal(c.get({ host: '10.0.0.1', port: 2 }, 1), new Uint8Array([9]), 'a refreshed one is the newest')
  assert.is(c.get({ host: '10.0.0.1', port: 3 }, 1), undefined)
})

cache.run()

// ── settings ─────────────────────────────────────────────────────────────────────────────────

const settings = suite('parts - settings')

settings('parts - defaults: 10 s interval, TTL 3 intervals, R = 8, caps, cache shorter than an interval', () => {
  const s = settingsOf({ identity: me, name: 'x' })
  assert.equal(
    [s.announceInterval, s.recordTtl, s.r, s.maxPerList, s.maxPerIp, s.announce, s.cacheTtl, s.readHolders, s.lookupEvery, s.tokenRotate,
      s.poolThreshold],
    [10_000, 30_000, 8, 1024, 16, true, 5000, 3, 6, 300_000, 4]
  )
  const fast = settingsOf({ identity: me, name: 'x', announceInterval: 1000 })
  assert.equal([fast.recordTtl, fast.cacheTtl], [3000, 500])
  const custom = settingsOf({ identity: me, name: 'x', announceInterval: 1000, recordTtl: 9000, r: 4, cacheTtl: 0, poolThreshold: 0,
    maxPerIp: 1e6 })
  assert.equal([custom.recordTtl, custom.r, custom.cacheTtl, custom.poolThreshold, custom.maxPerIp], [9000, 4, 0, 0, 1e6])
})

settings('parts - by default a list holds every peer of its share of a 10,000-node swarm (the lists\' shares are uneven)', () => {
  const random = seededRandom(15)
  const counts = new Array<number>(LIST_COUNT).fill(0)
  for (let i = 0; i < 10_000; i++) counts[closestListId(randomId(random)).index]!++
  const largest = Math.max(...counts)
  assert.ok(largest > 10_000 / LIST_COUNT * 1.15, `the largest list has ${largest} peers`)
  assert.ok(settingsOf({ identity: me, name: 'x' }).maxPerList >= largest, `${largest} peers fit`)
})

settings('parts - nonsense numbers fall back to the defaults', () => {
  const s = settingsOf({ identity: me, name: 'x', announceInterval: -1, r: 0, maxPerList: Number.NaN, readHolders: Infinity })
  assert.equal([s.announceInterval, s.r, s.maxPerList, s.readHolders], [10_000, 8, 1024, 3])
})

settings('parts - an identity whose id is not SHA-1 of its key is refused at once (ERR_INVALID_INIT)', () => {
  const other = generateIdentity()
  for (const identity of [{ ...me, id: other.id }, { ...me, id: new Uint8Array(3) }, { ...me, publicKey: 'x' as unknown as Uint8Array }]) {
    try {
      lists({ identity, name: 'x' })
      assert.unreachable('should throw')
    } catch (err) {
      assert.is((err as { code?: unknown }).code, 'ERR_INVALID_INIT')
    }
  }
})

settings('parts - the factory names the actor, its worker and what it consumes', () => {
  const spec = lists({ identity: me, name: 'x' })
  assert.is(spec.name, 'lists')
  assert.is(lists.actorName, 'lists')
  assert.equal([...spec.consumes], [...LISTS_CONSUMES])
  const all = ['rpc.pc_record', 'rpc.pc_list', 'rpc.pc_announce', 'rpc.pc_handoff', 'rpc.pc_search', 'lists.page', 'lists.invalidate',
    'lists.stats', 'lists.self', 'search.query', 'search.invalidate', 'routing.peer.added', 'actor.configure', 'actor.cancel']
  assert.equal([...spec.consumes].sort(), all.sort(), 'its handler table, and actor.cancel')
  assert.match(String(spec.worker), /worker\.js$/)
})

settings('parts - every type it consumes has a handler: an ask of each (bad or not) is answered', async () => {
  const net = createFakeNet()
  const node = net.add()
  try {
    for (const type of LISTS_CONSUMES.filter(t => t !== 'actor.cancel' && t !== 'routing.peer.added')) {
      const answer = await node.request({ type }).then(m => m.type, (err: unknown) => `error ${String(codeOf(err))}`)
      assert.not.match(answer, /^error undefined/, `${type} is answered, not left to time out: ${answer}`)
    }
    const unknown = await node.request({ type: 'lists.nothing' }).then(m => m.type, (err: unknown) => codeOf(err))
    assert.is(unknown, 'ERR_UNKNOWN_TYPE', 'a type it has no handler for is refused')
  } finally {
    net.stopAll()
  }
})

settings.run()

// ── verification ─────────────────────────────────────────────────────────────────────────────

const verify = suite('parts - verifying many records')

verify('parts - the task checks each record and says why a bad one fails, in order', () => {
  const res = verifyRecords([GOOD[0], FORGED, { nope: 1 }, GOOD[1]])
  assert.equal(res.map(r => r.ok ? 'ok' : r.error.code), ['ok', 'ERR_BAD_SIGNATURE', 'ERR_RECORD_MALFORMED', 'ok'])
  assert.equal(verifyRecords('not a list'), [])
})

verify('parts - a handful is checked in place, more on the pool', async () => {
  const pool = fakePool()
  const few = await firstValueFrom(verifyMany(GOOD.slice(0, 4), pool, { threshold: 4 }))
  assert.equal([few.length, pool.runs], [4, 0])
  const many = await firstValueFrom(verifyMany([...GOOD, FORGED], pool, { threshold: 4 }))
  assert.is(pool.runs, 1)
  assert.equal(many.map(v => v.ok), [true, true, true, true, true, true, true, true, false])
  assert.equal(await firstValueFrom(verifyMany([], pool, { threshold: 0 })), [])
})

verify('parts - when the pool fails the records are checked in place', async () => {
  const pool = fakePool()
  pool.failing = true
  const res = await firstValueFrom(verifyMany([...GOOD, FORGED], pool, { threshold: 1 }))
  assert.equal(res.filter(v => v.ok).length, 8)
  assert.is(pool.runs, 1)
})

verify('parts - with the runtime\'s real compute pool the task runs in a thread from the TypeScript source',
  withTimeout(30_000, async () => {
    const pool = createComputePool({ threads: 1 })
    try {
      assert.match(TASKS_MODULE, /\/tasks\.js$/)
      const res = await firstValueFrom(verifyMany([...GOOD, FORGED], pool, { threshold: 2 }))
      assert.equal(res.map(v => v.ok), [true, true, true, true, true, true, true, true, false])
      const direct = await pool.run<Array<{ ok: boolean }>>({ module: TASKS_MODULE, name: 'verifyRecords' }, [FORGED])
      assert.equal(direct.map(r => r.ok), [false], 'the result came from the pool, not a fallback')
    } finally {
      await pool.close()
    }
  }))

verify.run()

// ── networks and budgets ─────────────────────────────────────────────────────────────────────

const networks = suite('parts - networks (/24, /64) and verification budgets')

networks('prefixOf - a /24 for IPv4 (mapped too), a /64 for IPv6, nothing for loopback', () => {
  assert.is(prefixOf('198.51.100.9'), '198.51.100.0/24')
  assert.is(prefixOf('198.51.100.200'), prefixOf('198.51.100.1'))
  assert.is.not(prefixOf('198.51.101.1'), prefixOf('198.51.100.1'))
  assert.is(prefixOf('::ffff:198.51.100.7'), '198.51.100.0/24')
  for (const lan of ['10.0.0.9', '172.16.3.4', '192.168.1.1', '100.64.0.1', '::ffff:10.0.0.7', 'fd00::1']) {
    assert.is(prefixOf(lan), undefined, `${lan} exempt in mode default`)
  }
  assert.is(prefixOf('10.0.0.9', 'strict'), '10.0.0.0/24')
  assert.is(prefixOf('198.51.100.9', 'off'), undefined)
  assert.is(prefixOf('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64')
  assert.is(prefixOf('2001:DB8:1:2::9'), '2001:db8:1:2::/64')
  assert.is.not(prefixOf('2001:db8:1:3::1'), prefixOf('2001:db8:1:2::1'))
  for (const lo of ['127.0.0.1', '127.9.8.7', '::1', '0:0:0:0:0:0:0:1']) assert.is(prefixOf(lo), undefined, lo)
})

networks('prefixOf - one network as routing counts it (subnetOf): IPv4 and IPv4-mapped IPv6 alike, in any spelling', () => {
  for (const mode of ['default', 'strict'] as const) {
    for (const host of ['198.51.100.7', '::ffff:198.51.100.7', '::FFFF:198.51.100.9', '::ffff:c633:6407', '0:0:0:0:0:ffff:c633:64ff']) {
      assert.is(prefixOf(host, mode), '198.51.100.0/24', `${host} ${mode}`)
    }
    assert.is(prefixOf('::ffff:c633:6507', mode), '198.51.101.0/24')
  }
  for (const host of ['::ffff:10.0.0.7', '::ffff:a00:7', '::ffff:192.168.1.1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
    assert.is(prefixOf(host), undefined, `${host} exempt in mode default`)
  }
  assert.is(prefixOf('::ffff:a00:7', 'strict'), '10.0.0.0/24')
})

networks('prefixOf - IPv6: the /64 in canonical form, however written; the zone id of a scoped address is not part of it', () => {
  for (const mode of ['default', 'strict'] as const) {
    for (const host of ['2001:db8:1:2::1', '2001:0DB8:0001:0002:ffff::9', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:1.2.3.4']) {
      assert.is(prefixOf(host, mode), '2001:db8:1:2::/64', `${host} ${mode}`)
    }
    assert.is(prefixOf('2001:db8:0:0:1::', mode), '2001:db8:0:0::/64')
    assert.is(prefixOf('2001:db8::1%eth0', mode), '2001:db8:0:0::/64', 'a zone id names an interface, not a network')
  }
})

networks('prefixOf - link-local and private: exempt in mode default (a zone id too), their own /24 or /64 in strict', () => {
  for (const host of ['fe80::1', 'fe80::1%eth0', 'FE80::abcd:1%2', '169.254.3.4', 'fd12:3456::1', 'fc00::9', '10.1.2.3', '172.31.0.1',
    '192.168.7.7', '100.127.0.1']) {
    assert.is(prefixOf(host), undefined, `${host} exempt in mode default`)
    assert.type(prefixOf(host, 'strict'), 'string', `${host} counted in strict`)
  }
  assert.is(prefixOf('fe80::1%eth0', 'strict'), 'fe80:0:0:0::/64')
  assert.is(prefixOf('fe80::2', 'strict'), prefixOf('fe80::1%eth1', 'strict'))
  assert.is(prefixOf('fd12:3456:0:7::1', 'strict'), 'fd12:3456:0:7::/64')
  assert.is(prefixOf('169.254.3.4', 'strict'), '169.254.3.0/24')
  assert.is(prefixOf('172.32.0.1'), '172.32.0.0/24', 'just outside 172.16/12: public')
  for (const lo of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) assert.is(prefixOf(lo, 'strict'), undefined, `${lo}: loopback always exempt`)
})

networks('prefixOf - a host that is no IP address is on no network (as routing says; the transport and records only carry IPs)', () => {
  for (const mode of ['default', 'strict'] as const) {
    for (const host of ['', 'example.com', 'node-1', 'not an ip', '1.2.3', '1.2.3.4.5', '01.2.3.4', '2001:db8::1::2', '::ffff:1.2.3.999',
      '%eth0']) {
      assert.is(prefixOf(host, mode), undefined, `${JSON.stringify(host)} ${mode}`)
    }
  }
})

networks('createBuckets - a burst at once, then the rate; each key its own; bounded', () => {
  const b = createBuckets({ rate: 10, burst: 20, max: 2 })
  assert.ok(b.take('a', 20, 0))
  assert.not.ok(b.take('a', 1, 0), 'spent')
  assert.ok(b.take('b', 5, 0), 'another key')
  assert.not.ok(b.take('a', 2, 100), 'one refilled in 100 ms')
  assert.ok(b.take('a', 1, 100))
  assert.ok(b.take('a', 10, 1100))
  b.take('c', 1, 1100)
  assert.is(b.size, 2, 'the least recently used key went')
})

networks.run()
