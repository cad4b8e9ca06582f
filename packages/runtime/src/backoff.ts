/**
 * Restart backoff for one actor: the first restart waits `min`, each crash after that doubles
 * the wait up to `max`; an incarnation that ran `reset` ms without crashing starts over at `min`.
 */
import { RESTART_MAX_DELAY, RESTART_MIN_DELAY, RESTART_RESET_AFTER } from './constants.js'

export interface BackoffOptions {
  readonly min?: number
  readonly max?: number
  readonly reset?: number
}

export interface Backoff {
  /** The incarnation started at `now`. */
  started(now: number): void
  /** It crashed at `now`: the delay before the next start. */
  crashed(now: number): number
}

export function createBackoff (opts: BackoffOptions = {}): Backoff {
  const min = opts.min ?? RESTART_MIN_DELAY
  const max = opts.max ?? RESTART_MAX_DELAY
  const reset = opts.reset ?? RESTART_RESET_AFTER
  let failures = 0
  let since = -Infinity
  return {
    started (now) {
      since = now
    },
    crashed (now) {
      if (now - since >= reset) failures = 0
      const delay = Math.min(max, min * 2 ** failures)
      failures++
      return delay
    }
  }
}
