import { CLIENT_VERSION, encodeError, encodeKrpc } from '@peerconnect/protocol'
import type { NodeId, Obj } from '@peerconnect/protocol'

/**
 * The bytes of `encodeResponse(t, { ...r, id })`, written in one pass into one buffer, for the
 * common reply shape: an `r` whose values are all byte strings, strings or safe integers (ping,
 * find_node, …). Returns undefined for any other `r` (a list, a dict, a float, a boolean …): the
 * caller then uses `encodeResponse`, which checks and encodes everything (and throws for what
 * bencode cannot carry). `null`/`undefined` values are left out, as bencode does. With `ip` (the
 * querier's compact address, BEP 42) the top-level `ip` key is written too — unless the reply would
 * then be larger than `budget`: `encodeResponse(t, {...r, id}, {ip})` or without it, byte for byte.
 */
export function encodeFlatResponse (t: Uint8Array, r: Obj, id: NodeId, opts: { ip?: Uint8Array, budget?: number } = {}): Uint8Array
  | undefined {
  const keys = Object.keys(r)
  if (!Object.hasOwn(r, 'id')) keys.push('id')
  keys.sort()
  let body = 0
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    const v = k === 'id' ? id : r[k]
    if (v === undefined || v === null) continue
    const n = valueBytes(v)
    if (n < 0) return undefined
    body += stringBytes(Buffer.byteLength(k)) + n
  }
  const base = HEAD.length + body + MIDDLE.length + stringBytes(t.length) + VERSION_KEY.length + stringBytes(CLIENT_VERSION.length) +
    TAIL.length
  const ipEntry = opts.ip === undefined ? 0 : IP_KEY.length + stringBytes(opts.ip.length)
  const ip = ipEntry > 0 && (opts.budget === undefined || base + ipEntry <= opts.budget) ? opts.ip : undefined
  const out = Buffer.allocUnsafe(ip === undefined ? base : base + ipEntry)
  let o = 0
  out[o++] = 0x64 // 'd'
  if (ip !== undefined) {
    out.set(IP_KEY, o)
    o = writeBytes(out, o + IP_KEY.length, ip)
  }
  out.set(HEAD_R, o)
  o += HEAD_R.length
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    const v = k === 'id' ? id : r[k]
    if (v === undefined || v === null) continue
    o = writeString(out, o, k)
    o = writeValue(out, o, v)
  }
  out.set(MIDDLE, o)
  o = writeBytes(out, o + MIDDLE.length, t)
  out.set(VERSION_KEY, o)
  o = writeBytes(out, o + VERSION_KEY.length, CLIENT_VERSION)
  out.set(TAIL, o)
  return out
}

/**
 * A KRPC error of at most `limit` bytes: the reason (at most 64 bytes) cut to fit, then without `v`; undefined when
 * even that is too large.
 */
export function boundedError (t: Uint8Array, code: number, message: string, limit: number): Uint8Array | undefined {
  const reason = message.slice(0, 64)
  const full = encodeError(t, code, reason)
  if (full.length <= limit) return full
  const room = Buffer.byteLength(reason) - (full.length - limit)
  if (room >= 1) {
    const cut = Buffer.from(reason).subarray(0, room).toString('utf8').replace(/\uFFFD$/, '')
    const out = encodeError(t, code, cut)
    if (out.length <= limit) return out
  }
  const bare = encodeKrpc({ t, y: 'e', e: [code, ''] })
  return bare.length <= limit ? bare : undefined
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** `d` [`2:ip` <ip>] `1:rd` … `e1:t` <t> `1:v` <v> `1:y1:re` around the sorted `r` entries. */
const HEAD = Buffer.from('d1:rd')
const HEAD_R = Buffer.from('1:rd')
const IP_KEY = Buffer.from('2:ip')
const MIDDLE = Buffer.from('e1:t')
const VERSION_KEY = Buffer.from('1:v')
const TAIL = Buffer.from('1:y1:re')

/** Encoded size of a value of the flat shape, or -1 if it is not one. */
function valueBytes (v: unknown): number {
  if (v instanceof Uint8Array) return stringBytes(v.length)
  if (typeof v === 'string') return stringBytes(Buffer.byteLength(v))
  if (typeof v === 'number' && Number.isSafeInteger(v)) return 2 + String(v).length
  return -1
}

/** `<n>:` followed by n bytes. */
function stringBytes (n: number): number {
  return String(n).length + 1 + n
}

function writeValue (out: Buffer, o: number, v: unknown): number {
  if (v instanceof Uint8Array) return writeBytes(out, o, v)
  if (typeof v === 'string') return writeString(out, o, v)
  return o + out.write(`i${String(v)}e`, o, 'latin1')
}

function writeBytes (out: Buffer, o: number, bytes: Uint8Array): number {
  o += out.write(`${bytes.length}:`, o, 'latin1')
  out.set(bytes, o)
  return o + bytes.length
}

function writeString (out: Buffer, o: number, s: string): number {
  o += out.write(`${Buffer.byteLength(s)}:`, o, 'latin1')
  return o + out.write(s, o, 'utf8')
}
