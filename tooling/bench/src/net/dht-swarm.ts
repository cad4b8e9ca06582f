/**
 * A bittorrent-dht swarm for the lookup benchmark: n nodes on 127.0.0.1, each joined through the
 * first (bittorrent-dht's own bootstrap: a find_node walk for its own id). A lookup is k-rpc's
 * iterative walk `_rpc.closest(target, find_node)` (16 queries in flight, it ends when the 20
 * closest nodes it heard of have been asked); what it returns is its closest responders.
 */
import { performance } from 'node:perf_hooks'
import { compareDistance, isNodeId } from '@peerconnect/protocol'
import type { NodeId } from '@peerconnect/protocol'
import DHT from 'bittorrent-dht'
import type { BenchSwarm } from './swarm.js'

/** Closest responders a bittorrent-dht lookup returns (k-rpc's K). */
export const DHT_RESULT_SIZE = 20

export async function dhtSwarm (n: number, opts: { concurrency?: number } = {}): Promise<BenchSwarm> {
  const nodes: DHT[] = []
  const dead = new Set<number>()
  try {
    if (n > 0) nodes[0] = await start([])
    const seed = [`127.0.0.1:${nodes[0]?.address().port ?? 0}`]
    let next = 1
    const joiner = async (): Promise<void> => {
      while (next < n) {
        const i = next++
        nodes[i] = await start(seed)
      }
    }
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, n) }, joiner))
  } catch (err) {
    await Promise.all(nodes.filter(Boolean).map(destroy))
    throw err
  }
  return {
    name: 'bittorrent-dht',
    size: nodes.length,
    idOf: i => new Uint8Array(nodes[i]!.nodeId),
    portOf: i => nodes[i]!.address().port,
    alive: i => !dead.has(i),
    lookup: async (i, target) => await walk(nodes[i]!, target),
    async kill (indices) {
      for (const i of indices) dead.add(i)
      await Promise.all(indices.map(async i => await destroy(nodes[i]!)))
    },
    stop: async () => {
      await Promise.all(nodes.map(destroy))
    }
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function start (bootstrap: string[]): Promise<DHT> {
  const dht = new DHT({ bootstrap: bootstrap.length === 0 ? false : bootstrap, host: '127.0.0.1' })
  dht.on('error', () => {})
  dht.on('warning', () => {})
  const ready = new Promise<void>(resolve => dht.once('ready', () => resolve()))
  // Bind in the same tick: bittorrent-dht starts its bootstrap walk on the next one.
  dht.listen(0, '127.0.0.1')
  await ready
  return dht
}

function walk (dht: DHT, target: NodeId): Promise<{ closest: NodeId[], ms: number }> {
  const responders = new Map<string, NodeId>()
  const t0 = performance.now()
  return new Promise(resolve => {
    const visit = (res: { r?: Record<string, unknown> }): undefined => {
      const id = res.r?.id
      if (isNodeId(id)) responders.set(Buffer.from(id).toString('hex'), new Uint8Array(id))
      return undefined
    }
    dht._rpc.closest(Buffer.from(target), { q: 'find_node', a: { id: dht._rpc.id, target: Buffer.from(target) } }, visit, () => {
      const ms = performance.now() - t0
      const closest = [...responders.values()].sort((a, b) => compareDistance(a, b, target)).slice(0, DHT_RESULT_SIZE)
      resolve({ closest, ms })
    })
  })
}

function destroy (dht: DHT): Promise<void> {
  return new Promise(resolve => dht.destroy(() => resolve()))
}
