/**
 * An Observable read as an AsyncIterable, for the server's search stream. Subscribes when the
 * iterator is made; `return()` (a `for await` left early) and the signal unsubscribe, which
 * cancels the ask behind it. Values that arrive before they are read are queued.
 */
import type { Observable } from 'rxjs'

export function toAsyncIterable<T> (source: Observable<T>, signal?: AbortSignal): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator] (): AsyncIterator<T> {
      const queue: T[] = []
      let finished = false
      let failure: { err: unknown } | undefined
      let wake: (() => void) | undefined
      const notify = (): void => {
        const w = wake
        wake = undefined
        w?.()
      }
      const sub = source.subscribe({
        next: v => {
          queue.push(v)
          notify()
        },
        error: (err: unknown) => {
          failure = { err }
          finished = true
          notify()
        },
        complete: () => {
          finished = true
          notify()
        }
      })
      const onAbort = (): void => {
        sub.unsubscribe()
        finished = true
        notify()
      }
      if (signal?.aborted === true) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
      const release = (): void => {
        sub.unsubscribe()
        signal?.removeEventListener('abort', onAbort)
      }
      return {
        async next () {
          for (;;) {
            if (queue.length > 0) return { value: queue.shift()!, done: false }
            if (failure !== undefined) {
              release()
              throw failure.err
            }
            if (finished) {
              release()
              return { value: undefined, done: true }
            }
            await new Promise<void>(resolve => {
              wake = resolve
            })
          }
        },
        async return () {
          release()
          finished = true
          queue.length = 0
          return { value: undefined, done: true }
        }
      }
    }
  }
}
