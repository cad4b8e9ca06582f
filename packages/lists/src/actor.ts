/**
 * The lists actor, on the runtime's actor kit: its handler table is the actor. It holds records
 * per list id and answers pc_record / pc_list / pc_announce / pc_handoff / pc_search; announces
 * our own record; hands records over to new closer contacts; serves the directory (lists.page,
 * lists.invalidate), keyword search (search.query, search.invalidate: see search/search.ts) and
 * lists.stats / lists.self. The kit derives what it consumes from the table, runs each message in
 * isolation (a handler that fails is an error reply, the actor goes on) and cancels a request on
 * `actor.cancel`.
 */
import { ignoreElements, map, of, tap, timer, EMPTY } from 'rxjs'
import type { Observable } from 'rxjs'
import { BadRequestError, errorReply, isActorConfigure, isListsPage, isRoutingPeerAdded, MAX_NAME_BYTES,
  reply } from '@peerconnect/protocol'
import type { ListsInvalidateReply, ListsPageReply, ListsSelfReply, ListsStatsReply, Message } from '@peerconnect/protocol'
import { consumesOf, defineActor } from '@peerconnect/runtime'
import type { ActorDeps, ActorFactory, ActorFn, Handler } from '@peerconnect/runtime'
import { createContext } from './context.js'
import type { Context } from './context.js'
import { decodeCursor } from './directory/cursor.js'
import { createDirectory } from './directory/directory.js'
import type { Directory } from './directory/directory.js'
import { NoRecordError } from './errors.js'
import { createAnnouncer } from './holding/announce.js'
import type { Announcer } from './holding/announce.js'
import { createHandoff } from './holding/handoff.js'
import type { Handoff } from './holding/handoff.js'
import { onPcAnnounce } from './holding/rpc/pc-announce.js'
import { onPcHandoff } from './holding/rpc/pc-handoff.js'
import { onPcList } from './holding/rpc/pc-list.js'
import { onPcRecord } from './holding/rpc/pc-record.js'
import { heldSnapshots$, restoreHeld } from './holding/snapshot.js'
import { settingsOf } from './init.js'
import type { ListsInit } from './init.js'
import { onPcSearch } from './search/pc-search.js'
import { createSearch } from './search/search.js'
import type { Search } from './search/search.js'
import { MAX_PAGE_LIMIT } from './constants.js'

/** One run of the actor: the context its parts share, and the parts. */
export interface Run {
  readonly ctx: Context
  readonly directory: Directory
  readonly handoff: Handoff
  readonly announcer: Announcer
  readonly search: Search
}

/** The actor: one handler per message type it consumes. */
export const LISTS_HANDLERS: Readonly<Record<string, Handler<Run>>> = {
  'rpc.pc_record': (m, { ctx }) => onPcRecord(m, ctx),
  'rpc.pc_list': (m, { ctx }) => onPcList(m, ctx),
  'rpc.pc_announce': (m, { ctx }) => onPcAnnounce(m, ctx),
  'rpc.pc_handoff': (m, { ctx }) => onPcHandoff(m, ctx),
  'rpc.pc_search': (m, { ctx }) => onPcSearch(m, ctx),
  'search.query': (m, { search }) => search.query(m),
  'search.invalidate': (m, { search }) => search.invalidate(m),
  'lists.page': onPage,
  'lists.invalidate': (m, { directory }) => {
    directory.invalidate()
    return answer(m, { type: 'lists.invalidate.reply' } satisfies ListsInvalidateReply)
  },
  'lists.stats': (m, run) => answer(m, statsOf(run)),
  'lists.self': (m, { ctx }) =>
    ctx.self.record === undefined
      ? fail(m, new NoRecordError())
      : answer(m, { type: 'lists.self.reply', record: ctx.self.record } satisfies ListsSelfReply),
  'routing.peer.added': (m, { announcer, handoff }) => {
    if (isRoutingPeerAdded(m)) announcer.onContact(m.contact)
    return handoff.onPeerAdded(m)
  },
  'actor.configure': onConfigure
}

/** The message types the actor consumes: its handler table's, and `actor.cancel` (the kit's). */
export const LISTS_CONSUMES: readonly string[] = consumesOf(LISTS_HANDLERS)

const definition = defineActor<ListsInit, Run>({
  name: 'lists',
  worker: new URL('./worker.js', import.meta.url),
  handlers: LISTS_HANDLERS,
  context: (init, deps) => startRun(init, deps),
  restore: (run, snapshot) => {
    const restored = restoreHeld(run.ctx, snapshot)
    if (restored > 0) run.ctx.log.info('restored from snapshot', { records: restored })
  },
  background: ({ ctx, announcer }) => [announcer.run$, sweep$(ctx), heldSnapshots$(ctx)],
  stop: ({ ctx }) => {
    ctx.store.clear()
  }
})

/** The lists actor. An identity whose id is not SHA-1 of its key is refused at once (ERR_INVALID_INIT). */
export const lists: ActorFactory<ListsInit> = Object.assign((init: ListsInit) => {
  settingsOf(init)
  return definition(init)
}, { actorName: definition.actorName })

/** The actor's stream function (what `lists(init).run` is), for tests that drive it directly. */
export function listsActor (init: ListsInit): ActorFn {
  return lists(init).run
}

// ── handlers ─────────────────────────────────────────────────────────────────────────────────

function onPage (m: Message, { directory, search }: Run): Observable<Message> {
  if (!isListsPage(m)) return fail(m, new BadRequestError('lists.page needs limit ≥ 1 and cursor?: string'))
  const decoded = m.cursor === undefined ? undefined : decodeCursor(m.cursor)
  if (decoded !== undefined && !decoded.ok) return fail(m, decoded.error)
  const limit = Math.min(m.limit, MAX_PAGE_LIMIT)
  return directory.page(decoded?.cursor ?? null, limit).pipe(
    tap(page => search.remember(page.peers.map(p => p.record))),
    map(page => reply<ListsPageReply>(m, { type: 'lists.page.reply', peers: page.peers, next: page.next, holders: page.holders }))
  )
}

/** `actor.configure {patch: {name}}`: a new name means a new record (new sequence), announced at once. */
function onConfigure (m: Message, { ctx, announcer }: Run): Observable<Message> {
  if (!isActorConfigure(m)) return fail(m, new BadRequestError('actor.configure needs patch: object'))
  const name = m.patch.name
  const ok = typeof name === 'string' && new TextEncoder().encode(name).length <= MAX_NAME_BYTES
  if (ok && name !== ctx.self.name) {
    ctx.self.name = name
    announcer.kick()
  }
  if (!ok && name !== undefined) return fail(m, new BadRequestError('name must be a string of at most 64 bytes'))
  return answer(m, { type: 'actor.configure.reply' })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** The context and the parts of one run. */
function startRun (init: ListsInit, deps: ActorDeps): Run {
  const ctx = createContext(init, settingsOf(init), deps)
  return { ctx, directory: createDirectory(ctx), handoff: createHandoff(ctx), announcer: createAnnouncer(ctx), search: createSearch(ctx) }
}

/** Drops expired records every announce interval (reads drop them too; this bounds the memory of a quiet holder). */
function sweep$ (ctx: Context): Observable<never> {
  const every = ctx.settings.announceInterval
  return timer(every, every, ctx.deps.scheduler).pipe(tap(() => ctx.store.expire(ctx.now())), ignoreElements())
}

function statsOf ({ ctx, announcer }: Run): ListsStatsReply {
  const now = ctx.now()
  return {
    type: 'lists.stats.reply',
    held: ctx.store.lists(now).length,
    records: ctx.store.size(now),
    rejected: ctx.rejected.snapshot(),
    sent: ctx.sent.snapshot(),
    rounds: announcer.completed(),
    announced: announcer.announced()
  }
}

/** The reply to an ask (nothing for a published message). */
function answer<T extends { type: string }> (m: Message, body: T): Observable<Message> {
  return m.cid === undefined ? EMPTY : of(reply(m, body))
}

function fail (m: Message, err: unknown): Observable<Message> {
  return m.cid === undefined ? EMPTY : of(errorReply(m, err))
}
