/**
 * `rpc.find_node`: the 8 closest good contacts to the target (topped up with contacts that are
 * merely old, never with failed ones), the querier left out. `nodes` (IPv4) by default, `nodes6`
 * when the querier asked for n6 (BEP 32 `want`) or queried over IPv6. The reply is trimmed so it
 * stays within 3 times the query's size: the transport refuses larger unproven replies.
 */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { CLIENT_VERSION, encodeKrpc, encodeNodes, encodeNodes6, errorReply, ID_LENGTH, isNodeId, isRpcRequest, MAX_TID_LENGTH, parseHost, reply } from '@peerconnect/protocol'
import type { Contact, Message, RpcReply } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { FIND_NODE_COUNT } from './constants.js'
import { KrpcProtocolError } from './errors.js'

/** KRPC replies may be at most this many times the size of their query unless the querier is proven. */
export const AMPLIFICATION_LIMIT = 3

export interface Families { readonly v4: boolean, readonly v6: boolean }

export function onFindNode (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isRpcRequest(msg) || !isNodeId(msg.args.target)) {
    return of(errorReply(msg, new KrpcProtocolError('find_node needs a 20-byte target')))
  }
  const nodes = ctx.table.closest(msg.args.target, FIND_NODE_COUNT, { goodAt: ctx.deps.clock.now(), exclude: msg.id, topUp: true })
  const r = fitNodes(nodes, wantedFamilies(msg.args.want, msg.from.host), msg.queryBytes)
  return of(reply<RpcReply>(msg, { type: 'rpc.reply', r }))
}

/** Which node lists to send: BEP 32 `want` (n4 / n6) if given, else the querier's own family. */
export function wantedFamilies (want: unknown, querierHost: string): Families {
  if (Array.isArray(want)) {
    const tags = want.map(tagOf)
    const v4 = tags.includes('n4')
    const v6 = tags.includes('n6')
    if (v4 || v6) return { v4, v6 }
  }
  return parseHost(querierHost)?.length === 16 ? { v4: false, v6: true } : { v4: true, v6: false }
}

/**
 * The `r` dict of a find_node reply with as many of `nodes` (nearest first) as fit in
 * AMPLIFICATION_LIMIT × `queryBytes`, for the longest transaction id the query could have
 * carried. The reply's size is counted, not encoded: `{t, y, r: {id, nodes?, nodes6?}, v}` has a
 * fixed bencoded shape (checked against the real encoder in the tests).
 */
export function fitNodes (nodes: readonly Contact[], families: Families, queryBytes: number): Record<string, Uint8Array> {
  const v4 = families.v4 ? nodes.filter(c => parseHost(c.host)?.length === 4) : []
  const v6 = families.v6 ? nodes.filter(c => parseHost(c.host)?.length === 16) : []
  const budget = AMPLIFICATION_LIMIT * queryBytes
  const tid = Math.min(MAX_TID_LENGTH, Math.max(1, queryBytes - minimalQueryBytes()))
  while (v4.length + v6.length > 0 && replyBytes(tid, families.v4 ? v4.length * V4_NODE : -1, families.v6 ? v6.length * V6_NODE : -1) > budget) {
    if (v6.length > 0 && v6.length >= v4.length) v6.pop()
    else v4.pop()
  }
  return dictOf(v4, v6, families)
}

/** Bencoded size of `{t: <tid bytes>, y: 'r', r: {id, nodes?, nodes6?}, v}`; a list length of -1 leaves its key out. */
export function replyBytes (tid: number, nodes: number, nodes6: number): number {
  const r = 1 + bstr(2) + bstr(ID_LENGTH) + (nodes < 0 ? 0 : bstr(5) + bstr(nodes)) + (nodes6 < 0 ? 0 : bstr(6) + bstr(nodes6)) + 1
  return 1 + bstr(1) + r + bstr(1) + bstr(tid) + bstr(1) + bstr(CLIENT_VERSION.length) + bstr(1) + bstr(1) + 1
}

const V4_NODE = 26
const V6_NODE = 38

const ZERO_ID = new Uint8Array(ID_LENGTH)
let minimalQuery: number | undefined

/** Bytes of the smallest find_node query, less its transaction id's one byte. */
function minimalQueryBytes (): number {
  minimalQuery ??= encodeKrpc({ y: 'q', t: new Uint8Array(1), q: 'find_node', a: { id: ZERO_ID, target: ZERO_ID } }).length - 1
  return minimalQuery
}

/** Bytes of a bencoded byte string of `n` bytes: `<n>:<bytes>`. */
function bstr (n: number): number {
  return String(n).length + 1 + n
}

function dictOf (v4: Contact[], v6: Contact[], families: Families): Record<string, Uint8Array> {
  const r: Record<string, Uint8Array> = {}
  if (families.v4) r.nodes = encodeNodes(v4)
  if (families.v6) r.nodes6 = encodeNodes6(v6)
  return r
}

function tagOf (x: unknown): string {
  if (typeof x === 'string') return x
  return x instanceof Uint8Array ? new TextDecoder().decode(x) : ''
}
