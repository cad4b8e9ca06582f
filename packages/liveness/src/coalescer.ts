/**
 * Shares one piece of async work per key: callers that arrive while it runs join it, callers
 * that arrive within `window` ms after it settled get its result, later ones start it again.
 * Failures and abandoned runs (every caller unsubscribed) are not kept. Settled results are
 * bounded: expired ones are dropped first, then the oldest.
 */
import { defer, finalize, of, share, take, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import { withGetters } from '@peerconnect/runtime'

export interface CoalescerOptions {
  /** ms a settled result is reused. */
  readonly window: number
  /** Most settled results kept. */
  readonly max: number
  readonly now: () => number
}

export interface Coalescer<R> {
  /**
   * The shared result for `key`, starting `start()` when there is none (its first value is the
   * result). Lazy: nothing happens until it is subscribed.
   */
  run(key: string, start: () => Observable<R>): Observable<R>
  /** Keys held (running or settled). */
  readonly size: number
  clear(): void
}

export function createCoalescer<R> (opts: CoalescerOptions): Coalescer<R> {
  const slots = new Map<string, Slot<R>>()

  const join = (key: string, start: () => Observable<R>): Observable<R> => {
    const t = opts.now()
    const held = slots.get(key)
    if (held?.pending !== undefined) return held.pending
    if (held?.settled !== undefined && t - held.settled.at < opts.window) return of(held.settled.value)
    if (held !== undefined) slots.delete(key)
    const slot: Slot<R> = {}
    slot.pending = defer(start).pipe(
      take(1),
      tap(value => {
        slot.settled = { value, at: opts.now() }
        slot.pending = undefined
      }),
      finalize(() => {
        slot.pending = undefined
        if (slot.settled === undefined && slots.get(key) === slot) slots.delete(key)
      }),
      share({ resetOnError: true, resetOnComplete: true, resetOnRefCountZero: true })
    )
    slots.set(key, slot)
    prune(slots, t, opts)
    return slot.pending
  }

  // Decided at subscription time, so a caller that subscribes late still gets the shared result.
  const run = (key: string, start: () => Observable<R>): Observable<R> => defer(() => join(key, start))

  const api: Omit<Coalescer<R>, 'size'> = {
    run,
    clear: () => slots.clear()
  }
  return withGetters(api, { size: () => slots.size })
}

interface Slot<R> {
  pending?: Observable<R> | undefined
  settled?: { value: R, at: number }
}

function prune<R> (slots: Map<string, Slot<R>>, now: number, opts: CoalescerOptions): void {
  if (slots.size <= opts.max) return
  for (const [key, slot] of slots) {
    if (slot.settled !== undefined && now - slot.settled.at >= opts.window) slots.delete(key)
  }
  for (const [key, slot] of slots) {
    if (slots.size <= opts.max) return
    if (slot.pending === undefined) slots.delete(key)
  }
}
