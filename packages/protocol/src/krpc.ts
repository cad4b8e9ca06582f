/**
 * The KRPC codec (BEP 5 framing, docs/PROTOCOL.md). `decodeKrpc` is strict and bounded and never
 * throws: anything that is not a well-formed query, response or error comes back as
 * `{ ok: false, code: 203, reason }`, with the transaction id when one could be read, so the
 * transport can answer with a 203 error or drop the packet. Inside `a` and `r` byte strings stay
 * Uint8Array; `y`, `q` and error messages become strings. The encoders add our client version `v`.
 */
import { bdecode, isBDict } from './bdecode.js'
import type { BDict } from './bdecode.js'
import { bencode } from './bencode.js'
import { MAX_METHOD_LENGTH, MAX_PACKET, MAX_REPLY_PACKET, MAX_TID_LENGTH } from './constants.js'
import { isNodeId } from './id.js'
import type { NodeId } from './id.js'

export { MAX_PACKET, MAX_REPLY_PACKET } from './constants.js'

export const KRPC_ERROR = { GENERIC: 201, SERVER: 202, PROTOCOL: 203, METHOD_UNKNOWN: 204 } as const

/** Sent as `v` in every message: "PC" and two version bytes (major, minor). */
export const CLIENT_VERSION: Uint8Array = new Uint8Array([0x50, 0x43, 0, 1])

/** `ro`: the querier runs in read-only mode (BEP 43: top-level `ro: 1`): do not add it to a routing table. */
export interface KrpcQuery {
  y: 'q'
  t: Uint8Array
  q: string
  a: { id: NodeId, [k: string]: unknown }
  v?: Uint8Array
  ro?: true
}
/** `ip`: the querier's compact address as the responder saw it (BEP 42), when sent. */
export interface KrpcResponse {
  y: 'r'
  t: Uint8Array
  r: { id: NodeId, [k: string]: unknown }
  v?: Uint8Array
  ip?: Uint8Array
}
export interface KrpcError {
  y: 'e'
  t: Uint8Array
  e: [number, string]
  v?: Uint8Array
  ip?: Uint8Array
}
export type KrpcMessage = KrpcQuery | KrpcResponse | KrpcError

export type KrpcDecodeResult =
  | { ok: true, msg: KrpcMessage }
  /** `t` is present when a transaction id could be read. */
  | { ok: false, code: 203, reason: string, t?: Uint8Array }

/**
 * Decodes one inbound packet. Never throws; rejects packets over MAX_PACKET bytes, or with
 * `reply: true` (the caller expects a reply from that sender) a response or error up to
 * MAX_REPLY_PACKET bytes — a query is never accepted over MAX_PACKET.
 */
export function decodeKrpc (buf: Uint8Array, opts: { reply?: boolean } = {}): KrpcDecodeResult {
  if (!(buf instanceof Uint8Array)) return reject('packet is not bytes')
  const large = buf.length > MAX_PACKET
  if (large && (opts.reply !== true || buf.length > MAX_REPLY_PACKET)) return reject('packet too large')
  const res = bdecode(buf, { maxLength: large ? MAX_REPLY_PACKET : MAX_PACKET })
  if (!res.ok) return reject(res.reason, res.partial === undefined ? undefined : tidOf(res.partial))
  const top = res.value
  if (!isBDict(top)) return reject('top level is not a dict')
  if (top.t === undefined) return reject('t missing')
  const t = tidOf(top)
  if (t === undefined) return reject(top.t instanceof Uint8Array ? 't length not 1..16' : 't is not a byte string')
  const extra = extrasOf(top)
  if (typeof extra === 'string') return reject(extra, t)
  const y = top.y
  if (y === undefined) return reject('y missing', t)
  if (!(y instanceof Uint8Array) || y.length !== 1) return reject('y is not q, r or e', t)
  const parse = BY_KIND[String.fromCharCode(y[0]!)]
  if (parse === undefined) return reject('y is not q, r or e', t)
  if (large && y[0] === Y_QUERY) return reject('packet too large')
  const msg = parse(top, t)
  if (typeof msg === 'string') return reject(msg, t)
  if (extra.v !== undefined) msg.v = extra.v
  if (extra.ip !== undefined && msg.y !== 'q') msg.ip = extra.ip
  if (msg.y === 'q' && top.ro === 1) msg.ro = true // BEP 43; any other value is ignored
  return { ok: true, msg }
}

/**
 * A query `{t, y:'q', q, a, v}`; `a` should hold our `id`. `ro`: we run in read-only mode (BEP 43:
 * `ro: 1` at the top level). Throws KrpcEncodeError for unencodable values.
 */
export function encodeQuery (t: Uint8Array, q: string, a: Record<string, unknown>, opts: { ro?: boolean } = {}): Uint8Array {
  return bencode({ t, y: 'q', q, a, v: CLIENT_VERSION, ro: opts.ro === true ? 1 : undefined })
}

/** A response `{t, y:'r', r, v}`; `r` should hold our `id`. `ip`: the querier's compact address (BEP 42). */
export function encodeResponse (t: Uint8Array, r: Record<string, unknown>, opts: { ip?: Uint8Array } = {}): Uint8Array {
  return bencode({ t, y: 'r', r, v: CLIENT_VERSION, ip: opts.ip })
}

/** An error `{t, y:'e', e:[code, message], v}`. */
export function encodeError (t: Uint8Array, code: number, message: string): Uint8Array {
  return bencode({ t, y: 'e', e: [code, message], v: CLIENT_VERSION })
}

/** Encodes a whole message as given (its own `v` and `ip`, if any). */
export function encodeKrpc (msg: KrpcMessage): Uint8Array {
  return bencode(msg)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

type Parse = (top: BDict, t: Uint8Array) => KrpcMessage | string

const utf8 = new TextDecoder()

/** `q`, the `y` of a query. */
const Y_QUERY = 0x71

const BY_KIND: Readonly<Record<string, Parse>> = { q: parseQuery, r: parseResponse, e: parseError }

function reject (reason: string, t?: Uint8Array): KrpcDecodeResult {
  return t === undefined ? { ok: false, code: 203, reason } : { ok: false, code: 203, reason, t }
}

function tidOf (top: BDict): Uint8Array | undefined {
  const t = top.t
  return t instanceof Uint8Array && t.length >= 1 && t.length <= MAX_TID_LENGTH ? t : undefined
}

/** The optional top-level keys `v` and `ip`, or the reason they are malformed. */
function extrasOf (top: BDict): { v?: Uint8Array, ip?: Uint8Array } | string {
  const extra: { v?: Uint8Array, ip?: Uint8Array } = {}
  if (top.v !== undefined) {
    if (!(top.v instanceof Uint8Array)) return 'v is not a byte string'
    extra.v = top.v
  }
  if (top.ip !== undefined) {
    if (!(top.ip instanceof Uint8Array)) return 'ip is not a byte string'
    extra.ip = top.ip
  }
  return extra
}

function parseQuery (top: BDict, t: Uint8Array): KrpcQuery | string {
  const q = top.q
  if (q === undefined) return 'q missing'
  if (!isMethodName(q)) return 'q is not a method name'
  const a = top.a
  if (a === undefined) return 'a missing'
  if (!isBDict(a)) return 'a is not a dict'
  if (!isNodeId(a.id)) return 'id not 20 bytes'
  return { y: 'q', t, q: String.fromCharCode(...q), a: a as KrpcQuery['a'] }
}

function parseResponse (top: BDict, t: Uint8Array): KrpcResponse | string {
  const r = top.r
  if (r === undefined) return 'r missing'
  if (!isBDict(r)) return 'r is not a dict'
  if (!isNodeId(r.id)) return 'id not 20 bytes'
  return { y: 'r', t, r: r as KrpcResponse['r'] }
}

function parseError (top: BDict, t: Uint8Array): KrpcError | string {
  const e = top.e
  if (e === undefined) return 'e missing'
  if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'number' || !(e[1] instanceof Uint8Array)) return 'e is not [int, bytes]'
  return { y: 'e', t, e: [e[0], utf8.decode(e[1])] }
}

/** 1..64 bytes of visible ASCII. */
function isMethodName (q: unknown): q is Uint8Array {
  if (!(q instanceof Uint8Array) || q.length === 0 || q.length > MAX_METHOD_LENGTH) return false
  for (let i = 0; i < q.length; i++) if (q[i]! < 0x21 || q[i]! > 0x7e) return false
  return true
}
