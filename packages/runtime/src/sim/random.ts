/**
 * Seeded randomness for simulations: a small PRNG and per-link latencies that stay the same for
 * a pair of hosts for the whole run, so a simulated swarm is reproducible from its seed.
 */

/** mulberry32, the tree's one seeded PRNG (it lives in @peerconnect/protocol). */
export { seededRandom } from '@peerconnect/protocol'

/**
 * A latency function for `createSimNetwork`: each pair of hosts gets a fixed one-way latency in
 * [min, max] ms (the same both ways), drawn from a hash of the pair and `seed`.
 */
export function linkLatency (opts: { min: number, max: number, seed?: number }): (from: string, to: string) => number {
  const { min, max } = opts
  if (!(min >= 0 && max >= min)) throw new RangeError(`linkLatency needs 0 ≤ min ≤ max, got ${min}..${max}`)
  const seed = opts.seed ?? 1
  return (from, to) => {
    const [a, b] = from < to ? [from, to] : [to, from]
    const u = hashString(`${a}|${b}`, seed) / 4294967296
    return min + Math.floor(u * (max - min + 1))
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/**
 * A 32-bit hash of a string, for seeded simulations: FNV-1a over the UTF-16 code units, mixed with
 * the seed and finished with a murmur avalanche.
 */
export function hashString (s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}
