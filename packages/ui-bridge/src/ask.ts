/**
 * A promise over `deps.ask`: the last reply of the ask, checked by a guard. The ui-bridge turns
 * HTTP requests into asks, and the server is promise-based.
 */
import type { Message } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import { AbortedError, UnexpectedReplyError } from './errors.js'

export type Ask = ActorDeps['ask']

export interface AskForOptions<T> {
  readonly guard: (x: unknown) => x is T
  readonly timeout: number
  /** Aborting unsubscribes (which cancels the ask) and rejects with ERR_ABORTED. */
  readonly signal?: AbortSignal
}

/**
 * Asks and resolves with the last reply. Rejects with the ask's own error (an error reply,
 * ERR_ASK_TIMEOUT, ERR_NO_CONSUMER …), ERR_UNEXPECTED_REPLY when the last reply fails `guard`
 * or there is none, or ERR_ABORTED.
 */
export function askFor<T> (ask: Ask, msg: Message, opts: AskForOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { signal } = opts
    if (signal?.aborted === true) return reject(new AbortedError(`${msg.type} was given up`))
    let last: Message | undefined
    const onAbort = (): void => {
      sub.unsubscribe()
      reject(new AbortedError(`${msg.type} was given up`))
    }
    const done = (): void => signal?.removeEventListener('abort', onAbort)
    const sub = ask(msg, { timeout: opts.timeout }).subscribe({
      next: m => {
        last = m
      },
      error: (err: unknown) => {
        done()
        reject(err)
      },
      complete: () => {
        done()
        if (opts.guard(last)) resolve(last)
        else reject(new UnexpectedReplyError(`${msg.type} got ${last === undefined ? 'no reply' : `a ${String(last.type)} reply`}`))
      }
    })
    if (!sub.closed) signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The error's `code`, if it has a string one. */
export function errorCode (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
