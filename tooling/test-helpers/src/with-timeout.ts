export class TimeoutError extends Error {
  override readonly name = 'TimeoutError'
  readonly code = 'ERR_TEST_TIMEOUT'
}

/**
 * Runs `fn` and fails if it has not settled within `ms`. The timer is always cleared, so a
 * passing test leaves no handle behind. `fn` receives an AbortSignal that fires on timeout.
 */
export function withTimeout<T> (ms: number, fn: (signal: AbortSignal) => Promise<T> | T): () => Promise<T> {
  return async () => {
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const err = new TimeoutError(`test did not finish within ${ms} ms`)
        controller.abort(err)
        reject(err)
      }, ms)
    })
    try {
      return await Promise.race([Promise.resolve().then(() => fn(controller.signal)), timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}
