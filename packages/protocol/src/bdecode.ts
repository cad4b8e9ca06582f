/**
 * A strict, bounded bencode decoder for untrusted input. Unlike a general-purpose decoder it
 * never throws, caps nesting depth, value count and input length, and rejects everything BEP 3
 * does not allow: leading zeros, `-0`, empty integers, length prefixes longer than the input,
 * non-string keys, duplicate keys and trailing bytes. Byte strings decode to fresh Uint8Array
 * copies (never views of the input); dict keys decode as UTF-8 strings (a key that is not valid
 * UTF-8 is rejected, so every accepted key re-encodes to the same bytes).
 */
import { BDECODE_MAX_DEPTH, BDECODE_MAX_ITEMS, BDECODE_MAX_LENGTH } from './constants.js'

export type BValue = Uint8Array | number | BValue[] | BDict
export interface BDict {
  [key: string]: BValue
}

export interface BdecodeOptions {
  /** Deepest nesting of lists/dicts (the outermost container is 1). Default BDECODE_MAX_DEPTH. */
  readonly maxDepth?: number
  /** Most values in the whole input. Default BDECODE_MAX_ITEMS. */
  readonly maxItems?: number
  /** Longest input. Default BDECODE_MAX_LENGTH. */
  readonly maxLength?: number
}

/** Why an input was rejected: stable strings, safe to compare. */
export const BDECODE_REASON = {
  EMPTY: 'empty input',
  TOO_LONG: 'input too long',
  TRUNCATED: 'truncated input',
  TRAILING: 'trailing bytes',
  UNEXPECTED: 'unexpected byte',
  BAD_INTEGER: 'malformed integer',
  INTEGER_RANGE: 'integer out of range',
  BAD_LENGTH: 'malformed length prefix',
  LENGTH_OVERRUN: 'length prefix exceeds input',
  TOO_DEEP: 'nesting too deep',
  TOO_MANY: 'too many values',
  BAD_KEY: 'dict key is not a UTF-8 byte string',
  DUPLICATE_KEY: 'duplicate dict key',
  FORBIDDEN_KEY: 'forbidden dict key'
} as const

export type BdecodeReason = typeof BDECODE_REASON[keyof typeof BDECODE_REASON]

export type BdecodeResult =
  | { ok: true, value: BValue }
  /** `partial`: the top-level dict's entries read before the failure, when the input is a dict. */
  | { ok: false, reason: BdecodeReason, offset: number, partial?: BDict }

/** Decodes one bencoded value that must span all of `input`. Never throws. */
export function bdecode (input: Uint8Array, opts: BdecodeOptions = {}): BdecodeResult {
  const st: State = {
    bytes: new Uint8Array(input.buffer, input.byteOffset, input.byteLength),
    pos: 0,
    items: 0,
    maxDepth: opts.maxDepth ?? BDECODE_MAX_DEPTH,
    maxItems: opts.maxItems ?? BDECODE_MAX_ITEMS,
    reason: BDECODE_REASON.UNEXPECTED,
    top: undefined
  }
  if (st.bytes.length === 0) return { ok: false, reason: BDECODE_REASON.EMPTY, offset: 0 }
  if (st.bytes.length > (opts.maxLength ?? BDECODE_MAX_LENGTH)) return { ok: false, reason: BDECODE_REASON.TOO_LONG, offset: 0 }
  const value = readValue(st, 0)
  if (value === FAIL) return failure(st)
  if (st.pos !== st.bytes.length) {
    st.reason = BDECODE_REASON.TRAILING
    return failure(st)
  }
  return { ok: true, value }
}

/** True for a decoded dict (not a list, not bytes). */
export function isBDict (x: unknown): x is BDict {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const FAIL = Symbol('bdecode.fail')
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
type Fail = typeof FAIL

interface State {
  readonly bytes: Uint8Array
  pos: number
  items: number
  readonly maxDepth: number
  readonly maxItems: number
  reason: BdecodeReason
  top: BDict | undefined
}

const CH_0 = 0x30
const CH_9 = 0x39
const CH_COLON = 0x3a
const CH_MINUS = 0x2d
const CH_D = 0x64
const CH_E = 0x65
const CH_I = 0x69
const CH_L = 0x6c
/** 2^53 - 1 has 16 digits: a longer integer or length cannot be exact. */
const MAX_DIGITS = 16

function failure (st: State): BdecodeResult {
  return st.top === undefined
    ? { ok: false, reason: st.reason, offset: st.pos }
    : { ok: false, reason: st.reason, offset: st.pos, partial: st.top }
}

function fail (st: State, reason: BdecodeReason): Fail {
  st.reason = reason
  return FAIL
}

function readValue (st: State, depth: number): BValue | Fail {
  if (st.pos >= st.bytes.length) return fail(st, BDECODE_REASON.TRUNCATED)
  if (++st.items > st.maxItems) return fail(st, BDECODE_REASON.TOO_MANY)
  const c = st.bytes[st.pos]!
  if (c >= CH_0 && c <= CH_9) return readBytes(st)
  if (c === CH_I) return readInteger(st)
  if (c === CH_L || c === CH_D) {
    if (depth + 1 > st.maxDepth) return fail(st, BDECODE_REASON.TOO_DEEP)
    return c === CH_L ? readList(st, depth + 1) : readDict(st, depth + 1)
  }
  return fail(st, BDECODE_REASON.UNEXPECTED)
}

function readInteger (st: State): number | Fail {
  const { bytes } = st
  let pos = st.pos + 1
  let negative = false
  if (bytes[pos] === CH_MINUS) {
    negative = true
    pos++
  }
  const start = pos
  let n = 0
  while (pos < bytes.length) {
    const c = bytes[pos]!
    if (c === CH_E) break
    if (c < CH_0 || c > CH_9) {
      st.pos = pos
      return fail(st, BDECODE_REASON.BAD_INTEGER)
    }
    if (pos - start >= MAX_DIGITS) {
      st.pos = pos
      return fail(st, BDECODE_REASON.INTEGER_RANGE)
    }
    n = n * 10 + (c - CH_0)
    pos++
  }
  st.pos = pos
  if (pos >= bytes.length) return fail(st, BDECODE_REASON.TRUNCATED)
  const digits = pos - start
  if (digits === 0) return fail(st, BDECODE_REASON.BAD_INTEGER)
  if (digits > 1 && bytes[start] === CH_0) return fail(st, BDECODE_REASON.BAD_INTEGER)
  if (negative && n === 0) return fail(st, BDECODE_REASON.BAD_INTEGER)
  if (n > Number.MAX_SAFE_INTEGER) return fail(st, BDECODE_REASON.INTEGER_RANGE)
  st.pos = pos + 1
  return negative ? -n : n
}

/** Reads `<len>:<bytes>` and returns the bytes' [start, end) in the input. */
function readSpan (st: State): number | Fail {
  const { bytes } = st
  const start = st.pos
  let pos = start
  let len = 0
  while (pos < bytes.length && bytes[pos] !== CH_COLON) {
    const c = bytes[pos]!
    if (c < CH_0 || c > CH_9 || pos - start >= MAX_DIGITS) {
      st.pos = pos
      return fail(st, BDECODE_REASON.BAD_LENGTH)
    }
    len = len * 10 + (c - CH_0)
    pos++
  }
  st.pos = pos
  if (pos >= bytes.length) return fail(st, BDECODE_REASON.TRUNCATED)
  if (pos === start || (pos - start > 1 && bytes[start] === CH_0)) return fail(st, BDECODE_REASON.BAD_LENGTH)
  pos++
  if (len > bytes.length - pos) return fail(st, BDECODE_REASON.LENGTH_OVERRUN)
  st.pos = pos + len
  return pos
}

function readBytes (st: State): Uint8Array | Fail {
  const from = readSpan(st)
  if (from === FAIL) return FAIL
  return st.bytes.slice(from, st.pos)
}

function readKey (st: State): string | Fail {
  const c = st.bytes[st.pos]!
  if (c < CH_0 || c > CH_9) return fail(st, BDECODE_REASON.BAD_KEY)
  const from = readSpan(st)
  if (from === FAIL) return FAIL
  let key = ''
  for (let i = from; i < st.pos; i++) {
    const b = st.bytes[i]!
    if (b >= 0x80) return utf8Key(st, from)
    key += String.fromCharCode(b)
  }
  return key
}

function utf8Key (st: State, from: number): string | Fail {
  try {
    return strictUtf8.decode(st.bytes.subarray(from, st.pos))
  } catch {
    st.pos = from
    return fail(st, BDECODE_REASON.BAD_KEY)
  }
}

function readList (st: State, depth: number): BValue[] | Fail {
  const list: BValue[] = []
  st.pos++
  for (;;) {
    if (st.pos >= st.bytes.length) return fail(st, BDECODE_REASON.TRUNCATED)
    if (st.bytes[st.pos] === CH_E) {
      st.pos++
      return list
    }
    const value = readValue(st, depth)
    if (value === FAIL) return FAIL
    list.push(value)
  }
}

function readDict (st: State, depth: number): BDict | Fail {
  const dict: BDict = {}
  if (depth === 1) st.top = dict
  st.pos++
  for (;;) {
    if (st.pos >= st.bytes.length) return fail(st, BDECODE_REASON.TRUNCATED)
    if (st.bytes[st.pos] === CH_E) {
      st.pos++
      return dict
    }
    const keyAt = st.pos
    const key = readKey(st)
    if (key === FAIL) return FAIL
    if (key === '__proto__') {
      st.pos = keyAt
      return fail(st, BDECODE_REASON.FORBIDDEN_KEY)
    }
    if (Object.hasOwn(dict, key)) {
      st.pos = keyAt
      return fail(st, BDECODE_REASON.DUPLICATE_KEY)
    }
    const value = readValue(st, depth)
    if (value === FAIL) return FAIL
    dict[key] = value
  }
}
