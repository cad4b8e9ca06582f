/**
 * The gossip actor: rumor mongering over pc_gossip. It keeps a peer view from routing's published
 * changes, answers `rpc.pc_gossip` (inbound.ts), spreads our notes (`gossip.publish`) and searches
 * (`gossip.search`, search.ts), and reports counters (`gossip.stats`). Every forward goes through
 * one send loop (spread.ts) with a bounded number in flight; everything stops on unsubscribe.
 */
import { catchError, defer, EMPTY, ignoreElements, mergeMap, of, retry, take, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, isGossipPublish, isGossipStats, isRoutingContactsReply, isRoutingPeerAdded, isRoutingPeerRemoved,
  reply } from '@peerconnect/protocol'
import type { GossipPublishReply, GossipStatsReply, Message } from '@peerconnect/protocol'
import { kitActor } from '@peerconnect/runtime'
import type { ActorDefinition, ActorFn } from '@peerconnect/runtime'
import { createContext, randomBytes } from './context.js'
import type { GossipContext } from './context.js'
import type { GossipInit } from './init.js'
import { onPcGossip } from './inbound.js'
import { onSearch } from './search.js'
import { sendLoop$, spread } from './spread.js'
import type { NoteRumor } from './rumor.js'
import { noteError } from './note.js'
import { idKey } from './view.js'
import { BadRequestError } from '@peerconnect/protocol'
import { CONTACTS_RETRY, CONTACTS_TRIES, RUMOR_ID_LENGTH, SELF_ASK_TIMEOUT } from './constants.js'

/** The gossip actor: its handlers (this table is what it consumes), its background streams, its stop. */
export const gossipDefinition = {
  name: 'gossip',
  worker: new URL('./worker.js', import.meta.url),
  /** The supervisor's watchdog asks this; no answer within its deadline → restart. */
  probe: 'gossip.stats',
  context: createContext,
  handlers: {
    'rpc.pc_gossip': onPcGossip,
    'gossip.publish': onPublish,
    'gossip.search': onSearch,
    'gossip.stats': onStats,
    'routing.peer.added': onPeerAdded,
    'routing.peer.removed': onPeerRemoved
  },
  background: (ctx) => [sendLoop$(ctx), loadContacts$(ctx)],
  stop: (ctx) => {
    for (const search of ctx.searches.values()) search.stopped = true
    ctx.searches.clear()
    ctx.sends$.complete()
  }
} satisfies ActorDefinition<GossipInit, GossipContext>

/** The actor's stream function (for tests that drive it without a supervisor). */
export function gossipActor (init: GossipInit): ActorFn {
  return kitActor(gossipDefinition, init)
}

// ── handlers ─────────────────────────────────────────────────────────────────────────────────

/** `gossip.publish {topic, data}`: spread a note; replies with its id and the peers it went to. */
function onPublish (m: Message, ctx: GossipContext): Observable<Message> {
  if (!isGossipPublish(m)) return of(errorReply(m, new BadRequestError('gossip.publish needs topic: string, data: bytes')))
  const bad = noteError(m.topic, m.data)
  if (bad !== undefined) return of(errorReply(m, bad))
  const now = ctx.deps.clock.now()
  const rumor: NoteRumor = {
    kind: 'note',
    id: randomBytes(RUMOR_ID_LENGTH, ctx.deps.random),
    hops: 0,
    topic: m.topic,
    data: m.data,
    origin: ctx.s.id,
    depth: 0,
    path: new Uint8Array(0)
  }
  ctx.seen.add(idKey(rumor.id), now)
  ctx.counts.notesPublished++
  const sent = spread(ctx, rumor, { receivedAt: now })
  return of(reply<GossipPublishReply>(m, { type: 'gossip.publish.reply', id: rumor.id, sent }))
}

function onStats (m: Message, ctx: GossipContext): Observable<Message> {
  if (!isGossipStats(m)) return of(errorReply(m, new BadRequestError('bad gossip.stats')))
  return of(
    reply<GossipStatsReply>(m, { type: 'gossip.stats.reply', ...ctx.counts, seenSize: ctx.seen.size, viewSize: ctx.view.size,
      inFlight: ctx.inFlight })
  )
}

function onPeerAdded (m: Message, ctx: GossipContext): Observable<Message> {
  if (isRoutingPeerAdded(m)) ctx.view.add(m.contact)
  return EMPTY
}

function onPeerRemoved (m: Message, ctx: GossipContext): Observable<Message> {
  if (isRoutingPeerRemoved(m)) ctx.view.remove(m.contact.id)
  return EMPTY
}

// ── the view at start ────────────────────────────────────────────────────────────────────────

/** One routing.contacts at start (retried a few times while routing is not there yet). Emits nothing. */
function loadContacts$ (ctx: GossipContext): Observable<never> {
  return defer(() => ctx.deps.ask({ type: 'routing.contacts' }, { timeout: SELF_ASK_TIMEOUT })).pipe(
    take(1),
    retry({ count: CONTACTS_TRIES - 1, delay: () => timer(CONTACTS_RETRY, ctx.deps.scheduler) }),
    catchError((err: unknown) => {
      ctx.log.debug('no routing.contacts; the view fills from routing.peer.added', { code: (err as { code?: unknown })?.code })
      return EMPTY
    }),
    mergeMap(r => {
      if (isRoutingContactsReply(r)) { for (const c of r.contacts) ctx.view.add(c) }
      return EMPTY
    }),
    ignoreElements()
  )
}
