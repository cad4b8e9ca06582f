/**
 * createTestnet: n nodes of your own making, joined through the first one, with one teardown.
 * The runtime does not know what a node is (actor packages sit above it), so the caller gives
 * `create` (make node i) and `join` (bootstrap node i through the first); `@peerconnect/node`'s
 * `createSwarm` is this with real nodes on 127.0.0.1 (inline actors, real UDP).
 *
 *   const net = await createTestnet(100, { create: i => makeNode(i), join: (node, first) => node.bootstrap([first.udp]) })
 *   …
 *   await net.stop()
 *
 * Nodes join `concurrency` at a time; if anything fails, every node made so far is stopped
 * before the error is thrown, so a failed test leaves no sockets or workers behind.
 */
export interface TestnetNode {
  stop(): Promise<void>
}

export interface TestnetOptions<N extends TestnetNode> {
  /** Makes node `index` (not yet joined). */
  readonly create: (index: number) => Promise<N>
  /** Joins node `index` through `first` (node 0). */
  readonly join?: (node: N, first: N, index: number) => Promise<void>
  /** Nodes joining at the same time (default 8). */
  readonly concurrency?: number
  /** Called after each node has joined (node 0 right after it is made). */
  readonly onJoined?: (node: N, index: number) => void
  /** Runs once every node has joined (for example a second bootstrap round). */
  readonly settle?: (nodes: readonly N[]) => Promise<void>
  /** Runs after every node has stopped (for example closing a shared pool). */
  readonly teardown?: () => Promise<void>
}

export interface Testnet<N extends TestnetNode> {
  /** Node i at index i. */
  readonly nodes: N[]
  /** Stops every node, then runs `teardown`; a second call returns the same promise. */
  stop(): Promise<void>
}

export async function createTestnet<N extends TestnetNode> (n: number, opts: TestnetOptions<N>): Promise<Testnet<N>> {
  const nodes: N[] = []
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => (stopping ??= (async () => {
    await Promise.allSettled(nodes.filter(node => node !== undefined).map(async node => await node.stop()))
    await opts.teardown?.()
  })())
  try {
    if (n <= 0) return { nodes, stop }
    const first = await opts.create(0)
    nodes[0] = first
    opts.onJoined?.(first, 0)
    let next = 1
    const joiner = async (): Promise<void> => {
      while (next < n) {
        const i = next++
        const node = await opts.create(i)
        nodes[i] = node
        await opts.join?.(node, first, i)
        opts.onJoined?.(node, i)
      }
    }
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, n) }, joiner))
    await opts.settle?.(nodes)
    return { nodes, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
