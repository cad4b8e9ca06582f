/** The true closest live nodes to a target, and how much of them a lookup found. */
import { closest, idToHex } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import type { BenchSwarm } from './swarm.js'

/** The `n` live node ids closest to `target`, the querying node `origin` left out (a lookup never returns itself). */
export function closestLive (swarm: BenchSwarm, target: NodeId, opts: { n: number, origin: number }): NodeId[] {
  const ids: NodeId[] = []
  for (let i = 0; i < swarm.size; i++) if (i !== opts.origin && swarm.alive(i)) ids.push(swarm.idOf(i))
  return closest(ids, target, opts.n)
}

/** Share of `truth` present in `found` (1 when truth is empty). */
export function recallOf (found: readonly NodeId[], truth: readonly NodeId[]): number {
  if (truth.length === 0) return 1
  const got = new Set(found.map(idToHex))
  let hits = 0
  for (const id of truth) if (got.has(idToHex(id))) hits++
  return hits / truth.length
}
