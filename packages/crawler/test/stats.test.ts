import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { Subject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { isCrawlerResult, isCrawlerStatsReply } from '@peerconnect/protocol'
import type { CrawlerResult, CrawlerStatsReply, Message, TransportQuery } from '@peerconnect/protocol'
import { crawler, createMetrics, statsBody } from '../src/index.js'
import { countLookup } from '../src/metrics.js'
import { createSimNetwork } from './fixtures/sim-network.js'
import type { SimNetwork, SimNode } from './fixtures/sim-network.js'
import { simDeps } from './fixtures/sim-deps.js'
import type { SimDeps, SimDepsOptions } from './fixtures/sim-deps.js'

// ── the counters ─────────────────────────────────────────────────────────────────────────────

const units = suite('crawler metrics')

units('metrics - start at zero; the mean is 0 before any lookup', () => {
  assert.equal(statsBody(createMetrics()), { type: 'crawler.stats.reply', lookups: 0, queries: 0, timeouts: 0, expired: 0, meanQueries: 0 })
})

units('metrics - countLookup adds queries and expiries; the mean is rounded to 2 decimals', () => {
  const m = createMetrics()
  const stats = { queries: 10, responded: 8, failed: 1, active: 0, slow: 0, expired: 1, retrying: 0, retries: 0, bytes: 900,
    candidates: 30 }
  countLookup(m, stats)
  countLookup(m, { ...stats, queries: 11, expired: 0 })
  countLookup(m, { ...stats, queries: 11, expired: 2 })
  m.timeouts += 4
  const body = statsBody(m)
  assert.equal(body, { type: 'crawler.stats.reply', lookups: 3, queries: 32, timeouts: 4, expired: 3, meanQueries: 10.67 })
  assert.ok(isCrawlerStatsReply(body), 'the body passes the catalogue guard')
})

units('metrics - the catalogue guards', () => {
  assert.not.ok(isCrawlerStatsReply({ type: 'crawler.stats.reply', lookups: -1, queries: 0, timeouts: 0, expired: 0, meanQueries: 0 }))
  assert.not.ok(isCrawlerStatsReply({ type: 'crawler.stats.reply', lookups: 1, queries: 0, timeouts: 0, expired: 0 }))
  assert.not.ok(isCrawlerStatsReply({ type: 'crawler.stats.reply', lookups: 1, queries: 0, timeouts: 0, expired: 0, meanQueries: -2 }))
})

units.run()

// ── crawler.stats through the actor, in virtual time ─────────────────────────────────────────

/** Runs the crawler in a TestScheduler; `script` sends requests at virtual times. */
function runScript (net: SimNetwork, origin: SimNode, script: Array<{ at: number, msg: Message }>, opts: SimDepsOptions = {}) {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  let deps: SimDeps | undefined
  const out: Message[] = []
  scheduler.run(({ flush }) => {
    deps = simDeps(net, origin, { ...opts, scheduler })
    const in$ = new Subject<Message>()
    crawler({ id: origin.id }).run(in$, deps).subscribe(m => out.push(m))
    script.forEach(({ at, msg }, i) => scheduler.schedule(() => in$.next({ ...msg, cid: i + 1 }), at))
    flush()
  })
  return { deps: deps!, out }
}

const actor = suite('crawler actor - crawler.stats')

function statsAfterLookups (timeout: number) {
  const net = createSimNetwork(300, { seed: 31, latency: [10, 10] })
  const origin = net.nodes[0]!
  for (let i = 1; i < 300; i += 5) net.nodes[i]!.dead = true
  const targets = [net.randomId(), net.randomId(), net.randomId()]
  const { deps, out } = runScript(net, origin, [
    ...targets.map((target, i) => ({ at: i * 10_000, msg: { type: 'crawler.lookup', target } as Message })),
    { at: 30_000, msg: { type: 'crawler.find', id: net.nodes[150]!.id } as Message },
    { at: 60_000, msg: { type: 'crawler.stats' } }
  ], { timeout })
  const results: CrawlerResult[] = out.filter(isCrawlerResult)
  assert.is(results.length, 4)
  const stats = out.find(isCrawlerStatsReply) as CrawlerStatsReply
  assert.ok(stats !== undefined)
  assert.is(stats.re, 5)
  assert.is(stats.lookups, 4)
  assert.is(stats.queries, results.reduce((a, r) => a + r.queries, 0))
  assert.is(stats.meanQueries, Math.round(stats.queries / 4 * 100) / 100)
  const toDead = deps.asks.filter(a =>
    a.msg.type === 'transport.query' && (a.msg as TransportQuery).q === 'find_node' && a.node?.dead === true
  )
  return { stats, toDead, timedOut: toDead.filter(a => a.done && !a.cancelled).length }
}

actor('crawler.stats - counts every finished lookup and its queries; quick transport timeouts count as timeouts', () => {
  const { stats, toDead, timedOut } = statsAfterLookups(100)
  assert.ok(toDead.length > 0, 'some queries went to dead nodes')
  assert.ok(timedOut > 0, 'and timed out (100 ms); a few may have been cancelled when their lookup ended')
  assert.is(stats.timeouts, timedOut)
  assert.is(stats.expired, 0)
})

actor('crawler.stats - with a slow transport timeout the dead are presumed lost first: counted as expired, not timeouts', () => {
  const { stats, toDead } = statsAfterLookups(5000)
  assert.ok(toDead.length > 0)
  assert.is(stats.timeouts, 0)
  assert.ok(stats.expired > 0 && stats.expired <= toDead.length, `expired ${stats.expired} of ${toDead.length}`)
})

actor('crawler.stats - zero before any lookup; a bootstrap\'s lookups count too', () => {
  const net = createSimNetwork(100, { seed: 32, latency: [5, 20] })
  const origin = net.nodes[0]!
  origin.table.length = 0
  const seeds = [1, 2].map(i => ({ host: net.nodes[i]!.host, port: net.nodes[i]!.port }))
  const { out } = runScript(net, origin, [
    { at: 0, msg: { type: 'crawler.stats' } },
    { at: 1, msg: { type: 'crawler.bootstrap', seeds } as Message },
    { at: 60_000, msg: { type: 'crawler.stats' } }
  ])
  const [before, after] = out.filter(isCrawlerStatsReply)
  assert.equal([before!.lookups, before!.queries, before!.meanQueries], [0, 0, 0])
  assert.ok(after!.lookups >= 2, `own id and at least one refresh: ${after!.lookups}`)
  assert.ok(after!.queries > after!.lookups)
})

actor('crawler.stats - the factory consumes it', () => {
  assert.ok(crawler({ id: new Uint8Array(20) }).consumes.includes('crawler.stats'))
})

actor.run()
