/**
 * Polls `check` every `interval` ms until it returns a truthy value, and returns it.
 * Rejects after `timeout` ms with the last value seen, so a test never hangs.
 */
export async function waitFor<T> (check: () => T | Promise<T>,
  opts: { timeout?: number, interval?: number, what?: string } = {}): Promise<NonNullable<T>> {
  const timeout = opts.timeout ?? 5000
  const interval = opts.interval ?? 20
  const deadline = Date.now() + timeout
  let last: T | undefined
  for (;;) {
    last = await check()
    if (last) return last
    if (Date.now() > deadline) {
      throw Object.assign(new Error(`waitFor(${opts.what ?? 'condition'}) timed out after ${timeout} ms; last value: ${String(last)}`), {
        code: 'ERR_WAIT_TIMEOUT'
      })
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}
