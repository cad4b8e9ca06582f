/**
 * A local swarm on 127.0.0.1: n inline nodes (real UDP sockets) joined through the first one,
 * with teardown. Used by `peerconnect demo`, `createTestnet` and the benchmarks.
 */
import { generateIdentity } from '@peerconnect/protocol'
import { createComputePool, createTestnet, silentLogger } from '@peerconnect/runtime'
import type { Logger } from '@peerconnect/runtime'
import { createNode } from './node.js'
import type { NodeOptions, PeerNode } from './node.js'
import type { HostPort } from './address.js'
import { JOIN_ATTEMPTS, JOIN_MIN_CONTACTS, JOIN_TIMEOUT } from './constants.js'

export interface SwarmOptions {
  /** Node names (default `node-<i>`); index i names node i. */
  readonly names?: readonly string[]
  readonly host?: string
  readonly log?: Logger
  /** Nodes bootstrapping at the same time (default 8). */
  readonly concurrency?: number
  /** Called after each node has joined. */
  readonly onJoined?: (node: PeerNode, index: number) => void
  /** Extra options for every node. */
  readonly node?: Partial<Omit<NodeOptions, 'name' | 'identity'>>
}

export interface Swarm {
  readonly nodes: PeerNode[]
  /** Stops every node (and the shared pool); a second call returns the same promise. */
  stop(): Promise<void>
}

export async function createSwarm (n: number, opts: SwarmOptions = {}): Promise<Swarm> {
  const pool = createComputePool()
  const concurrency = opts.concurrency ?? 8
  return await createTestnet<PeerNode>(n, {
    concurrency,
    create: async (i) =>
      await createNode({
        name: opts.names?.[i] ?? `node-${i}`,
        identity: generateIdentity(),
        host: opts.host ?? '127.0.0.1',
        port: 0,
        inline: true,
        log: opts.log ?? silentLogger,
        pool,
        ...opts.node
      }),
    join: async (node, first, i) => await join(node, [first.udp], Math.min(i, JOIN_MIN_CONTACTS)),
    onJoined: opts.onJoined,
    // The early joiners learned of few peers; a second bootstrap round fills their tables.
    settle: async (nodes) => {
      await Promise.all(nodes.slice(0, Math.min(n, concurrency)).map(async node => await node.bootstrap([], { timeout: JOIN_TIMEOUT })))
    },
    teardown: async () => {
      await pool.close()
    }
  })
}

/**
 * Bootstraps `node` until it has met `want` contacts or used JOIN_ATTEMPTS rounds. The crawler's
 * self-lookup starts from the seed alone: if that one find_node times out (a busy seed on a loaded
 * machine), the node would stay alone with the seed in its table.
 */
async function join (node: PeerNode, seeds: readonly HostPort[], want: number): Promise<void> {
  for (let attempt = 1; attempt <= JOIN_ATTEMPTS; attempt++) {
    const joined = await node.bootstrap(seeds, { timeout: JOIN_TIMEOUT })
    if (joined.contacts >= want) return
  }
}
