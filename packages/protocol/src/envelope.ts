/**
 * The msgpack envelope in which actor messages cross threads (docs/ARCHITECTURE.md, Hosts and threads): a batch is an array of
 * messages. One codec holds ONE reusable Encoder and Decoder. `encode` returns a right-sized copy,
 * so its `.buffer` is exactly its own and can be transferred with postMessage. `decode` never
 * throws: garbage, or an element that is not a Message, gives undefined.
 *
 * Uint8Array fields survive as Uint8Array. By default they are decoded as copies, not views of
 * the batch, so a 20-byte id kept in a table does not keep a whole batch buffer alive.
 * `undefined` fields are left out (`ignoreUndefined`); `undefined` in an array becomes null.
 */
import { Decoder, Encoder } from '@msgpack/msgpack'
import { isMessage } from './message.js'
import type { Message } from './message.js'

export interface EnvelopeCodec {
  /**
   * One batch as msgpack bytes whose buffer is exactly its own (transferable). Throws on values msgpack cannot encode
   * (bigint, functions).
   */
  encode(msgs: readonly Message[]): Uint8Array<ArrayBuffer>
  /** The batch in `buf`, or undefined when it is not an array of messages. Never throws. */
  decode(buf: Uint8Array | ArrayBuffer): Message[] | undefined
}

export interface EnvelopeOptions {
  /** Decode byte fields as copies (default true) rather than views of the batch buffer. */
  readonly copyBytes?: boolean
}

export function createEnvelopeCodec (opts: EnvelopeOptions = {}): EnvelopeCodec {
  const encoder = new Encoder({ ignoreUndefined: true })
  const decoder = new Decoder()
  const copyBytes = opts.copyBytes ?? true
  return {
    encode (msgs) {
      const out = encoder.encode(msgs)
      return out.byteOffset === 0 && out.buffer.byteLength === out.byteLength ? out : out.slice()
    },
    decode (buf) {
      let batch: unknown
      try {
        batch = decoder.decode(buf)
      } catch {
        return undefined
      }
      if (!Array.isArray(batch)) return undefined
      for (let i = 0; i < batch.length; i++) if (!isMessage(batch[i])) return undefined
      if (copyBytes) { for (let i = 0; i < batch.length; i++) detachBytes(batch[i]) }
      return batch as Message[]
    }
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/**
 * Replaces, in place, every Uint8Array inside the decoded `root` with a copy. Iterative: a
 * hostile batch may nest deeper than the call stack. Containers are fresh from the decoder.
 */
function detachBytes (root: unknown): void {
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    if (typeof value !== 'object' || value === null || value instanceof Uint8Array) continue
    const obj = value as Record<string, unknown>
    for (const key in obj) {
      const item = obj[key]
      if (item instanceof Uint8Array) obj[key] = item.slice()
      else if (typeof item === 'object' && item !== null) stack.push(item)
    }
  }
}
