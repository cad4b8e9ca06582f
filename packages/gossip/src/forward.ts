/**
 * The forwarding probability of a rumor, from its age: hops travelled (carried in the rumor) and
 * local age (ms since this node first received it, on this node's clock; the sender's clock is
 * never used). A young rumor is always forwarded (1 ≥ 0.6): the spread is a tree over the id
 * space, so every dropped forward would lose a whole part of it. Past youth the probability
 * starts at 0.6 and decays linearly to 0 at MAX_HOPS / MAX_AGE.
 */
import { MAX_AGE, MAX_HOPS, MIN_YOUNG_PROBABILITY, YOUNG_AGE, YOUNG_HOPS } from './constants.js'

export interface AgeLimits {
  readonly youngHops: number
  readonly maxHops: number
  readonly youngAge: number
  readonly maxAge: number
}

export const DEFAULT_AGE_LIMITS: AgeLimits = { youngHops: YOUNG_HOPS, maxHops: MAX_HOPS, youngAge: YOUNG_AGE, maxAge: MAX_AGE }

/** Probability in [0, 1] of forwarding a rumor `hops` hops from its origin, first received here `localAge` ms ago. */
export function forwardProbability (hops: number, localAge: number, limits: AgeLimits = DEFAULT_AGE_LIMITS): number {
  if (!(hops >= 0) || !(localAge >= 0)) return 0
  if (hops >= limits.maxHops || localAge >= limits.maxAge) return 0
  if (hops < limits.youngHops && localAge < limits.youngAge) return 1
  const byHops = hops < limits.youngHops ? 1 : (limits.maxHops - hops) / (limits.maxHops - limits.youngHops)
  const byAge = localAge < limits.youngAge ? 1 : (limits.maxAge - localAge) / (limits.maxAge - limits.youngAge)
  return MIN_YOUNG_PROBABILITY * byHops * byAge
}

/** Whether to forward now: a draw from `random` against `forwardProbability`. */
export function shouldForward (hops: number, localAge: number, opts: { random: () => number, limits?: AgeLimits }): boolean {
  const p = forwardProbability(hops, localAge, opts.limits)
  return p >= 1 || (p > 0 && opts.random() < p)
}
