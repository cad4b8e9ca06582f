/**
 * A hand-rolled UiBackend for tests: peers and a directory in memory, events pushed by the test,
 * searches scripted by the test, and every call recorded.
 */
import type { HitSource, LookupStep, MetricValue, NodeStatus, Peer, PeerDetails, PeerEvent, SearchOptions,
  UiBackend } from '../src/backend.js'

export interface FakeBackend extends UiBackend {
  /** Sends an event to every subscriber. */
  emit(e: PeerEvent): void
  /** Subscribers now. */
  readonly listenerCount: number
  /** Every search call, in order. */
  readonly searches: Array<{ q: string, opts: SearchOptions }>
  /** Every directory page call, in order. */
  readonly pages: Array<{ cursor?: string, limit: number }>
  readonly lookups: string[]
  live: Peer[]
}

export interface FakeInit {
  live?: Peer[]
  directory?: Peer[]
  status?: Partial<NodeStatus>
  metrics?: () => Promise<Record<string, MetricValue>>
  search?: (q: string, opts: SearchOptions) => AsyncIterable<{ peer: Peer, via: HitSource }>
  /** Details by id; default: made up from the live list and the directory. */
  details?: (id: string) => Promise<PeerDetails | null>
  /** A scripted lookup; default: one progress step, then the peer from the live list or the directory. */
  lookup?: (id: string, signal: AbortSignal) => AsyncIterable<LookupStep>
  /** Makes a method reject with this error (or throw it, for `events`). */
  fail?: Partial<Record<'status' | 'livePeers' | 'peers' | 'peer' | 'events' | 'metrics' | 'search', unknown>>
  /** Called when livePeers() is asked, before it answers (to interleave events in tests). */
  onLivePeers?: () => Promise<void> | void
}

export const NODE_ID = 'ab'.repeat(20)

export function fakeBackend (init: FakeInit = {}): FakeBackend {
  const listeners = new Set<(e: PeerEvent) => void>()
  const directory = init.directory ?? []
  const fail = init.fail ?? {}
  const searches: FakeBackend['searches'] = []
  const pages: FakeBackend['pages'] = []
  const lookups: string[] = []
  const backend: FakeBackend = {
    live: init.live ?? [],
    searches,
    pages,
    lookups,
    get listenerCount () {
      return listeners.size
    },
    emit (e) {
      for (const l of [...listeners]) l(e)
    },
    async status () {
      if ('status' in fail) throw fail.status
      return {
        id: NODE_ID,
        name: 'test-node',
        udp: '127.0.0.1:6881',
        api: 'http://127.0.0.1:0',
        uptime: 61_000,
        peers: backend.live.length,
        actors: [{ name: 'routing', host: 'worker', threadId: 2, restarts: 0 }, { name: 'transport', host: 'inline', threadId: 0,
          restarts: 1 }],
        lists: { held: 2, records: 17 },
        buckets: [0, 0, 1, 3, 8, 8, 5, 2],
        ...init.status
      }
    },
    async livePeers () {
      if ('livePeers' in fail) throw fail.livePeers
      await init.onLivePeers?.()
      return [...backend.live]
    },
    async peers (page) {
      pages.push(page)
      if ('peers' in fail) throw fail.peers
      let start = 0
      if (page.cursor !== undefined) {
        const m = /^p(\d+)$/.exec(page.cursor)
        if (m === null) throw Object.assign(new Error('bad cursor'), { name: 'BadCursorError', code: 'ERR_BAD_CURSOR' })
        start = Number(m[1])
      }
      const end = Math.min(directory.length, start + page.limit)
      return { peers: directory.slice(start, end), next: end < directory.length ? `p${end}` : null }
    },
    async peer (id) {
      lookups.push(id)
      if ('peer' in fail) throw fail.peer
      return [...backend.live, ...directory].find(p => p.id === id) ?? null
    },
    async details (id) {
      if (init.details !== undefined) return await init.details(id)
      const found = [...backend.live, ...directory].find(p => p.id === id)
      if (found === undefined) return null
      return {
        peer: found,
        record: { key: 'cd'.repeat(32), fingerprint: found.key ?? '1a2b 3c4d 5e6f 7a8b', seq: 3, address: found.address },
        list: { index: 7, id: '59'.repeat(20) },
        inTable: backend.live.includes(found),
        rtt: 12,
        lastChecked: found.lastSeen
      }
    },
    lookup (id, signal) {
      lookups.push(id)
      if (init.lookup !== undefined) return init.lookup(id, signal)
      const found = [...backend.live, ...directory].find(p => p.id === id) ?? null
      return steps([{ queried: 3, responded: 2, closest: 2 }, { done: true, peer: found, closest: found === null ? [] : [found.id],
        queries: 3, ms: 5 }])
    },
    search (q, opts) {
      searches.push({ q, opts })
      if ('search' in fail) throw fail.search
      return init.search?.(q, opts) ?? empty()
    },
    events (listener) {
      if ('events' in fail) throw fail.events
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    async metrics () {
      if ('metrics' in fail) throw fail.metrics
      return await (init.metrics?.() ?? Promise.resolve({ peers: backend.live.length, messages_in_total: { routing: 5, crawler: 2 } }))
    }
  }
  return backend
}

/** A peer with a deterministic id (`i` as 40 hex digits, spread over the ring). */
export function peer (i: number, over: Partial<Peer> = {}): Peer {
  const lead = ((i * 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')
  return {
    id: (lead + i.toString(16).padStart(32, '0')).slice(0, 40),
    name: `peer-${i}`,
    address: `10.0.0.${i % 250 + 1}:${6881 + i}`,
    status: 'online',
    lastSeen: 1_700_000_000_000 + i * 1000,
    ...over
  }
}

/** A promise the test resolves by hand. */
export function gate<T = void> (): { promise: Promise<T>, open: (value: T) => void } {
  let open!: (value: T) => void
  const promise = new Promise<T>(resolve => {
    open = resolve
  })
  return { promise, open }
}

/** Resolves when `signal` aborts (or at once if it has). */
export function aborted (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
}

export function coded (code: string, message = code): Error & { code: string } {
  return Object.assign(new Error(message), { code })
}

async function* empty (): AsyncIterable<{ peer: Peer, via: HitSource }> {}

async function* steps (list: LookupStep[]): AsyncIterable<LookupStep> {
  yield* list
}
