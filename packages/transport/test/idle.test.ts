/**
 * The transport's books forget contacts not heard from for a while (idle.ts, CONTACT_IDLE): a
 * contact silent past the idle time is forgotten, one in use is kept, and the rate limiter and the
 * credit book work as before for both. Clocks are plain numbers moved by the test; the socket-level
 * case runs on runtime's simulated network and rxjs's virtual time.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { VirtualTimeScheduler } from 'rxjs'
import { randomId } from '@peerconnect/protocol'
import { createSimNetwork, seededRandom } from '@peerconnect/runtime'
import { CONTACT_IDLE, RATE_LIMIT_INITIAL } from '../src/constants.js'
import { createCreditBook } from '../src/credit.js'
import { createIdleClock, forgetIdle } from '../src/idle.js'
import type { IdleBookOptions } from '../src/idle.js'
import { createRateLimiter, VERDICT } from '../src/rate-limit.js'
import { createRttTable } from '../src/rtt.js'
import { createSeenThrottle } from '../src/seen-throttle.js'
import { createSpeaks } from '../src/speaks.js'
import { createKrpcSocket } from '../src/socket.js'
import type { KrpcSocket } from '../src/socket.js'

const IDLE = 60_000
const PC_V = new Uint8Array([0x50, 0x43, 0, 1])
const BEP5_V = new Uint8Array([0x4c, 0x54, 1, 2])

/** A clock the test moves. */
function manual (start = 1_000_000) {
  const c = { t: start, now: () => c.t }
  return c
}

const books = suite('idle - the books forget idle contacts')

books('idle - forgetIdle drops the idle head of a map and stops at the first fresh entry', () => {
  const m = new Map([['a', 1], ['b', 2], ['c', 5], ['d', 3]])
  forgetIdle(m, v => v, 2)
  assert.equal([...m.keys()], ['c', 'd']) // d (3) stays: it is behind a fresh entry (the maps are kept in touch order)
  const clock = manual(0)
  const idle = createIdleClock(clock.now, 10_000)
  assert.is(idle.due(), undefined) // not within the first second
  clock.t = 4_500
  assert.is(idle.second(), 4)
  assert.is(idle.due(), 4 - 10)
  assert.is(idle.due(), undefined) // once per second
  assert.is(createIdleClock(clock.now, Infinity).due(), undefined)
})

books('idle - speaks: a contact silent past the idle time is unknown again; one heard within it is kept', () => {
  const clock = manual()
  const s = createSpeaks({ idle: IDLE, now: clock.now })
  const silent = randomId()
  const active = randomId()
  s.heard('10.0.0.1:1', silent, BEP5_V, 'ping')
  s.heard('10.0.0.2:1', active, PC_V, 'pc_list')
  for (let i = 0; i < 8; i++) { // the active one is heard every 10 s for 80 s
    clock.t += 10_000
    s.heard('10.0.0.2:1', active, PC_V)
  }
  assert.is(s.pc('10.0.0.1:1'), undefined)
  assert.ok(!s.refuses('10.0.0.1:1', 'pc_list')) // unknown again: as before it first spoke
  assert.is(s.pc('10.0.0.2:1'), true)
  assert.ok(s.counts('10.0.0.2:1', 'pc_list')) // what it answered is still known
  assert.is(s.size, 1)
})

books('idle - one IdleBookOptions configures every book: each forgets its contact after that idle time on that clock', () => {
  const clock = manual()
  const shared: IdleBookOptions = { idle: IDLE, now: clock.now }
  const speaks = createSpeaks(shared)
  const credit = createCreditBook(shared)
  const rtt = createRttTable(shared, clock.now)
  const seen = createSeenThrottle(shared)
  const limiter = createRateLimiter(shared)
  const key = '198.51.100.1:1'
  speaks.heard(key, randomId(), PC_V)
  credit.prove(key)
  rtt.observe(key, 80)
  seen.pass(key, randomId(), clock.t)
  limiter.check('198.51.100.1', clock.t)
  assert.equal([speaks.size, credit.size, rtt.size, seen.size, limiter.size], [1, 1, 1, 1, 1])
  clock.t += IDLE + 2_000
  speaks.heard('198.51.100.2:1', randomId(), PC_V)
  credit.prove('198.51.100.2:1')
  rtt.observe('198.51.100.2:1', 80)
  seen.pass('198.51.100.2:1', randomId(), clock.t)
  limiter.check('198.51.100.2', clock.t)
  assert.equal([speaks.size, credit.size, rtt.size, seen.size, limiter.size], [1, 1, 1, 1, 1], 'the first contact forgotten by each')
  assert.not.ok(credit.isProven(key))
})

books('idle - speaks: within the idle time nothing is forgotten, and Infinity never forgets', () => {
  const clock = manual()
  const s = createSpeaks({ idle: IDLE, now: clock.now })
  const never = createSpeaks({ idle: Infinity, now: clock.now })
  s.heard('10.0.0.1:1', randomId(), BEP5_V)
  never.heard('10.0.0.1:1', randomId(), BEP5_V)
  clock.t += IDLE - 2_000
  s.heard('10.0.0.2:1', randomId(), PC_V)
  assert.is(s.pc('10.0.0.1:1'), false)
  clock.t += 100 * IDLE
  never.heard('10.0.0.2:1', randomId(), PC_V)
  assert.is(never.pc('10.0.0.1:1'), false)
  assert.is(createSpeaks().size, 0) // the default clock and idle time
})

books('idle - seen throttle: a contact unreported past the idle time is forgotten; throttling goes on for the others', () => {
  const t = createSeenThrottle({ interval: 1000, idle: IDLE, copy: false })
  const a = randomId()
  const b = randomId()
  let now = 1_000_000
  assert.ok(t.pass('a:1', a, now))
  assert.ok(t.pass('b:1', b, now, 1))
  for (let i = 0; i < 5; i++) {
    now += 10_000
    assert.ok(t.pass('b:1', b, now, 1))
    assert.not.ok(t.pass('b:1', b, now + 500, 1)) // still at most one per interval
  }
  assert.is(t.idAt('a:1'), a) // 50 s: kept
  now += 21_000 // a: 71 s silent
  assert.ok(t.pass('b:1', b, now, 1))
  assert.is(t.idAt('a:1'), undefined)
  assert.is(t.idAt('b:1'), b)
  assert.is(t.size, 1)
  assert.ok(t.pass('a:1', a, now)) // back: reported at once, as a contact never seen
})

books('idle - rtt: an estimate not updated past the idle time is forgotten (unknown timeout); a measured one is kept', () => {
  const clock = manual()
  const t = createRttTable({ floor: 1, idle: IDLE }, clock.now)
  t.observe('silent', 40)
  t.observe('active', 80)
  for (let i = 0; i < 5; i++) {
    clock.t += 10_000
    t.observe('active', 80)
  }
  assert.is(t.srtt('silent'), 40) // 50 s: kept
  clock.t += 20_000
  t.observe('active', 80)
  assert.is(t.srtt('silent'), undefined)
  assert.is(t.timeout('silent'), t.unknownTimeout())
  assert.is(t.srtt('active'), 80)
  assert.is(t.size, 1)
})

books('idle - rate limit: a source silent past the idle time starts small again; one in use keeps its bucket', () => {
  const l = createRateLimiter({ rate: 10, burst: 500, initial: RATE_LIMIT_INITIAL, prefixRate: 1000, prefixBurst: 2000,
    exemptLoopback: false, idle: IDLE })
  let now = 1_000_000
  // Both earn a full bucket: 50 s at 10/s.
  l.check('10.0.0.1', now)
  l.check('10.1.0.1', now)
  now += 50_000
  l.check('10.0.0.1', now)
  l.check('10.1.0.1', now)
  for (let i = 0; i < 7; i++) { // 10.1.0.1 sends one a ten seconds
    now += 10_000
    assert.is(l.check('10.1.0.1', now), VERDICT.ALLOW)
  }
  now += 1_000
  l.check('10.1.0.1', now) // 10.0.0.1 and its /24: 71 s silent, forgotten
  assert.is(l.size, 1)
  assert.is(l.prefixes, 1)
  const verdicts = (ip: string): number[] => {
    const n = [0, 0, 0]
    for (let i = 0; i < 100; i++) n[l.check(ip, now)]!++
    return n
  }
  // A new source again: it starts small, and the limit works as ever (refused: one 201, then drops).
  assert.equal(verdicts('10.0.0.1'), [RATE_LIMIT_INITIAL, 1, 100 - RATE_LIMIT_INITIAL - 1])
  assert.equal(verdicts('10.1.0.1'), [100, 0, 0]) // its bucket (full, ~499) is kept
})

books('idle - credit: a proven address silent past the idle time is unproven again; one that keeps talking stays proven', () => {
  const clock = manual()
  const c = createCreditBook({ idle: IDLE, now: clock.now })
  c.prove('silent:1')
  c.prove('active:1') // answered us once…
  c.received('stranger:1', 50)
  c.sent('stranger:1', 50)
  for (let i = 0; i < 7; i++) { // …then only queries us
    clock.t += 10_000
    c.received('active:1', 60)
    c.sent('active:1', 200)
  }
  clock.t += 1_000
  c.received('active:1', 60)
  assert.not.ok(c.isProven('silent:1'))
  assert.not.ok(c.allowInitiated('silent:1', 60)) // as never heard from: nothing sent on our own
  assert.is(c.room('stranger:1'), 0) // its count is forgotten too
  assert.ok(c.isProven('active:1'))
  assert.is(c.optionalRoom('active:1'), Infinity)
  assert.is(c.size, 1)
  // The book still works for the forgotten one: it queries us, gets its one ping back, then only within what it sent.
  c.received('silent:1', 56)
  c.sent('silent:1', 56)
  assert.ok(c.allowInitiated('silent:1', 67))
  c.sent('silent:1', 67)
  assert.not.ok(c.allowInitiated('silent:1', 67))
  c.prove('silent:1')
  assert.ok(c.isProven('silent:1'))
})

books('idle - credit: an unproven address that keeps talking keeps its count', () => {
  const clock = manual()
  const c = createCreditBook({ idle: IDLE, now: clock.now })
  for (let i = 0; i < 8; i++) {
    c.received('a:1', 100)
    clock.t += 10_000
  }
  c.sent('b:1', 1)
  assert.is(c.room('a:1'), 800)
  assert.ok(c.allowInitiated('a:1', 700))
})

// ── the socket ────────────────────────────────────────────────────────────────────────────────

const socket = suite('idle - the socket forgets idle contacts')

socket('idle - socket: a contact gone silent leaves the RTT table, the rate limiter and the credit book; an active one stays', async () => {
  const scheduler = new VirtualTimeScheduler()
  const net = createSimNetwork({ scheduler, latency: () => 5 })
  const open: KrpcSocket[] = []
  const make = async (host: string): Promise<KrpcSocket> => {
    const s = createKrpcSocket({ id: randomId(), host, port: 6881, scheduler, random: seededRandom(open.length + 1),
      createSocket: type => net.createSocket(type), rateLimit: { exemptLoopback: false }, contactIdle: IDLE, onQuery: q => s.reply(q, {}) })
    open.push(s)
    const bound = s.bind()
    scheduler.flush()
    await bound
    return s
  }
  // The network delivers a datagram from a promise job: the clock moves 10 ms at a time, jobs run between.
  const advance = async (ms: number): Promise<void> => {
    const end = scheduler.frame + ms
    while (scheduler.frame < end) {
      scheduler.maxFrames = Math.min(end, scheduler.frame + 10)
      scheduler.flush()
      scheduler.frame = scheduler.maxFrames
      await new Promise(resolve => setImmediate(resolve))
    }
  }
  const ask = (from: KrpcSocket, host: string): Promise<unknown> => {
    const p = from.query({ host, port: 6881 }, 'ping', {}).catch((e: unknown) => e)
    return p
  }
  try {
    const ours = await make('10.0.0.1')
    const silent = await make('10.0.1.1')
    const active = await make('10.0.2.1')
    // Each pings the other way too: both are measured, proven and rate-limited at ours.
    for (const [a, b] of [[ours, '10.0.1.1'], [ours, '10.0.2.1'], [silent, '10.0.0.1'], [active, '10.0.0.1']] as const) {
      const p = ask(a, b)
      await advance(100)
      assert.not.instance(await p, Error)
    }
    let s = ours.stats()
    assert.is(s.rttContacts, 2)
    assert.is(s.rateLimitSources, 2)
    for (let i = 0; i < 8; i++) { // 80 s: only the active one and ours talk
      await advance(10_000)
      const out = ask(ours, '10.0.2.1')
      const back = ask(active, '10.0.0.1')
      await advance(100)
      assert.not.instance(await out, Error)
      assert.not.instance(await back, Error)
    }
    s = ours.stats()
    assert.is(s.rttContacts, 1)
    assert.is(s.rateLimitSources, 1)
    assert.is(s.rateLimitPrefixes, 1)
    assert.is(ours.rtt.srtt('10.0.1.1:6881'), undefined)
    assert.ok(ours.rtt.srtt('10.0.2.1:6881')! > 0)
    // The active one is still proven: a bounded query goes; the forgotten one is unproven, as if never heard from.
    const bounded = new Promise<Error | null>(resolve => {
      ours.request({ host: '10.0.2.1', port: 6881 }, { q: 'ping', a: {}, bounded: true }, err => resolve(err))
    })
    const refused = new Promise<Error | null>(resolve => {
      ours.request({ host: '10.0.1.1', port: 6881 }, { q: 'ping', a: {}, bounded: true }, err => resolve(err))
    })
    await advance(100)
    assert.is(await bounded, null)
    assert.is((await refused as { code?: string } | null)?.code, 'ERR_RPC_UNPROVEN')
    // The silent one comes back: an ordinary newcomer, answered and measured again.
    const back = ask(silent, '10.0.0.1')
    await advance(100)
    assert.not.instance(await back, Error)
    const again = ask(ours, '10.0.1.1')
    await advance(100)
    assert.not.instance(await again, Error)
    assert.is(ours.stats().rttContacts, 2)
    assert.is(CONTACT_IDLE >= 60 * 5000, true) // the default: far beyond the 5 s timeout ceiling
  } finally {
    for (const s of open) await s.close()
  }
})

books.run()
socket.run()
