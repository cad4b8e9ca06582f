/**
 * Our swarm for the lookup benchmark: `createSwarm(n)` from `@peerconnect/node` (inline nodes,
 * real UDP on 127.0.0.1, each joined through the first), lookups as `crawler.lookup` asks.
 */
import { performance } from 'node:perf_hooks'
import { isCrawlerResult } from '@peerconnect/protocol'
import type { CrawlerLookup } from '@peerconnect/protocol'
import { createSwarm } from '@peerconnect/node'
import type { BenchSwarm } from './swarm.js'

export interface OurSwarmOptions {
  /** `k` of each crawler.lookup (default: the crawler's own, 8). */
  readonly k?: number
  /** Bound on one lookup, ms. */
  readonly lookupTimeout: number
  /** Routing's failAfterTimeouts (default: routing's own). */
  readonly failAfter?: number
}

export async function ourSwarm (n: number, opts: OurSwarmOptions): Promise<BenchSwarm> {
  const swarm = await createSwarm(n,
    opts.failAfter === undefined ? { concurrency: 8 } : { concurrency: 8, node: { routing: { failAfterTimeouts: opts.failAfter } } })
  const nodes = swarm.nodes
  const dead = new Set<number>()
  return {
    name: 'ours',
    size: nodes.length,
    idOf: i => nodes[i]!.id,
    portOf: i => nodes[i]!.udp.port,
    alive: i => !dead.has(i),
    async lookup (i, target) {
      const ask: CrawlerLookup = opts.k === undefined ? { type: 'crawler.lookup', target } : { type: 'crawler.lookup', target, k: opts.k }
      const t0 = performance.now()
      const res = await nodes[i]!.request(ask, { timeout: opts.lookupTimeout })
      const ms = performance.now() - t0
      if (!isCrawlerResult(res)) throw new Error(`crawler.lookup ended with ${res.type}`)
      return { closest: res.closest.map(c => c.id), ms }
    },
    async kill (indices) {
      for (const i of indices) dead.add(i)
      await Promise.all(indices.map(async i => await nodes[i]!.stop()))
    },
    stop: async () => await swarm.stop()
  }
}
