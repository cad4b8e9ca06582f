/**
 * The `r` dict of a get_peers reply, within the 3× amplification bound: the write token always,
 * then as many of the held peers (`values`, compact 6-byte IPv4 / 18-byte IPv6 per BEP 5 and
 * BEP 32, of the families the querier wants) as fit, then as many of the closest nodes (`nodes`,
 * `nodes6`) as fit in what is left. Peers come first because they are what the querier is looking
 * for; a querier walking towards the info-hash learns the nodes from the others it asks. With no
 * peers, the node lists of the wanted families are always there (maybe empty), as BEP 5 wants
 * either `values` or `nodes`. Sizes are exact bencoded sizes for the longest transaction id the
 * query could have carried (as find_node's `fitNodes` counts them).
 */
import { AMPLIFICATION_LIMIT, compactAddress, encodeKrpc, encodeResponse, ID_LENGTH, isNodeId, MAX_TID_LENGTH } from '@peerconnect/protocol'
import type { Address, Families, NodeEntry } from '@peerconnect/protocol'

export interface PeersReplyInput {
  readonly token: Uint8Array
  /** Peers held for the info-hash, in the order they should go out. */
  readonly values: readonly Address[]
  /** The closest contacts, nearest first. */
  readonly nodes: readonly NodeEntry[]
  readonly families: Families
  /** Size of the get_peers query on the wire. */
  readonly queryBytes: number
}

export function fitPeersReply (input: PeersReplyInput): Record<string, unknown> {
  const budget = AMPLIFICATION_LIMIT * input.queryBytes
  const tid = Math.min(MAX_TID_LENGTH, Math.max(1, input.queryBytes - minimalQueryBytes()))
  const base = encodeResponse(new Uint8Array(tid), { id: ZERO_ID, token: input.token }).length
  const values: Uint8Array[] = []
  let valueBytes = 0
  for (const p of input.values) {
    const addr = compactAddress(p.host, p.port)
    if (addr === undefined || !(addr.length === 6 ? input.families.v4 : input.families.v6)) continue
    const add = bstr(addr.length)
    if (base + VALUES_KEY + 2 + valueBytes + add > budget) break
    values.push(addr)
    valueBytes += add
  }
  const forced = values.length === 0
  const v4: Uint8Array[] = []
  const v6: Uint8Array[] = []
  const size = (n4: number, n6: number): number =>
    base + (values.length > 0 ? VALUES_KEY + 2 + valueBytes : 0) +
    (input.families.v4 && (forced || n4 > 0) ? NODES_KEY + bstr(n4 * V4_NODE) : 0) +
    (input.families.v6 && (forced || n6 > 0) ? NODES6_KEY + bstr(n6 * V6_NODE) : 0)
  for (const c of input.nodes) {
    const addr = compactAddress(c.host, c.port)
    if (addr === undefined || !isNodeId(c.id)) continue
    const list = addr.length === 6 ? (input.families.v4 ? v4 : undefined) : (input.families.v6 ? v6 : undefined)
    if (list === undefined) continue
    const packed = new Uint8Array(ID_LENGTH + addr.length)
    packed.set(c.id)
    packed.set(addr, ID_LENGTH)
    list.push(packed)
    if (size(v4.length, v6.length) > budget) list.pop()
  }
  const r: Record<string, unknown> = { token: input.token }
  if (values.length > 0) r.values = values
  if (input.families.v4 && (forced || v4.length > 0)) r.nodes = concat(v4)
  if (input.families.v6 && (forced || v6.length > 0)) r.nodes6 = concat(v6)
  return r
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const V4_NODE = 26
const V6_NODE = 38
/** `6:values`, `5:nodes`, `6:nodes6`; a list adds `l` … `e`. */
const VALUES_KEY = 8
const NODES_KEY = 7
const NODES6_KEY = 8
const ZERO_ID = new Uint8Array(ID_LENGTH)
let minimalQuery: number | undefined

/** Bytes of the smallest get_peers query, less its transaction id's one byte. */
function minimalQueryBytes (): number {
  minimalQuery ??= encodeKrpc({ y: 'q', t: new Uint8Array(1), q: 'get_peers', a: { id: ZERO_ID, info_hash: ZERO_ID } }).length - 1
  return minimalQuery
}

function bstr (n: number): number {
  return String(n).length + 1 + n
}

function concat (parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
