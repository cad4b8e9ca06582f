/**
 * The `a` dict of a lookup's find_node queries. Up to 8 nodes wanted: plain BEP 5 `{target}`.
 * More: our extension `{target, n, pad}`, `pad` being zero bytes enough that 3× the query's size
 * fits a reply with `n` IPv4 nodes (for the longest transaction id the answerer could assume), so
 * the answerer may send them all unproven. BEP 5 nodes ignore both and answer 8.
 */
import { AMPLIFICATION_LIMIT, encodeQuery, encodeResponse, ID_LENGTH, MAX_FIND_NODE_COUNT, MAX_TID_LENGTH } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import { BEP5_NODES, NODE_BYTES } from './constants.js'

/** find_node args asking for `wanted` nodes (clamped to 1..MAX_FIND_NODE_COUNT); BEP 5 args when that is 8 or fewer. */
export function findNodeArgs (target: NodeId, wanted: number): Record<string, unknown> {
  const n = Math.min(MAX_FIND_NODE_COUNT, Math.floor(wanted))
  if (!(n > BEP5_NODES)) return { target }
  return { target, n, pad: pads[n] ??= new Uint8Array(padBytes(n)) }
}

/** Bytes of `pad` for `n` nodes: the query (1-byte tid) grows until AMPLIFICATION_LIMIT × its size holds the reply. */
export function padBytes (n: number): number {
  const reply = encodeResponse(new Uint8Array(MAX_TID_LENGTH), { id: ZERO_ID, nodes: new Uint8Array(NODE_BYTES * n) }).length
  const unpadded = encodeQuery(new Uint8Array(1), 'find_node', { id: ZERO_ID, target: ZERO_ID, n, pad: new Uint8Array(0) }).length
  // A pad of L bytes adds L plus its length's extra digits: L alone is never short.
  return Math.max(0, Math.ceil(reply / AMPLIFICATION_LIMIT) - unpadded)
}

const ZERO_ID = new Uint8Array(ID_LENGTH)
const pads: Array<Uint8Array | undefined> = []
