/**
 * Load shapes for request/response benchmarks, bounded in count AND time:
 * - `oneAtATime`: sequential round trips, each timed (latency samples in µs);
 * - `windowed`: keeps `window` requests outstanding until `count` are done (throughput).
 * `request(i)` starts request i and resolves when its response is in.
 */
import { performance } from 'node:perf_hooks'

export interface Bounds {
  readonly count: number
  /** Stop starting new requests after this many ms. */
  readonly ms: number
}

/** Round-trip times in µs of sequential requests. */
export async function oneAtATime (request: (i: number) => Promise<unknown>, bounds: Bounds): Promise<number[]> {
  const samples: number[] = []
  const deadline = performance.now() + bounds.ms
  for (let i = 0; i < bounds.count && performance.now() < deadline; i++) {
    const t0 = performance.now()
    await request(i)
    samples.push((performance.now() - t0) * 1000)
  }
  return samples
}

export interface WindowedResult {
  readonly completed: number
  readonly ms: number
  readonly rps: number
  /** Round-trip times in µs of every request (queueing in the window included). */
  readonly samples: number[]
}

export async function windowed (request: (i: number) => Promise<unknown>,
  bounds: Bounds & { readonly window: number }): Promise<WindowedResult> {
  const samples: number[] = []
  const t0 = performance.now()
  const deadline = t0 + bounds.ms
  let started = 0
  const lane = async (): Promise<void> => {
    while (started < bounds.count && performance.now() < deadline) {
      const i = started++
      const s = performance.now()
      await request(i)
      samples.push((performance.now() - s) * 1000)
    }
  }
  await Promise.all(Array.from({ length: bounds.window }, lane))
  const ms = performance.now() - t0
  return { completed: samples.length, ms, rps: samples.length / (ms / 1000), samples }
}
