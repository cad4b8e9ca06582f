/**
 * Collects the messages pushed during one turn of the event loop and hands them to `flush` as
 * one array on `setImmediate`, so a burst crosses a thread as one envelope. A batch that reaches
 * `max` messages goes at once (the receiving thread can start on it, and no envelope grows
 * without bound).
 */
import type { Message } from '@peerconnect/protocol'
import { withGetters } from './getters.js'

export interface Batcher {
  push(msg: Message): void
  /** Flushes now (used before a stop handshake). */
  flush(): void
  /** Drops what is queued and cancels the scheduled flush. */
  clear(): void
  readonly size: number
}

export function createBatcher (flush: (msgs: Message[]) => void, opts: { max?: number } = {}): Batcher {
  const max = opts.max ?? Number.POSITIVE_INFINITY
  let queue: Message[] = []
  let immediate: NodeJS.Immediate | undefined
  const run = (): void => {
    immediate = undefined
    if (queue.length === 0) return
    const batch = queue
    queue = []
    flush(batch)
  }
  const api: Omit<Batcher, 'size'> = {
    push (msg) {
      if (queue.push(msg) >= max) {
        const batch = queue
        queue = []
        flush(batch)
      } else if (immediate === undefined) {
        immediate = setImmediate(run)
      }
    },
    flush () {
      if (immediate !== undefined) clearImmediate(immediate)
      run()
    },
    clear () {
      if (immediate !== undefined) clearImmediate(immediate)
      immediate = undefined
      queue = []
    }
  }
  return withGetters(api, { size: () => queue.length })
}
