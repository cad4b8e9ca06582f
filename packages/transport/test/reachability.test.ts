import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createReachability } from '../src/reachability.js'
import { createProbeLimiter } from '../src/reach-helper.js'
import { REACH_FIRST_DELAY, REACH_PROBE_WAIT, REACH_RECHECK, REACH_RETRY } from '../src/constants.js'

// Virtual time throughout: every call is given its `now`.

const OURS = [{ host: '203.0.113.7', port: 7000 }]
const LAN = { host: '192.168.77.2', port: 7000 }
const HELPERS = [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7000 }, { host: '10.0.0.3', port: 7000 }, { host: '10.0.0.4',
  port: 7000 }]
const fixed = (): number => 0.5
let nonces = 0
const nonce = (): Uint8Array => new Uint8Array([0, 0, 0, 0, 0, 0, 0, ++nonces])
const probeFrom = (to: { host: string }) => ({ host: to.host, port: 40_001 })

/**
 * Runs one check from `now`: every helper answers seeing us at `saw`, and those in `probing` probe; returns the settle
 * result and the time it settled.
 */
function runCheck (r: ReturnType<typeof createReachability>, now: number,
  opts: { saw?: (i: number) => { host: string, port: number }, probing?: (i: number) => boolean, answering?: (i: number) => boolean } =
    {}) {
  const asks = r.begin(now, HELPERS, fixed, nonce)
  assert.ok(asks !== undefined && asks.length > 0, 'a check starts')
  asks.forEach((ask, i) => {
    if (opts.answering?.(i) === false) return
    r.answered(ask.nonce, opts.saw?.(i) ?? OURS[0]!, OURS)
    if (opts.probing?.(i) === true) r.probed(ask.nonce, probeFrom(ask.to))
  })
  assert.is(r.settle(now + REACH_PROBE_WAIT - 1), undefined, 'not before its time')
  return { change: r.settle(now + REACH_PROBE_WAIT), at: now + REACH_PROBE_WAIT }
}

const decide = suite('reachability - the decision')

decide('first check after firstDelay; asks 3 helpers, one per host; one probe arriving: reachable, mode unchanged', () => {
  const r = createReachability(0)
  assert.is(r.begin(REACH_FIRST_DELAY - 1, HELPERS, fixed, nonce), undefined, 'not due yet')
  const asks = r.begin(REACH_FIRST_DELAY, [...HELPERS, { host: '10.0.0.1', port: 7001 }], fixed, nonce)!
  assert.is(asks.length, 3)
  assert.is(new Set(asks.map(a => a.to.host)).size, 3, 'one per host')
  assert.ok(r.running)
  assert.is(r.begin(REACH_FIRST_DELAY, HELPERS, fixed, nonce), undefined, 'one check at a time')
  r.answered(asks[0]!.nonce, OURS[0]!, OURS)
  r.answered(asks[1]!.nonce, OURS[0]!, OURS)
  assert.ok(r.probed(asks[1]!.nonce, probeFrom(asks[1]!.to)))
  assert.is(r.settle(REACH_FIRST_DELAY + REACH_PROBE_WAIT), undefined, 'no change of mode')
  assert.is(r.verdict, 'reachable')
  assert.is(r.readOnly, false)
  assert.is(r.dueAt, REACH_FIRST_DELAY + REACH_PROBE_WAIT + REACH_RECHECK)
})

decide('helpers answer and no probe arrives: unreachable, read-only; a later check with a probe leaves read-only', () => {
  const r = createReachability(0)
  const first = runCheck(r, REACH_FIRST_DELAY)
  assert.equal(first.change, { readOnly: true })
  assert.is(r.verdict, 'unreachable')
  assert.ok(r.readOnly)
  assert.is(r.begin(first.at + REACH_RECHECK - 1, HELPERS, fixed, nonce), undefined, 'rechecked only after recheck')
  const again = runCheck(r, first.at + REACH_RECHECK)
  assert.is(again.change, undefined, 'still unreachable: no change')
  const later = runCheck(r, again.at + REACH_RECHECK, { probing: i => i === 2 })
  assert.equal(later.change, { readOnly: false }, 'the NAT let a probe in: leaves read-only mode')
  assert.is(r.verdict, 'reachable')
})

decide('only 2 of 3 helpers answer, no probe: enough to decide unreachable; only 1: undecided, retried, mode kept', () => {
  const r = createReachability(0)
  assert.equal(runCheck(r, REACH_FIRST_DELAY, { answering: i => i !== 0 }).change, { readOnly: true })
  const r2 = createReachability(0)
  const res = runCheck(r2, REACH_FIRST_DELAY, { answering: i => i === 0 })
  assert.is(res.change, undefined)
  assert.is(r2.verdict, 'unknown')
  assert.is(r2.readOnly, false)
  assert.is(r2.dueAt, res.at + REACH_RETRY)
})

decide('helpers asked and undecided again and again: each retry waits twice as long, up to a minute; a decision resets it', () => {
  const r = createReachability(0)
  const waits: number[] = []
  let at = REACH_FIRST_DELAY
  for (let i = 0; i < 6; i++) {
    const res = runCheck(r, at, { answering: () => false })
    assert.is(res.change, undefined)
    waits.push(r.dueAt - res.at)
    at = r.dueAt
  }
  assert.equal(waits, [1, 2, 4, 8, 12, 12].map(x => x * REACH_RETRY))
  const decided = runCheck(r, at)
  assert.ok(r.readOnly)
  runCheck(r, decided.at + REACH_RECHECK, { answering: () => false })
  assert.is(r.dueAt, decided.at + REACH_RECHECK + REACH_PROBE_WAIT + REACH_RETRY, 'back to the short retry')
})

decide('a helper that sees us at another address (our LAN) does not count, nor does its probe', () => {
  const r = createReachability(0)
  // Two outside helpers answer, see our public address, and no probe arrives; the LAN one probes us.
  const res = runCheck(r, REACH_FIRST_DELAY, { saw: i => i === 0 ? LAN : OURS[0]!, probing: i => i === 0 })
  assert.equal(res.change, { readOnly: true }, 'the LAN helper\'s probe proves nothing about the outside')
  const r2 = createReachability(0)
  const res2 = runCheck(r2, REACH_FIRST_DELAY, { saw: i => i === 0 ? OURS[0]! : LAN })
  assert.is(res2.change, undefined, 'one helper seeing our address is too few: undecided')
})

decide('behind a NAT that maps us to other ports for some destinations: helpers seeing our public IP at another port count', () => {
  const r = createReachability(0)
  const res = runCheck(r, REACH_FIRST_DELAY, { saw: i => ({ host: OURS[0]!.host, port: 40_000 + i }) })
  assert.equal(res.change, { readOnly: true })
})

decide('a probe from the helper\'s own address, or with a nonce we never sent, is ignored', () => {
  const r = createReachability(0)
  const asks = r.begin(REACH_FIRST_DELAY, HELPERS, fixed, nonce)!
  for (const a of asks) r.answered(a.nonce, OURS[0]!, OURS)
  assert.not.ok(r.probed(asks[0]!.nonce, asks[0]!.to), 'through the mapping our query opened: proves nothing')
  assert.not.ok(r.probed(new Uint8Array([9, 9, 9]), { host: '10.9.9.9', port: 1 }))
  assert.equal(r.settle(REACH_FIRST_DELAY + REACH_PROBE_WAIT), { readOnly: true })
  assert.is(r.stats().reachProbesIgnored, 2)
  assert.not.ok(r.probed(asks[1]!.nonce, probeFrom(asks[1]!.to)), 'after the check: ignored')
})

decide('too few contacts to ask: nothing asked, mode kept (a lone public node never goes read-only); read-only kept too', () => {
  const r = createReachability(0)
  assert.equal(r.begin(REACH_FIRST_DELAY, HELPERS.slice(0, 1), fixed, nonce), [])
  assert.equal(r.begin(REACH_FIRST_DELAY, [HELPERS[0]!, { ...HELPERS[0]!, port: 9 }], fixed, nonce), undefined, 'retry pending')
  assert.is(r.readOnly, false)
  assert.is(r.dueAt, REACH_FIRST_DELAY + REACH_RETRY)
  // Still too few: looked at again every `retry` (nothing is sent: a young node is still joining).
  const at = r.dueAt
  assert.equal(r.begin(at, HELPERS.slice(0, 1), fixed, nonce), [])
  assert.is(r.dueAt, at + REACH_RETRY)
  // A read-only node whose helpers all go silent stays read-only.
  const ro = createReachability(0)
  const first = runCheck(ro, REACH_FIRST_DELAY)
  assert.ok(ro.readOnly)
  const silent = runCheck(ro, first.at + REACH_RECHECK, { answering: () => false })
  assert.is(silent.change, undefined)
  assert.ok(ro.readOnly)
  assert.equal(ro.begin(silent.at + REACH_RETRY, [], fixed, nonce), [])
  assert.ok(ro.readOnly)
})

decide.run()

const limit = suite('reachability - the helper\'s probe budget (virtual time)')

limit('per requesting IP: 3 at once, then one per 20 s; others are not affected', () => {
  const l = createProbeLimiter()
  const t0 = 1_000_000
  assert.equal([1, 2, 3, 4].map(() => l.allow('198.51.100.1', t0)), [true, true, true, false])
  assert.ok(l.allow('198.51.100.2', t0), 'another IP has its own budget')
  assert.not.ok(l.allow('198.51.100.1', t0 + 19_999))
  assert.ok(l.allow('198.51.100.1', t0 + 20_000))
  assert.not.ok(l.allow('198.51.100.1', t0 + 20_001))
})

limit('for everyone: 20 at once, then 5 per second, however many IPs ask (a spoofed flood)', () => {
  const l = createProbeLimiter()
  const t0 = 5_000
  let allowed = 0
  for (let i = 0; i < 1000; i++) if (l.allow(`10.1.${i >> 8}.${i & 255}`, t0)) allowed++
  assert.is(allowed, 20)
  allowed = 0
  for (let s = 1; s <= 60; s++) {
    for (let i = 0; i < 100; i++) if (l.allow(`10.2.${s}.${i}`, t0 + s * 1000)) allowed++
  }
  assert.is(allowed, 60 * 5, '5 per second over a minute')
})

limit('remembers at most maxSources IPs (a forgotten one starts again with its burst)', () => {
  const l = createProbeLimiter({ maxSources: 10 })
  for (let i = 0; i < 50; i++) l.allow(`10.3.0.${i}`, i)
  assert.is(l.size, 10)
})

limit.run()
