/**
 * An operator for `[index, value]` pairs that arrive out of order (from a `mergeMap` with some
 * concurrency): emits the values in index order, each as soon as all before it have arrived.
 */
import { Observable } from 'rxjs'
import type { OperatorFunction } from 'rxjs'

export function inOrder<T> (): OperatorFunction<readonly [number, T], T> {
  return source => new Observable<T>(sub => {
    const waiting = new Map<number, T>()
    let next = 0
    return source.subscribe({
      next: ([i, value]) => {
        waiting.set(i, value)
        while (waiting.has(next)) {
          const v = waiting.get(next) as T
          waiting.delete(next++)
          sub.next(v)
        }
      },
      error: (err: unknown) => sub.error(err),
      complete: () => sub.complete()
    })
  })
}
