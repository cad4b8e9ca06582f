/**
 * Hand-rolled collaborators for the ui-bridge actor tests: peers with real signed records, and a
 * fake node whose `ask` answers by message type (transport, routing, lists, crawler, liveness,
 * search, supervisor), every answer overridable by a test, every ask recorded.
 */
import { createHash } from 'node:crypto'
import { asyncScheduler, Observable, of, throwError } from 'rxjs'
import type { SchedulerLike } from 'rxjs'
import { createRecord, generateIdentity, idsEqual, idToHex, isTransportQuery, recordToWire, reply } from '@peerconnect/protocol'
import type { Contact, DirectoryPeer, Identity, Message, NodeId, PeerRecord } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import { testDeps } from '@peerconnect/runtime/testing'

export const T0 = 1_700_000_000_000

export interface FakeClock {
  now(): number
  advance(ms: number): void
  set(ms: number): void
}

export function fakeClock (start = T0): FakeClock {
  let t = start
  return { now: () => t, advance: ms => {
    t += ms
  }, set: ms => {
    t = ms
  } }
}

export interface FakePeer {
  readonly identity: Identity
  readonly id: NodeId
  readonly hex: string
  readonly name: string
  readonly record: PeerRecord
  readonly contact: Contact
}

/** A peer on 127.0.0.1 with a real signed record. */
export function fakePeer (name: string, port: number, lastSeen = T0): FakePeer {
  const identity = generateIdentity()
  const record = createRecord(identity, { name, host: '127.0.0.1', port, seq: 1 })
  return { identity, id: identity.id, hex: idToHex(identity.id), name, record,
    contact: { id: identity.id, host: '127.0.0.1', port, lastSeen } }
}

/** An error as `deps.ask` delivers it: an Error with name and code. */
export function askError (code: string, message = code): Observable<never> {
  return throwError(() => Object.assign(new Error(message), { name: 'AskError', code }))
}

export type Answer = (m: Message) => Observable<Message>

export interface FakeNode {
  readonly self: Identity
  /** The routing table (mutable). */
  contacts: Contact[]
  /** The peers that answer pc_record (by port); others answer 204 unless in `silent`. */
  readonly peers: Map<number, FakePeer>
  /** Ports that never answer pc_record (timeout). */
  readonly silent: Set<number>
  /** Liveness verdicts by port (default alive). */
  readonly dead: Set<number>
  directory: DirectoryPeer[]
  /** Replaces the answer to one message type. */
  readonly answers: Map<string, Answer>
  /** Every ask, in order. */
  readonly asked: Message[]
  readonly ask: ActorDeps['ask']
  asks(type: string): Message[]
}

export function fakeNode (opts: { clock?: FakeClock, peers?: readonly FakePeer[] } = {}): FakeNode {
  const clock = opts.clock ?? fakeClock()
  const self = generateIdentity()
  const node: FakeNode = {
    self,
    contacts: (opts.peers ?? []).map(p => ({ ...p.contact })),
    peers: new Map((opts.peers ?? []).map(p => [p.contact.port, p])),
    silent: new Set(),
    dead: new Set(),
    directory: (opts.peers ?? []).map((p, i) => ({ record: p.record, list: i % 20, seenAt: T0 - 1000 })),
    answers: new Map(),
    asked: [],
    ask: (m) => {
      node.asked.push(m)
      const answer = node.answers.get(m.type) ?? defaults[m.type]
      return answer === undefined ? askError('ERR_NO_CONSUMER', `no actor consumes ${m.type}`) : answer(m)
    },
    asks: (type) => node.asked.filter(m => m.type === type)
  }
  const defaults: Record<string, Answer> = {
    'transport.info': m =>
      of(
        reply(m, { type: 'transport.info.reply', id: self.id, udp: { host: '127.0.0.1', port: 6881 },
          stats: { queriesSent: 12, timeouts: 2, pending: 1, tcpPort: 6881 } })
      ),
    'routing.contacts': m =>
      of(reply(m, { type: 'routing.contacts.reply', self: self.id, contacts: node.contacts.map(c => ({ ...c })), buckets: [1, 2, 3] })),
    'routing.get': m => {
      const id = (m as Message & { id: NodeId }).id
      return of(reply(m, { type: 'routing.get.reply', contact: node.contacts.find(c => idsEqual(c.id, id)) ?? null }))
    },
    'supervisor.stats': m => of(reply(m, {
      type: 'supervisor.stats.reply',
      pendingAsks: 3,
      actors: [
        { name: 'transport', host: 'inline', threadId: 0, restarts: 0, messagesIn: 10, messagesOut: 11, queueDepth: 0, state: 'running' },
        { name: 'routing', host: 'worker', threadId: 2, restarts: 1, messagesIn: 20, messagesOut: 21, queueDepth: 4, state: 'running' }
      ]
    })),
    'lists.stats': m =>
      of(
        reply(m, { type: 'lists.stats.reply', held: 2, records: 9, rejected: { ERR_BAD_SIGNATURE: 1 }, sent: { pc_list: 5 }, rounds: 4,
          announced: 3 })
      ),
    'lists.page': m => {
      const { cursor, limit } = m as Message & { cursor?: string, limit: number }
      if (cursor !== undefined && !/^\d+$/.test(cursor)) return askError('ERR_BAD_CURSOR', 'bad cursor')
      const start = cursor === undefined ? 0 : Number(cursor)
      const peers = node.directory.slice(start, start + limit)
      const next = start + limit < node.directory.length ? String(start + limit) : null
      return of(reply(m, { type: 'lists.page.reply', peers, next, holders: [{ list: 0, answered: 3 }] }))
    },
    'transport.query': m => {
      if (!isTransportQuery(m) || m.q !== 'pc_record') return askError('ERR_BAD_REQUEST')
      if (node.silent.has(m.to.port)) return askError('ERR_RPC_TIMEOUT', 'no reply')
      const peer = node.peers.get(m.to.port)
      if (peer === undefined) return askError('ERR_RPC_REMOTE', '204 method unknown')
      return of(
        reply(m, { type: 'transport.response', from: m.to, id: peer.id, r: { id: peer.id, record: recordToWire(peer.record) }, rtt: 3,
          bytes: 300 })
      )
    },
    'liveness.check': m => {
      const { id, host, port } = m as Message & { id: NodeId, host: string, port: number }
      const alive = !node.dead.has(port)
      return of(
        reply(m, { type: 'liveness.result', id, host, port, alive, via: alive ? 'udp' : null, rtt: alive ? 2 : null,
          checkedAt: clock.now() })
      )
    },
    'crawler.find': m =>
      of(
        reply(m, { type: 'crawler.result', target: (m as Message & { id: NodeId }).id, closest: [], found: null, queries: 3, bytes: 600,
          ms: 12 })
      )
  }
  return node
}

/** The runtime's testDeps, in real time unless a scheduler is given, on a clock of the test's own. */
export function uiDeps (ask: ActorDeps['ask'], opts: { clock?: FakeClock, scheduler?: SchedulerLike } = {}): ActorDeps {
  return testDeps({ name: 'ui-bridge', ask, clock: opts.clock ?? fakeClock(), scheduler: opts.scheduler ?? asyncScheduler })
}

/** Search hits then a done reply, `gap` ms apart on the async scheduler (a stream, like the search owner's). */
export function searchReplies (m: Message, records: readonly PeerRecord[],
  opts: { via?: 'local' | 'lists' | 'gossip', gap?: number, holders?: number } = {}): Observable<Message> {
  return new Observable<Message>(sub => {
    const timers: NodeJS.Timeout[] = []
    records.forEach((record, i) => {
      timers.push(
        setTimeout(() => sub.next(reply(m, { type: 'search.hit', record, via: opts.via ?? 'lists' }, false)), (opts.gap ?? 5) * (i + 1))
      )
    })
    timers.push(setTimeout(() => {
      sub.next(
        reply(m, opts.holders === undefined
          ? { type: 'search.done', hits: records.length, ms: 42 }
          : { type: 'search.done', hits: records.length, ms: 42, holders: opts.holders })
      )
      sub.complete()
    }, (opts.gap ?? 5) * (records.length + 1)))
    return () => {
      for (const t of timers) clearTimeout(t)
    }
  })
}

/** A key's fingerprint computed here, independently of the code under test: SHA-256, first 8 bytes, groups of 4 hex. */
export function sha256Fingerprint (key: Uint8Array): string {
  const hex = createHash('sha256').update(key).digest('hex')
  return [0, 4, 8, 12].map(i => hex.slice(i, i + 4)).join(' ')
}
