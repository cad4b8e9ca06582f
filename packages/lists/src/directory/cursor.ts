/**
 * The directory cursor: opaque to the asker, plain data inside — the list index and the id of
 * the last peer returned from it (keyset pagination), base64url-encoded. It holds no state of
 * this node, so it survives a restart of the asker (and of this node). Decoding checks every
 * byte and never throws.
 */
import { ID_LENGTH, isListIndex } from '@peerconnect/protocol'
import type { ErrorData, NodeId } from '@peerconnect/protocol'
import { BadCursorError } from '../errors.js'

/** Where the next page starts: in list `list`, after the peer with id `after` (null: from its first peer). */
export interface DirectoryCursor {
  readonly list: number
  readonly after: NodeId | null
}

export type CursorResult = { ok: true, cursor: DirectoryCursor } | { ok: false, error: ErrorData }

/** The cursor as a short base64url string. */
export function encodeCursor (c: DirectoryCursor): string {
  const bytes = new Uint8Array(2 + (c.after === null ? 0 : ID_LENGTH))
  bytes[0] = VERSION
  bytes[1] = c.list
  if (c.after !== null) bytes.set(c.after, 2)
  return Buffer.from(bytes).toString('base64url')
}

/** The cursor in `s`, or ERR_BAD_CURSOR for anything `encodeCursor` did not make. */
export function decodeCursor (s: unknown): CursorResult {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_LENGTH || !BASE64URL.test(s)) return bad('cursor is not a directory cursor')
  const bytes = new Uint8Array(Buffer.from(s, 'base64url'))
  if (Buffer.from(bytes).toString('base64url') !== s) return bad('cursor is not canonical base64url')
  if (bytes.length !== 2 && bytes.length !== 2 + ID_LENGTH) return bad('cursor has the wrong length')
  if (bytes[0] !== VERSION) return bad('cursor has an unknown version')
  if (!isListIndex(bytes[1])) return bad('cursor names no list')
  return { ok: true, cursor: { list: bytes[1], after: bytes.length === 2 ? null : bytes.slice(2) } }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const VERSION = 1
const MAX_LENGTH = 64
const BASE64URL = /^[A-Za-z0-9_-]+$/

function bad (why: string): CursorResult {
  const err = new BadCursorError(why)
  return { ok: false, error: { name: err.name, code: err.code, message: err.message } }
}
