/**
 * Bencoding of outbound data through the `bencode` package, after a check that every value is
 * one bencode can represent: Uint8Array, string (sent as UTF-8), safe integer, array, plain
 * object (keys sorted by the encoder; `undefined`/`null` fields are left out). Anything else —
 * a float, a boolean, a bigint, `null` in a list, a cycle — throws KrpcEncodeError (ERR_KRPC_ENCODE)
 * instead of silently producing corrupt bytes. Inbound data goes through `bdecode`, never here.
 */
import codec from 'bencode'
import { KrpcEncodeError } from './errors.js'

/** Bencodes `value`; throws KrpcEncodeError for a value bencode cannot represent. */
export function bencode (value: unknown): Uint8Array {
  check(value, 0, '')
  return codec.encode(value)
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
