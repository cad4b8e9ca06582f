/** Checks of what users hand to `gossip.publish`. */
import { MAX_NOTE_BYTES, MAX_TOPIC_BYTES } from '@peerconnect/protocol'
import { BadNoteError } from './errors.js'

/** Undefined for a good note; else the BadNoteError (ERR_BAD_NOTE) saying what is wrong. */
export function noteError (topic: string, data: Uint8Array): BadNoteError | undefined {
  const bytes = encoder.encode(topic).length
  if (bytes === 0) return new BadNoteError('note topic is empty')
  if (bytes > MAX_TOPIC_BYTES) return new BadNoteError(`note topic is ${bytes} bytes of UTF-8; at most ${MAX_TOPIC_BYTES}`)
  if (LONE_SURROGATE.test(topic)) return new BadNoteError('note topic is not well-formed Unicode text')
  if (data.length > MAX_NOTE_BYTES) return new BadNoteError(`note payload is ${data.length} bytes; at most ${MAX_NOTE_BYTES}`)
  return undefined
}

const encoder = new TextEncoder()
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
