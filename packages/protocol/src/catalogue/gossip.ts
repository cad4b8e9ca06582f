/**
 * Messages of the gossip actor (the wire side: docs/PROTOCOL.md, pc_gossip): rumor mongering over `pc_gossip` — gossip search and
 * notes that users publish and subscribe to for their own pipelines.
 *
 *   gossip.publish   ──ask──▶ gossip    spread a note {topic, data} to every node; replies gossip.publish.reply
 *   gossip.note      ──pub──▶ anyone    another node's note arrived here (first receipt only)
 *   gossip.search    ──ask──▶ gossip    streams gossip.hit (end: false) …, then gossip.search.done (end: true)
 *   gossip.stats     ──ask──▶ gossip    counters
 *   rpc.pc_gossip    ◀─ask─── transport  one rumor from another node
 *   routing.peer.added / routing.peer.removed   ──pub──▶ gossip   its peer view
 *   transport.query / transport.info / routing.contacts / lists.self   ──ask──▶ (from gossip)
 *
 * A search ends at its time bound (default 3 s); unsubscribing cancels it and stops its traffic.
 */
import { isPeerRecord } from '../record.js'
import type { PeerRecord } from '../record.js'
import type { NodeId } from '../id.js'
import { isBytes, isId, isMessageOf, isNat, isOptional, isStr } from '../guards.js'

/** Bytes of UTF-8 in a note's topic (at least 1). */
export const MAX_TOPIC_BYTES = 64
/** Bytes of a note's payload. */
export const MAX_NOTE_BYTES = 512
/** Longest time bound a gossip search may ask for (ms). */
export const MAX_GOSSIP_SEARCH_TIMEOUT = 60_000

/** Error codes of failed gossip asks (as ErrorData.code). */
export const GOSSIP_ERRORS = {
  BAD_QUERY: 'ERR_BAD_QUERY', // empty, over 64 bytes, or no letter or digit (see match.ts)
  BAD_NOTE: 'ERR_BAD_NOTE', // topic not 1..64 bytes of UTF-8, or payload over 512 bytes
  BAD_REQUEST: 'ERR_BAD_REQUEST' // a message that fails its guard
} as const

/** Ask: spread a note to every node. Replies once the first forwards went out. */
export type GossipPublish = { type: 'gossip.publish', cid?: number, topic: string, data: Uint8Array }
/** `id`: the rumor's 8-byte id; `sent`: peers it was handed to. */
export type GossipPublishReply = { type: 'gossip.publish.reply', re?: number, end?: boolean, id: Uint8Array, sent: number }
/** Published when another node's note first reaches this node. `from`: the publisher's id; `hops` from it. */
export type GossipNote = { type: 'gossip.note', id: Uint8Array, topic: string, data: Uint8Array, from: NodeId, hops: number }
/** Ask: a gossip search for `q` (validated like search.query) lasting `timeout` ms (default 3 s). */
export type GossipSearch = { type: 'gossip.search', cid?: number, q: string, timeout?: number }
/** One hit: a verified record whose name matches, sent straight to us by its node. */
export type GossipHit = { type: 'gossip.hit', re?: number, end?: boolean, record: PeerRecord, via: 'gossip' }
/** The last reply of a gossip search: distinct hits, and how long it ran. */
export type GossipSearchDone = { type: 'gossip.search.done', re?: number, end?: boolean, hits: number, ms: number }
/** Ask: the gossip counters. */
export type GossipStats = { type: 'gossip.stats', cid?: number }

/** What the gossip actor counts since it started. */
export interface GossipCounters {
  /** pc_gossip rumors received (well-formed), first receipts and duplicates. */
  received: number
  /** Of those, already in the seen-cache. */
  duplicates: number
  /** pc_gossip queries sent to forward rumors (ours and others'). */
  forwarded: number
  /** Forwards that failed (timeout, error) and were retried with another peer or given up. */
  failed: number
  /** Rumors not forwarded: too old, decided by the forwarding probability, or dropped under load. */
  dropped: number
  /** pc_gossip messages refused as malformed. */
  malformed: number
  /** Notes published here / delivered here from others. */
  notesPublished: number
  notesDelivered: number
  /** Searches started here; hits sent to other nodes' searches; hits received for ours. */
  searches: number
  hitsSent: number
  hitsReceived: number
  /** Rumor ids in the seen-cache; peers in the view; pc_gossip queries in flight. */
  seenSize: number
  viewSize: number
  inFlight: number
}

export type GossipStatsReply = { type: 'gossip.stats.reply', re?: number, end?: boolean } & GossipCounters

export const GOSSIP_COUNTER_NAMES = [
  'received',
  'duplicates',
  'forwarded',
  'failed',
  'dropped',
  'malformed',
  'notesPublished',
  'notesDelivered',
  'searches',
  'hitsSent',
  'hitsReceived',
  'seenSize',
  'viewSize',
  'inFlight'
] as const satisfies ReadonlyArray<keyof GossipCounters>

export const isGossipPublish = isMessageOf<GossipPublish>('gossip.publish', { topic: isStr, data: isBytes })
export const isGossipPublishReply = isMessageOf<GossipPublishReply>('gossip.publish.reply', { id: isBytes, sent: isNat })
export const isGossipNote = isMessageOf<GossipNote>('gossip.note', { id: isBytes, topic: isStr, data: isBytes, from: isId, hops: isNat })
export const isGossipSearch = isMessageOf<GossipSearch>('gossip.search', { q: isStr, timeout: isOptional(isNat) })
export const isGossipHit = isMessageOf<GossipHit>('gossip.hit', { record: isPeerRecord, via: (x: unknown) => x === 'gossip' })
export const isGossipSearchDone = isMessageOf<GossipSearchDone>('gossip.search.done', { hits: isNat, ms: isNat })
export const isGossipStats = isMessageOf<GossipStats>('gossip.stats', {})
export const isGossipStatsReply = isMessageOf<GossipStatsReply>('gossip.stats.reply',
  Object.fromEntries(GOSSIP_COUNTER_NAMES.map(k => [k, isNat])) as Record<keyof GossipCounters, typeof isNat>)
