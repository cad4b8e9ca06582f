/**
 * Sending batches across a thread: the one envelope codec of this thread (the protocol's
 * msgpack envelope), and an encode that survives a message msgpack cannot carry (it is dropped
 * and logged; the rest of the batch still goes).
 */
import { createEnvelopeCodec } from '@peerconnect/protocol'
import type { EnvelopeCodec, Message } from '@peerconnect/protocol'
import type { Logger } from './contract.js'

let shared: EnvelopeCodec | undefined

/** This thread's codec (one reusable Encoder per thread). */
export function threadCodec (): EnvelopeCodec {
  shared ??= createEnvelopeCodec()
  return shared
}

/** Encodes `msgs` as one batch; undefined when none of them could be encoded. */
export function encodeBatch (msgs: readonly Message[], log: Logger): Uint8Array<ArrayBuffer> | undefined {
  const codec = threadCodec()
  try {
    return codec.encode(msgs)
  } catch {
    const ok = msgs.filter(m => {
      try {
        codec.encode([m])
        return true
      } catch (err) {
        log.error('message dropped: it cannot be encoded', { type: m.type, error: err })
        return false
      }
    })
    return ok.length === 0 ? undefined : codec.encode(ok)
  }
}
