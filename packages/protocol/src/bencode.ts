/**
 * Bencoding of outbound data, after a check that every value is one bencode can represent:
 * Uint8Array, string (sent as UTF-8), safe integer, array, plain object (keys in `sort()` order;
 * `undefined`/`null` fields are left out). Anything else — a float, a boolean, a bigint, `null` in
 * a list, a cycle — throws KrpcEncodeError (ERR_KRPC_ENCODE) instead of silently producing corrupt
 * bytes. The bytes are the `bencode` package's, byte for byte (the tests compare them), written in
 * one pass into one reused buffer (every datagram sent is encoded here). Inbound data goes through
 * `bdecode`, never here.
 */
import { KrpcEncodeError } from './errors.js'

/** Bencodes `value`; throws KrpcEncodeError for a value bencode cannot represent. */
export function bencode (value: unknown): Uint8Array {
  check(value, 0, '')
  // A getter that bencodes while we write (never in this tree) gets a writer of its own.
  const w = writing ? new Writer(256) : shared
  writing = true
  try {
    w.pos = 0
    w.value(value)
    return w.buf.slice(0, w.pos)
  } finally {
    if (w === shared) writing = false
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** Deep enough for any real message; deeper means a cycle or a bug. */
const MAX_ENCODE_DEPTH = 32

function check (value: unknown, depth: number, key: string): void {
  if (value instanceof Uint8Array || typeof value === 'string') return
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new KrpcEncodeError(`cannot bencode ${String(value)} at ${key || 'top'}: not a safe integer`)
    return
  }
  if (depth >= MAX_ENCODE_DEPTH) throw new KrpcEncodeError(`cannot bencode at ${key}: nested deeper than ${MAX_ENCODE_DEPTH} (a cycle?)`)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (item === undefined || item === null) throw new KrpcEncodeError(`cannot bencode ${String(item)} in the list at ${key || 'top'}`)
      check(item, depth + 1, key)
    }
    return
  }
  if (isPlainObject(value)) {
    for (const k in value) {
      const item = value[k]
      if (item !== undefined && item !== null) check(item, depth + 1, k)
    }
    return
  }
  throw new KrpcEncodeError(`cannot bencode a ${value === null ? 'null' : typeof value} at ${key || 'top'}`)
}

function isPlainObject (x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false
  const proto = Object.getPrototypeOf(x) as unknown
  return proto === Object.prototype || proto === null
}

/** Writes bencode into a buffer that grows as needed. Values are checked (see `check`) before. */
class Writer {
  buf: Uint8Array
  pos = 0
  constructor (size: number) {
    this.buf = new Uint8Array(size)
  }

  value (v: unknown): void {
    if (v instanceof Uint8Array) {
      this.length(v.length)
      this.room(v.length)
      this.buf.set(v, this.pos)
      this.pos += v.length
    } else if (typeof v === 'string') {
      this.string(v)
    } else if (typeof v === 'number') {
      this.byte(0x69) // i
      this.ascii(String(v))
      this.byte(0x65) // e
    } else if (Array.isArray(v)) {
      this.byte(0x6c) // l
      for (let i = 0; i < v.length; i++) if (v[i] !== undefined && v[i] !== null) this.value(v[i])
      this.byte(0x65)
    } else {
      const dict = v as Record<string, unknown>
      const keys = Object.keys(dict).sort()
      this.byte(0x64) // d
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!
        const item = dict[k]
        if (item === undefined || item === null) continue
        this.string(k)
        this.value(item)
      }
      this.byte(0x65)
    }
  }

  /** `<UTF-8 length>:` and the UTF-8 bytes (ASCII written directly). */
  string (s: string): void {
    const n = s.length
    let ascii = true
    for (let i = 0; i < n; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false
        break
      }
    }
    if (ascii) {
      this.length(n)
      this.ascii(s)
      return
    }
    const bytes = utf8.encode(s)
    this.length(bytes.length)
    this.room(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }

  /** `<n>:` */
  length (n: number): void {
    this.ascii(String(n))
    this.byte(0x3a)
  }

  ascii (s: string): void {
    this.room(s.length)
    const buf = this.buf
    let o = this.pos
    for (let i = 0; i < s.length; i++) buf[o++] = s.charCodeAt(i)
    this.pos = o
  }

  byte (b: number): void {
    this.room(1)
    this.buf[this.pos++] = b
  }

  room (n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const grown = new Uint8Array(size)
    grown.set(this.buf.subarray(0, this.pos))
    this.buf = grown
  }
}

const utf8 = new TextEncoder()
const shared = new Writer(4096)
let writing = false
