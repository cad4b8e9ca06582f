/**
 * Pulls a backend search into NDJSON lines: `{peer, via}` per distinct peer as it arrives, then
 * `{done: true, hits, ms, holders?}` (`holders`: how many list holders answered, when the backend
 * says so with a `{holders}` item). It stops pulling the moment `signal` aborts (client gone, server
 * closing, time bound passed) even if the backend's iterator is stuck, and always releases the
 * iterator. A failure after the first line becomes `error` on the done line.
 */
import type { HitSource, Peer } from './backend.js'
import type { ApiError } from './errors.js'
import { backendFailure } from './errors.js'

export interface Hit {
  peer: Peer
  via: HitSource
}
export interface DoneLine {
  done: true
  hits: number
  ms: number
  holders?: number
  error?: ApiError
}

export interface SearchPump {
  /** Resolves with the first result: a hit, the end, or a failure (before anything was written). */
  readonly first: Promise<{ kind: 'hit', hit: Hit } | { kind: 'end' } | { kind: 'failed', err: unknown }>
  /** Streams the rest through `write` and returns the done line (not yet written). */
  rest(write: (hit: Hit) => void): Promise<DoneLine>
  /** Releases the backend's iterator without waiting for it. */
  release(): void
}

export function pumpSearch (source: AsyncIterable<unknown>, signal: AbortSignal, opts: { now: () => number }): SearchPump {
  const started = opts.now()
  const seen = new Set<string>()
  let hits = 0
  let holders: number | undefined
  let iterator: AsyncIterator<unknown> | undefined
  let released = false
  let ended = false

  const pull = async (): Promise<Hit | undefined> => {
    for (;;) {
      iterator ??= source[Symbol.asyncIterator]()
      const r = await nextOrAbort(iterator, signal)
      if (r === undefined || r.done === true) {
        ended = true
        return undefined
      }
      if (isSummary(r.value)) holders = r.value.holders
      if (!isHit(r.value) || seen.has(r.value.peer.id)) continue
      seen.add(r.value.peer.id)
      hits++
      return r.value
    }
  }
  const done = (error?: ApiError): DoneLine => {
    const line: DoneLine = { done: true, hits, ms: Math.round(opts.now() - started) }
    if (holders !== undefined) line.holders = holders
    if (error !== undefined) line.error = error
    return line
  }

  const first = pull().then(
    hit => hit === undefined ? { kind: 'end' as const } : { kind: 'hit' as const, hit },
    (err: unknown) => ({ kind: 'failed' as const, err })
  )

  return {
    first,
    async rest (write) {
      try {
        while (!ended) {
          const hit = await pull()
          if (hit !== undefined) write(hit)
        }
        return done()
      } catch (err) {
        return done(backendFailure(err).body.error)
      }
    },
    release () {
      if (released || iterator === undefined) return
      released = true
      try {
        void Promise.resolve(iterator.return?.()).catch(() => {})
      } catch {}
    }
  }
}

/** The backend's summary item: `{holders}`, a count. */
function isSummary (x: unknown): x is { holders: number } {
  return typeof x === 'object' && x !== null && !('peer' in x) && Number.isSafeInteger((x as { holders?: unknown }).holders)
}

/** A well-formed hit: `{peer: {id: string, …}, via: string}`; anything else is skipped. */
export function isHit (x: unknown): x is Hit {
  if (typeof x !== 'object' || x === null) return false
  const { peer, via } = x as { peer?: unknown, via?: unknown }
  return typeof via === 'string' && typeof peer === 'object' && peer !== null && typeof (peer as { id?: unknown }).id === 'string'
}

/** The iterator's next result, or undefined as soon as `signal` aborts (the pending one is left). */
function nextOrAbort<T> (it: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | undefined> {
  if (signal.aborted) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    const settle = (): void => signal.removeEventListener('abort', onAbort)
    Promise.resolve().then(() => it.next()).then(
      r => {
        settle()
        resolve(r)
      },
      (err: unknown) => {
        settle()
        reject(err)
      }
    )
  })
}
