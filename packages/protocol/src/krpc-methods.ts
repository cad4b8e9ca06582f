/**
 * Guards for the arguments and replies of every KRPC method (docs/PROTOCOL.md), one table entry per
 * method. The actor answering a query runs `parseQueryArgs` on the decoded `a` dict; the asker
 * runs `parseReply` on the `r` dict. Both copy only the fields they know, turn `pc_search`'s `q`
 * into a string (a string is kept, so args that passed once pass again unchanged), and never throw: a bad argument is a 203, an unknown
 * method a 204.
 */
import type { BDict } from './bdecode.js'
import { decodeAddress, decodeNodes, decodeNodes6 } from './compact.js'
import type { NodeInfo } from './compact.js'
import type { Address } from './catalogue/network.js'
import { isNodeId } from './id.js'
import type { NodeId } from './id.js'
import { isListIndex } from './lists.js'
import { wireRecordOf } from './record.js'
import type { WireRecord } from './record.js'
import { MAX_QUERY_BYTES, MAX_TOKEN_BYTES } from './constants.js'

/** Largest `n` a find_node query may ask for (the extension; BEP 5 answers 8). */
export const MAX_FIND_NODE_COUNT = 20

/** Longest `n` (nonce) of a `pc_reach` / `pc_probe` query. */
export const MAX_NONCE_BYTES = 20

export interface QueryArgsByMethod {
  ping: { id: NodeId }
  /**
   * `n` (extension, ignored by BEP 5 nodes): nodes wanted, 1..MAX_FIND_NODE_COUNT; the querier pads its
   * query (any extra arg, e.g. `pad`) so that 3× its size fits them. `want`: BEP 32 (n4 / n6), kept as sent.
   */
  find_node: { id: NodeId, target: NodeId, n?: number, want?: unknown[] }
  /** `token`: from a pc_list reply; proves the querier's address, so the record may be more than 3× the query. */
  pc_record: { id: NodeId, token?: Uint8Array }
  /** `token`: one from an earlier pc_list reply, proving the querier's address (lifts the 3× reply bound). */
  pc_list: { id: NodeId, list: number, cursor?: Uint8Array, token?: Uint8Array }
  pc_announce: { id: NodeId, list: number, record: WireRecord, token: Uint8Array }
  /**
   * `ages[i]`: ms since `records[i]`'s peer last announced, as the sender saw it (same length as records).
   * `token`: from the receiver (a pc_list reply), proving the sender's address; required by the receiver.
   */
  pc_handoff: { id: NodeId, list: number, records: WireRecord[], ages?: number[], token?: Uint8Array }
  /** `cursor`: the last id of the previous page; `token`: from an earlier pc_list or pc_search reply (lifts the 3× reply bound). */
  pc_search: { id: NodeId, q: string, cursor?: Uint8Array, token?: Uint8Array }
  pc_gossip: { id: NodeId, m: Uint8Array | BDict }
  /** "Can others reach me?": send a `pc_probe` carrying nonce `n` to the address this query came from, from a port we never used. */
  pc_reach: { id: NodeId, n: Uint8Array }
  /** The probe a `pc_reach` asked for, carrying its nonce `n`; never answered. */
  pc_probe: { id: NodeId, n: Uint8Array }
  /** BEP 5: peers of `info_hash`, else the closest nodes; `want`: BEP 32 (n4 / n6), kept as sent. */
  get_peers: { id: NodeId, info_hash: NodeId, want?: unknown[] }
  /**
   * BEP 5: `token` from our get_peers reply to this IP; the peer is the querier's IP at `port`, or at
   * the query's source port when `implied_port` is non-zero (`port` is then optional and ignored).
   */
  announce_peer: { id: NodeId, info_hash: NodeId, port?: number, token: Uint8Array, implied_port?: number }
}

export interface ReplyByMethod {
  ping: { id: NodeId }
  /** `nodes` / `nodes6` are empty when absent; at least one of them was sent. */
  find_node: { id: NodeId, nodes: NodeInfo[], nodes6: NodeInfo[] }
  pc_record: { id: NodeId, record: WireRecord }
  /** `ages[i]`: ms since `records[i]`'s peer last announced (same length as records). */
  pc_list: { id: NodeId, token: Uint8Array, records?: WireRecord[], ages?: number[], next?: Uint8Array, nodes?: NodeInfo[],
    nodes6?: NodeInfo[] }
  pc_announce: { id: NodeId }
  pc_handoff: { id: NodeId, stored: number }
  /** `next`: the cursor of the following page; `token`: bound to the querier's address, for its next query. */
  pc_search: { id: NodeId, records: WireRecord[], next?: Uint8Array, token?: Uint8Array }
  pc_gossip: { id: NodeId }
  /** `a`: the querier's address as this node saw it (compact) — where the probe goes. */
  pc_reach: { id: NodeId, a: Address }
  pc_probe: { id: NodeId }
  /**
   * `values`: compact peers (6 bytes IPv4, 18 IPv6, BEP 32), decoded; `token` for announce_peer (BEP 5 requires it;
   * some nodes leave it out).
   */
  get_peers: { id: NodeId, token?: Uint8Array, values?: Address[], nodes: NodeInfo[], nodes6: NodeInfo[] }
  announce_peer: { id: NodeId }
}

export type KrpcMethod = keyof QueryArgsByMethod

/** Every method this node answers. */
export const KRPC_METHODS: readonly KrpcMethod[] = ['ping', 'find_node', 'get_peers', 'announce_peer', 'pc_record', 'pc_list',
  'pc_announce', 'pc_handoff', 'pc_search', 'pc_gossip', 'pc_reach', 'pc_probe']

export type ArgsResult<M extends KrpcMethod = KrpcMethod> =
  | { [K in M]: { ok: true, method: K, args: QueryArgsByMethod[K] } }[M]
  | { ok: false, code: 203 | 204, reason: string }

export type ReplyResult<M extends KrpcMethod = KrpcMethod> =
  | { [K in M]: { ok: true, method: K, reply: ReplyByMethod[K] } }[M]
  | { ok: false, code: 203, reason: string }

/** True for a method in KRPC_METHODS. */
export function isKrpcMethod (q: unknown): q is KrpcMethod {
  return typeof q === 'string' && Object.hasOwn(QUERY_GUARDS, q)
}

/** Checks a query's `a` dict for method `q`: typed args, or 204 (unknown method) / 203 (bad args). */
export function parseQueryArgs<M extends KrpcMethod> (q: M, a: Record<string, unknown>): ArgsResult<M>
export function parseQueryArgs (q: string, a: Record<string, unknown>): ArgsResult
export function parseQueryArgs (q: string, a: Record<string, unknown>): ArgsResult {
  if (!isKrpcMethod(q)) return { ok: false, code: 204, reason: `unknown method ${q}` }
  if (!isDict(a)) return { ok: false, code: 203, reason: 'a is not a dict' }
  const args = QUERY_GUARDS[q](a)
  return typeof args === 'string' ? { ok: false, code: 203, reason: args } : { ok: true, method: q, args } as ArgsResult
}

/**
 * Checks the `r` dict of a reply to method `q` (e.g. `nodes` a multiple of 26 bytes, `nodes6` of 38).
 * The result is remembered for that `r` object (a reply is checked by the transport, then parsed
 * again by the actor that asked — one object when both run on one thread): treat it as read-only.
 */
export function parseReply<M extends KrpcMethod> (q: M, r: Record<string, unknown>): ReplyResult<M>
export function parseReply (q: string, r: Record<string, unknown>): ReplyResult
export function parseReply (q: string, r: Record<string, unknown>): ReplyResult {
  if (!isKrpcMethod(q)) return { ok: false, code: 203, reason: `no reply guard for method ${q}` }
  if (!isDict(r)) return { ok: false, code: 203, reason: 'r is not a dict' }
  const known = parsedReplies.get(r)
  if (known !== undefined && known.q === q) return known.result
  const reply = REPLY_GUARDS[q](r)
  const result = typeof reply === 'string'
    ? { ok: false, code: 203, reason: reply } as const
    : { ok: true, method: q, reply } as ReplyResult
  parsedReplies.set(r, { q, result })
  return result
}

/** parseReply's results by the `r` they parsed (gone with it). */
const parsedReplies = new WeakMap<object, { readonly q: string, readonly result: ReplyResult }>()

// ── the tables ───────────────────────────────────────────────────────────────────────────────

type Guards<T> = { readonly [M in KrpcMethod]: (d: Record<string, unknown>) => T[M & keyof T] | string }

const QUERY_GUARDS: Guards<QueryArgsByMethod> = {
  ping: (a) => fields(a, { id: nodeId }),
  find_node: (a) => fields(a, { id: nodeId, target: nodeId, n: optional(wantedCount), want: optional(wantList) }),
  pc_record: (a) => fields(a, { id: nodeId, token: optional(token) }),
  pc_list: (a) => fields(a, { id: nodeId, list, cursor: optional(bytes), token: optional(token) }),
  pc_announce: (a) => fields(a, { id: nodeId, list, record, token }),
  pc_handoff: (a) => agesMatch(fields(a, { id: nodeId, list, records, ages: optional(ages), token: optional(token) })),
  pc_search: (a) => fields(a, { id: nodeId, q: searchText, cursor: optional(bytes), token: optional(token) }),
  pc_gossip: (a) => fields(a, { id: nodeId, m: rumor }),
  pc_reach: (a) => fields(a, { id: nodeId, n: nonce }),
  pc_probe: (a) => fields(a, { id: nodeId, n: nonce }),
  get_peers: (a) => fields(a, { id: nodeId, info_hash: nodeId, want: optional(wantList) }),
  announce_peer: (a) =>
    portGiven(fields(a, { id: nodeId, info_hash: nodeId, port: optional(portNumber), token, implied_port: optional(flag) }))
}

const REPLY_GUARDS: Guards<ReplyByMethod> = {
  ping: (r) => fields(r, { id: nodeId }),
  find_node: (r) => {
    if (r.nodes === undefined && r.nodes6 === undefined) return 'nodes missing'
    return fields(r, { id: nodeId, nodes: orEmpty(nodes4), nodes6: orEmpty(nodes6) })
  },
  pc_record: (r) => fields(r, { id: nodeId, record }),
  pc_list: (r) =>
    agesMatch(
      fields(r, { id: nodeId, token, records: optional(records), ages: optional(ages), next: optional(bytes), nodes: optional(nodes4),
        nodes6: optional(nodes6) })
    ),
  pc_announce: (r) => fields(r, { id: nodeId }),
  pc_handoff: (r) => fields(r, { id: nodeId, stored: count }),
  pc_search: (r) => fields(r, { id: nodeId, records, next: optional(bytes), token: optional(token) }),
  pc_gossip: (r) => fields(r, { id: nodeId }),
  pc_reach: (r) => fields(r, { id: nodeId, a: compactAddress }),
  pc_probe: (r) => fields(r, { id: nodeId }),
  get_peers: (r) =>
    fields(r, { id: nodeId, token: optional(token), values: optional(peers), nodes: orEmpty(nodes4), nodes6: orEmpty(nodes6) }),
  announce_peer: (r) => fields(r, { id: nodeId })
}

// ── field checks: each returns the checked value, or the reason it is bad ────────────────────

type Check<T> = (x: unknown, key: string) => T | Bad

/** A reason a field is bad; a class so it cannot be confused with a checked value. */
class Bad {
  constructor (readonly reason: string) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const textEncoder = new TextEncoder()

/** Runs each field's check; the result has exactly the checked fields (absent optional ones left out). */
function fields<T> (d: Record<string, unknown>, checks: { [K in keyof T]-?: Check<T[K]> }): T | string {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(checks) as Array<keyof T & string>) {
    const value = checks[key](d[key], key)
    if (value instanceof Bad) return value.reason
    if (value !== undefined) out[key] = value
  }
  return out as T
}

function nodeId (x: unknown, key: string): NodeId | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  return isNodeId(x) ? x : new Bad(`${key} not 20 bytes`)
}

function bytes (x: unknown, key: string): Uint8Array | Bad {
  return x instanceof Uint8Array ? x : new Bad(x === undefined ? `${key} missing` : `${key} is not a byte string`)
}

/** A reachability nonce: 1..MAX_NONCE_BYTES bytes (ours are 8). */
function nonce (x: unknown, key: string): Uint8Array | Bad {
  const b = bytes(x, key)
  if (b instanceof Bad) return b
  return b.length >= 1 && b.length <= MAX_NONCE_BYTES ? b : new Bad(`${key} length not 1..${MAX_NONCE_BYTES}`)
}

/** A compact address (6 or 18 bytes, port 1..65535), decoded. */
function compactAddress (x: unknown, key: string): Address | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  return decodeAddress(x) ?? new Bad(`${key} is not a compact address (6 or 18 bytes)`)
}

function token (x: unknown, key: string): Uint8Array | Bad {
  const b = bytes(x, key)
  if (b instanceof Bad) return b
  return b.length >= 1 && b.length <= MAX_TOKEN_BYTES ? b : new Bad(`${key} length not 1..${MAX_TOKEN_BYTES}`)
}

function list (x: unknown, key: string): number | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  return isListIndex(x) ? x : new Bad(`${key} is not a list index 0..19`)
}

function count (x: unknown, key: string): number | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  return Number.isSafeInteger(x) && (x as number) >= 0 ? x as number : new Bad(`${key} is not a count`)
}

function wantedCount (x: unknown, key: string): number | Bad {
  return Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= MAX_FIND_NODE_COUNT
    ? x as number
    : new Bad(`${key} is not an integer 1..${MAX_FIND_NODE_COUNT}`)
}

/** BEP 32 `want`: a list (its items are read by whoever answers; unknown ones are ignored there). */
function wantList (x: unknown, key: string): unknown[] | Bad {
  return Array.isArray(x) ? x : new Bad(`${key} is not a list`)
}

/** UTF-8 bytes from the wire, or a string (args that already passed this guard: parsing is idempotent). */
function searchText (x: unknown, key: string): string | Bad {
  const b = typeof x === 'string' ? textEncoder.encode(x) : bytes(x, key)
  if (b instanceof Bad) return b
  if (b.length < 1 || b.length > MAX_QUERY_BYTES) return new Bad(`${key} length not 1..${MAX_QUERY_BYTES} bytes`)
  let text: string
  try {
    text = utf8.decode(b)
  } catch {
    return new Bad(`${key} is not UTF-8`)
  }
  return typeof x === 'string' && text !== x ? new Bad(`${key} is not UTF-8`) : text
}

function rumor (x: unknown, key: string): Uint8Array | BDict | Bad {
  if (x instanceof Uint8Array || isDict(x)) return x as Uint8Array | BDict
  return new Bad(x === undefined ? `${key} missing` : `${key} is not bytes or a dict`)
}

function record (x: unknown, key: string): WireRecord | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  return wireRecordOf(x) ?? new Bad(`${key} is not a peer record`)
}

function records (x: unknown, key: string): WireRecord[] | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  if (!Array.isArray(x)) return new Bad(`${key} is not a list`)
  const out: WireRecord[] = []
  for (const item of x) {
    const rec = wireRecordOf(item)
    if (rec === undefined) return new Bad(`${key} holds something that is not a peer record`)
    out.push(rec)
  }
  return out
}

function ages (x: unknown, key: string): number[] | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  if (!Array.isArray(x) || !x.every(n => Number.isSafeInteger(n) && (n as number) >= 0)) return new Bad(`${key} is not a list of counts`)
  return x as number[]
}

/** `ages`, when present, must have one entry per record. */
function agesMatch<T extends { records?: unknown[], ages?: number[] }> (checked: T | string): T | string {
  if (typeof checked === 'string' || checked.ages === undefined) return checked
  return checked.ages.length === (checked.records?.length ?? 0) ? checked : 'ages and records differ in length'
}

function nodes4 (x: unknown, key: string): NodeInfo[] | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  return decodeNodes(x) ?? new Bad(`${key} is not compact IPv4 nodes (26 bytes each)`)
}

function nodes6 (x: unknown, key: string): NodeInfo[] | Bad {
  if (x === undefined) return new Bad(`${key} missing`)
  return decodeNodes6(x) ?? new Bad(`${key} is not compact IPv6 nodes (38 bytes each)`)
}

/** BEP 5 `implied_port` and the like: an integer (non-zero = yes). */
function flag (x: unknown, key: string): number | Bad {
  return Number.isSafeInteger(x) ? x as number : new Bad(`${key} is not an integer`)
}

/** announce_peer's `port` is an integer (checked 1..65535 by `portGiven` unless `implied_port` says to ignore it). */
function portNumber (x: unknown, key: string): number | Bad {
  return Number.isSafeInteger(x) ? x as number : new Bad(`${key} is not an integer`)
}

/** announce_peer: without a non-zero `implied_port`, `port` must be 1..65535. */
function portGiven<T extends { port?: number, implied_port?: number }> (checked: T | string): T | string {
  if (typeof checked === 'string' || (checked.implied_port !== undefined && checked.implied_port !== 0)) return checked
  if (checked.port === undefined) return 'port missing'
  return checked.port >= 1 && checked.port <= 65535 ? checked : 'port is not 1..65535'
}

/** get_peers `values`: a list of compact peers (6 or 18 bytes, port 1..65535). */
function peers (x: unknown, key: string): Address[] | Bad {
  if (!Array.isArray(x)) return new Bad(`${key} is not a list`)
  const out: Address[] = []
  for (const item of x) {
    const a = decodeAddress(item)
    if (a === undefined) return new Bad(`${key} holds something that is not a compact peer (6 or 18 bytes)`)
    out.push(a)
  }
  return out
}

function optional<T> (check: Check<T>): Check<T | undefined> {
  return (x, key) => x === undefined ? undefined : check(x, key)
}

function orEmpty<T> (check: Check<T[]>): Check<T[]> {
  return (x, key) => x === undefined ? [] : check(x, key)
}

function isDict (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array)
}
