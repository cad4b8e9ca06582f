/**
 * The msgpack envelope for batches of messages crossing threads. Same shape as the protocol
 * package's `createEnvelopeCodec()`: one reusable Encoder; `encode` returns a right-sized copy
 * whose buffer the caller transfers; `decode` never throws (undefined for anything that is not
 * an array of messages).
 */
import { Encoder, Decoder } from '@msgpack/msgpack'
import { isMessage } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'

export interface EnvelopeCodec {
  encode (msgs: readonly Message[]): Uint8Array<ArrayBuffer>
  decode (buf: Uint8Array | ArrayBuffer): Message[] | undefined
}

export function createEnvelopeCodec (): EnvelopeCodec {
  const encoder = new Encoder({ ignoreUndefined: true })
  const decoder = new Decoder()
  return {
    encode: (msgs) => encoder.encodeSharedRef(msgs).slice(),
    decode (buf) {
      let out: unknown
      try { out = decoder.decode(buf) } catch { return undefined }
      if (!Array.isArray(out)) return undefined
      for (let i = 0; i < out.length; i++) if (!isMessage(out[i])) return undefined
      return out as Message[]
    }
  }
}
