/**
 * The addresses whose last query said they run in read-only mode (BEP 43 `ro: 1`), so that every
 * sighting of them — their queries and their replies to ours — says `ro` and routing keeps them
 * out of the table. A query without `ro` clears the mark (the node became reachable). Bounded:
 * the least recently marked are forgotten first.
 */
import { READ_ONLY_MAX_PEERS } from './constants.js'
import { withGetters } from '@peerconnect/runtime'

export interface ReadOnlyPeers {
  /** A query from `key` (`host:port`) said `ro` or not; true when that changed what is known of it. */
  heard(key: string, ro: boolean): boolean
  has(key: string): boolean
  readonly size: number
}

export function createReadOnlyPeers (max = READ_ONLY_MAX_PEERS): ReadOnlyPeers {
  const marked = new Set<string>()
  const api: Omit<ReadOnlyPeers, 'size'> = {
    heard (key, ro) {
      if (!ro) return marked.delete(key)
      const known = marked.delete(key)
      marked.add(key)
      if (marked.size > max) marked.delete(marked.values().next().value as string)
      return !known
    },
    has: (key) => marked.has(key)
  }
  return withGetters(api, { size: () => marked.size })
}
