/**
 * Runs lookups on one swarm and measures each the same way whatever the implementation:
 * queries and bytes from the dgram tap (query-meter.ts), wall time, and recall against the true
 * closest live ids. `parallel` lookups run at once, each from a different live node; bounded by
 * count and by time.
 */
import { performance } from 'node:perf_hooks'
import type { NodeId } from '@peerconnect/protocol'
import { percentile, round } from '../lib/stats.js'
import type { QueryMeter } from './query-meter.js'
import { closestLive, recallOf } from './recall.js'
import { liveIndices } from './swarm.js'
import type { BenchSwarm } from './swarm.js'

export interface LookupSample {
  readonly queries: number
  readonly answers: number
  readonly bytes: number
  readonly ms: number
  readonly recall: number
  readonly recall20: number
}

export interface LookupSummary {
  readonly lookups: number
  readonly failed: number
  readonly queriesPerLookup: number
  readonly bytesPerLookup: number
  readonly medianMs: number
  readonly p95Ms: number
  readonly recall: number
  readonly recall20: number
  readonly minQueries: number
  readonly maxQueries: number
  /** Share of lookups that found all 8 closest. */
  readonly exact: number
}

export interface RunOptions {
  readonly targets: readonly NodeId[]
  readonly parallel: number
  /** Stop starting lookups after this many ms. */
  readonly ms: number
  readonly meter: QueryMeter
}

export async function runLookups (swarm: BenchSwarm, opts: RunOptions): Promise<{ samples: LookupSample[], failed: number }> {
  const origins = shuffle(liveIndices(swarm))
  if (origins.length === 0) throw new Error(`${swarm.name}: no live node to look up from`)
  const samples: LookupSample[] = []
  const busy = new Set<number>()
  const deadline = performance.now() + opts.ms
  let next = 0
  let turn = 0
  let failed = 0
  const lane = async (): Promise<void> => {
    while (next < opts.targets.length && performance.now() < deadline) {
      const target = opts.targets[next++]!
      const origin = pickOrigin()
      busy.add(origin)
      const meter = opts.meter.track(swarm.portOf(origin), target)
      try {
        const ans = await swarm.lookup(origin, target)
        const m = meter.stop()
        samples.push({
          queries: m.queries,
          answers: m.answers,
          bytes: m.bytes,
          ms: ans.ms,
          recall: recallOf(ans.closest, closestLive(swarm, target, { n: 8, origin })),
          recall20: recallOf(ans.closest, closestLive(swarm, target, { n: 20, origin }))
        })
      } catch {
        meter.stop()
        failed++
      } finally {
        busy.delete(origin)
      }
    }
  }
  const pickOrigin = (): number => {
    for (;;) {
      const o = origins[turn++ % origins.length]!
      if (!busy.has(o)) return o
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.parallel, origins.length)) }, lane))
  return { samples, failed }
}

export function summarizeLookups (samples: readonly LookupSample[], failed: number): LookupSummary {
  const mean = (f: (s: LookupSample) => number): number =>
    samples.length === 0 ? NaN : samples.reduce((a, s) => a + f(s), 0) / samples.length
  const ms = samples.map(s => s.ms).sort((a, b) => a - b)
  const queries = samples.map(s => s.queries)
  return {
    lookups: samples.length,
    failed,
    queriesPerLookup: round(mean(s => s.queries)),
    bytesPerLookup: Math.round(mean(s => s.bytes)),
    medianMs: round(percentile(ms, 50)),
    p95Ms: round(percentile(ms, 95)),
    recall: round(mean(s => s.recall)),
    recall20: round(mean(s => s.recall20)),
    minQueries: Math.min(...queries),
    maxQueries: Math.max(...queries),
    exact: round(mean(s => s.recall === 1 ? 1 : 0))
  }
}

function shuffle<T> (xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    const t = xs[i]!
    xs[i] = xs[j]!
    xs[j] = t
  }
  return xs
}
