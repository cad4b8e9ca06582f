/**
 * What the lookup benchmark needs from a swarm, whichever implementation runs it: the nodes'
 * ids and UDP ports, a lookup from one node, silent killing, and teardown.
 */
import type { NodeId } from '@peerconnect/protocol'

export interface LookupAnswer {
  /** Ids the lookup returned as the closest to the target (nearest first). */
  readonly closest: NodeId[]
  /** Wall time of the lookup, ms. */
  readonly ms: number
}

export interface BenchSwarm {
  readonly name: string
  readonly size: number
  idOf(i: number): NodeId
  portOf(i: number): number
  alive(i: number): boolean
  /** Runs one lookup of `target` from node `i`. */
  lookup(i: number, target: NodeId): Promise<LookupAnswer>
  /** Silently stops these nodes (sockets closed, nothing sent). */
  kill(indices: readonly number[]): Promise<void>
  stop(): Promise<void>
}

/** Indices of live nodes. */
export function liveIndices (swarm: BenchSwarm): number[] {
  const out: number[] = []
  for (let i = 0; i < swarm.size; i++) if (swarm.alive(i)) out.push(i)
  return out
}
