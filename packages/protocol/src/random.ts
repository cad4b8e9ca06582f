/**
 * The one seeded PRNG of the tree (mulberry32): simulations, `testDeps()` and fuzz tests draw from
 * it, so a run is reproducible from its seed. Not for secrets (ids and keys use node:crypto).
 */

/** A seeded PRNG giving numbers in [0, 1). */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
