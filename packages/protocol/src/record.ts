/**
 * Signed peer records: `{id, k, n, a, a2?, ro?, s, sig}` where `sig` is the ed25519 signature of the
 * bencoded `{a, a2?, k, n, ro?, s}` (n as UTF-8 bytes) and `id` is SHA-1(k). Nobody can forge or
 * replace another peer's record: a holder keeps the newest sequence it has verified.
 *
 * `a2` is a dual-stack node's address of the other family (an IPv6 address when `a` is IPv4, and
 * the other way round), so that a peer with only one family can reach it. A record without it
 * signs exactly the bytes records signed before it existed: old records stay valid.
 *
 * `ro: 1` says the peer runs in read-only mode (BEP 43): it found it cannot be reached from
 * outside (behind a NAT), so it is in no routing table; it is reached only through the
 * directory. Added the way `a2` was: a record without it signs the bytes it always did.
 *
 * `verifyRecord` never throws; its rejections carry distinct codes (see errors.ts).
 * On the wire (inside KRPC messages) the name travels as bytes: `recordToWire` / `recordFromWire`.
 */
import { bencode } from './bencode.js'
import { decodeAddress, encodeAddress } from './compact.js'
import { ID_LENGTH, idsEqual } from './id.js'
import type { NodeId } from './id.js'
import { idFromPublicKey, signBytes, verifySignature } from './identity.js'
import type { Identity } from './identity.js'
import { BadAddressError, BadSignatureError, IdMismatchError, NameTooLongError, RecordMalformedError,
  StaleSequenceError } from './errors.js'
import type { ErrorData } from './message.js'
import { MAX_NAME_BYTES, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './constants.js'

export interface PeerRecord {
  readonly id: NodeId
  /** The raw 32-byte ed25519 public key. */
  readonly k: Uint8Array
  /** The peer's name, at most 64 bytes of UTF-8. */
  readonly n: string
  /** Compact address: 6 bytes (IPv4) or 18 (IPv6), port last. */
  readonly a: Uint8Array
  /** Optional second compact address, of the other family than `a`. */
  readonly a2?: Uint8Array
  /** 1: the peer runs in read-only mode (behind a NAT, not reachable from outside); absent otherwise. */
  readonly ro?: 1
  /** Sequence number, a non-negative safe integer; a newer record has a larger one. */
  readonly s: number
  readonly sig: Uint8Array
}

/** A record as it travels inside KRPC messages: the name as UTF-8 bytes. */
export interface WireRecord {
  readonly id: NodeId
  readonly k: Uint8Array
  readonly n: Uint8Array
  readonly a: Uint8Array
  readonly a2?: Uint8Array
  readonly ro?: 1
  readonly s: number
  readonly sig: Uint8Array
}

export type VerifyResult = { ok: true, record: PeerRecord } | { ok: false, error: ErrorData }

export interface VerifyOptions {
  /** The sequence held for this id: an older record is stale. */
  readonly heldSeq?: number
  /** The record held for this id: an older one is stale, and so is a different one with the same sequence. */
  readonly held?: PeerRecord
}

/**
 * Creates and signs `identity`'s record. Throws NameTooLongError (ERR_NAME_TOO_LONG),
 * BadAddressError (ERR_BAD_ADDRESS) or RecordMalformedError (bad name text or sequence).
 */
export function createRecord (identity: Identity,
  opts: { name: string, host: string, port: number, seq: number, also?: { host: string, port: number }, readOnly?: boolean }): PeerRecord {
  const nameBytes = utf8Bytes(opts.name)
  if (nameBytes === undefined) throw new RecordMalformedError('peer name is not well-formed Unicode text')
  if (nameBytes.length > MAX_NAME_BYTES) throw new NameTooLongError()
  const a = encodeAddress(opts.host, opts.port)
  if (a === undefined) throw new BadAddressError(`bad peer address ${opts.host}:${opts.port}`)
  if (!isSequence(opts.seq)) throw new RecordMalformedError('sequence must be a non-negative safe integer')
  const a2 = opts.also === undefined ? undefined : encodeAddress(opts.also.host, opts.also.port)
  if (opts.also !== undefined && (a2 === undefined || a2.length === a.length)) {
    throw new BadAddressError(`bad second address ${opts.also.host}:${opts.also.port}: it must be of the other family`)
  }
  const base = a2 === undefined
    ? { id: identity.id, k: identity.publicKey, n: opts.name, a, s: opts.seq }
    : { id: identity.id, k: identity.publicKey, n: opts.name, a, a2, s: opts.seq }
  const unsigned: Omit<PeerRecord, 'sig'> = opts.readOnly === true ? { ...base, ro: 1 } : base
  return { ...unsigned, sig: signBytes(identity, signedBytes(nameBytes, unsigned)) }
}

/** Checks structure, name, address, id, sequence and signature (in that order). Never throws. */
export function verifyRecord (rec: unknown, opts: VerifyOptions = {}): VerifyResult {
  if (!isPeerRecord(rec)) return { ok: false, error: new RecordMalformedError().toData() }
  const nameBytes = utf8Bytes(rec.n)
  if (nameBytes === undefined) return { ok: false, error: new RecordMalformedError('peer name is not well-formed Unicode text').toData() }
  if (nameBytes.length > MAX_NAME_BYTES) return { ok: false, error: new NameTooLongError().toData() }
  if (decodeAddress(rec.a) === undefined) return { ok: false, error: new BadAddressError().toData() }
  if (rec.a2 !== undefined && (decodeAddress(rec.a2) === undefined || rec.a2.length === rec.a.length)) {
    return { ok: false, error: new BadAddressError('the second address is malformed or of the same family').toData() }
  }
  if (!idsEqual(rec.id, idFromPublicKey(rec.k))) return { ok: false, error: new IdMismatchError().toData() }
  const stale = staleness(rec, opts)
  if (stale !== undefined) return { ok: false, error: new StaleSequenceError(stale).toData() }
  if (!verifySignature(rec.k, signedBytes(nameBytes, rec), rec.sig)) return { ok: false, error: new BadSignatureError().toData() }
  return { ok: true, record: rec }
}

/** The bytes `sig` signs: bencoded `{a, a2?, k, n, ro?, s}` with n as UTF-8. Undefined for a name that is not well-formed. */
export function recordSignedBytes (rec: Omit<PeerRecord, 'sig' | 'id'>): Uint8Array | undefined {
  const nameBytes = utf8Bytes(rec.n)
  return nameBytes === undefined ? undefined : signedBytes(nameBytes, rec)
}

/** The dict put inside KRPC messages: `{id, k, n (bytes), a, a2?, ro?, s, sig}`. */
export function recordToWire (rec: PeerRecord): WireRecord {
  return withOptional({ id: rec.id, k: rec.k, n: encoder.encode(rec.n), a: rec.a, s: rec.s, sig: rec.sig }, rec)
}

/** A record from a KRPC dict, by structure only (call verifyRecord for the rest); undefined if malformed. */
export function recordFromWire (x: unknown): PeerRecord | undefined {
  if (typeof x !== 'object' || x === null) return undefined
  const w = x as Partial<Record<keyof WireRecord, unknown>>
  if (!(w.n instanceof Uint8Array)) return undefined
  let n: string
  try {
    n = strictDecoder.decode(w.n)
  } catch {
    return undefined
  }
  const rec = withOptional({ id: w.id, k: w.k, n, a: w.a, s: w.s, sig: w.sig }, w)
  return isPeerRecord(rec) ? rec : undefined
}

/** True for a wire-form record's structure: what `recordFromWire` would accept. */
export function isWireRecord (x: unknown): x is WireRecord {
  return recordFromWire(x) !== undefined
}

/** A clean copy of a wire-form record's fields (other keys dropped), or undefined if malformed. */
export function wireRecordOf (x: unknown): WireRecord | undefined {
  if (!isWireRecord(x)) return undefined
  return withOptional({ id: x.id, k: x.k, n: x.n, a: x.a, s: x.s, sig: x.sig }, x)
}

/** The record's `{host, port}`, or undefined when its compact address is malformed. */
export function recordAddress (rec: Pick<PeerRecord, 'a'>): { host: string, port: number } | undefined {
  return decodeAddress(rec.a)
}

/** Every address the record signs: `a`, then `a2` when there is one (malformed ones left out). */
export function recordAddresses (rec: Pick<PeerRecord, 'a' | 'a2'>): Array<{ host: string, port: number }> {
  return [rec.a, rec.a2].flatMap(b => {
    const addr = b === undefined ? undefined : decodeAddress(b)
    return addr === undefined ? [] : [addr]
  })
}

/** True when `addr` (compact) is one of the record's signed addresses. */
export function recordHasAddress (rec: Pick<PeerRecord, 'a' | 'a2'>, addr: Uint8Array): boolean {
  return idsEqual(addr, rec.a) || (rec.a2 !== undefined && idsEqual(addr, rec.a2))
}

/** Structure of a PeerRecord: field types and lengths (id 20, k 32, sig 64 bytes; s a sequence). */
export function isPeerRecord (x: unknown): x is PeerRecord {
  if (typeof x !== 'object' || x === null) return false
  const r = x as Partial<Record<keyof PeerRecord, unknown>>
  return isBytesOf(r.id, ID_LENGTH) && isBytesOf(r.k, PUBLIC_KEY_LENGTH) && typeof r.n === 'string' &&
    r.a instanceof Uint8Array && (r.a2 === undefined || r.a2 instanceof Uint8Array) && (r.ro === undefined || r.ro === 1) &&
    isSequence(r.s) && isBytesOf(r.sig, SIGNATURE_LENGTH)
}

/** True when two records are byte-identical. */
export function recordsEqual (a: PeerRecord, b: PeerRecord): boolean {
  return a.s === b.s && a.n === b.n && idsEqual(a.id, b.id) && idsEqual(a.k, b.k) && idsEqual(a.a, b.a) &&
    (a.a2 === undefined ? b.a2 === undefined : b.a2 !== undefined && idsEqual(a.a2, b.a2)) && a.ro === b.ro && idsEqual(a.sig, b.sig)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function signedBytes (nameBytes: Uint8Array, rec: Pick<PeerRecord, 'a' | 'a2' | 'ro' | 'k' | 's'>): Uint8Array {
  // bencode sorts the keys and leaves out undefined ones: without a2 and ro, the bytes of old records.
  return bencode({ a: rec.a, a2: rec.a2, k: rec.k, n: nameBytes, ro: rec.ro, s: rec.s })
}

/**
 * `base` with the optional fields `a2` and `ro` of `from` added when they are present (only then: a record without them
 * is byte-identical to an old one).
 */
function withOptional<T extends object> (base: T, from: { a2?: unknown, ro?: unknown }): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  if (from.a2 !== undefined) out.a2 = from.a2
  if (from.ro !== undefined) out.ro = from.ro
  return out as T
}

/** UTF-8 bytes of a well-formed string (no lone surrogates), else undefined. */
function utf8Bytes (s: string): Uint8Array | undefined {
  const bytes = encoder.encode(s)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0xd800 || c > 0xdfff) continue
    const next = s.charCodeAt(i + 1)
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return undefined
    i++
  }
  return bytes
}

function isSequence (x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0
}

function isBytesOf (x: unknown, length: number): x is Uint8Array {
  return x instanceof Uint8Array && x.length === length
}

/** Why `rec` is stale against what is held, or undefined when it is not. */
function staleness (rec: PeerRecord, opts: VerifyOptions): string | undefined {
  const heldSeq = opts.held?.s ?? opts.heldSeq
  if (heldSeq !== undefined && rec.s < heldSeq) return `sequence ${rec.s} is older than the held ${heldSeq}`
  if (opts.held !== undefined && rec.s === opts.held.s && !recordsEqual(rec, opts.held)) {
    return `a different record with the held sequence ${rec.s}`
  }
  return undefined
}
