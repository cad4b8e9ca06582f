/** Small shared helpers for this package's tests: a seeded PRNG and byte helpers. */

import { seededRandom } from '../src/random.js'

export interface Prng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  bytes(n: number): Uint8Array
  pick<T>(items: readonly T[]): T
}

/** The tree's seeded PRNG (mulberry32: deterministic, fast, good enough for fuzzing), with helpers. */
export function prng (seed: number): Prng {
  const next = seededRandom(seed)
  const int = (n: number): number => Math.floor(next() * n)
  return {
    next,
    int,
    bytes: (n) => {
      const b = new Uint8Array(n)
      for (let i = 0; i < n; i++) b[i] = int(256)
      return b
    },
    pick: (items) => items[int(items.length)]!
  }
}

const encoder = new TextEncoder()

/** UTF-8 bytes of a string (bencoded fixtures are ASCII). */
export function bytes (s: string): Uint8Array {
  return encoder.encode(s)
}

export function latin1 (b: Uint8Array): string {
  return String.fromCharCode(...b)
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** An id whose 20 bytes are all `fill`. */
export function filledId (fill: number): Uint8Array {
  return new Uint8Array(20).fill(fill)
}
