/**
 * Reads kept a while and shared while they run (a list's holders for the search, a list's records
 * for the directory): `read(key, load)` answers from what was kept for `key` while it is younger
 * than `ttl` ms, else joins the read of `key` already running, else starts `load()` — shared by
 * every subscriber, unsubscribed when the last one leaves. An emitted value is kept when `keep`
 * says so (default: every one); `clear` drops what was kept, and reads already running keep
 * nothing. Time comes from `now`.
 */
import { defer, finalize, of, share, tap } from 'rxjs'
import type { Observable } from 'rxjs'

export interface SharedReads<K, V> {
  read(key: K, load: () => Observable<V>): Observable<V>
  /** What is kept for `key`, while younger than `ttl`. */
  cached(key: K): V | undefined
  /** Drops what is kept for `key`: the next read loads again. */
  forget(key: K): void
  /** Drops everything kept; reads already running keep nothing. */
  clear(): void
  /** Keys whose value is kept now. */
  size(): number
}

export function createSharedReads<K, V> (opts: { ttl: number, now: () => number, keep?: (value: V) => boolean }): SharedReads<K, V> {
  const kept = new Map<K, { at: number, value: V }>()
  const running = new Map<K, Observable<V>>()
  let generation = 0
  const fresh = (at: number): boolean => opts.now() - at < opts.ttl

  const cached = (key: K): V | undefined => {
    const hit = kept.get(key)
    return hit !== undefined && fresh(hit.at) ? hit.value : undefined
  }

  return {
    read: (key, load) => defer(() => {
      const hit = kept.get(key)
      if (hit !== undefined && fresh(hit.at)) return of(hit.value)
      const joined = running.get(key)
      if (joined !== undefined) return joined
      const gen = generation
      const read: Observable<V> = load().pipe(
        tap(value => {
          if (gen === generation && (opts.keep?.(value) ?? true)) kept.set(key, { at: opts.now(), value })
        }),
        finalize(() => {
          if (running.get(key) === read) running.delete(key)
        }),
        share()
      )
      running.set(key, read)
      return read
    }),
    cached,
    forget: (key) => {
      kept.delete(key)
    },
    clear () {
      generation++
      kept.clear()
    },
    size: () => [...kept.values()].filter(h => fresh(h.at)).length
  }
}
