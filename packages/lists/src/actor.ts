/**
 * The lists actor: holds records per list id and answers pc_record / pc_list / pc_announce /
 * pc_handoff / pc_search; announces our own record; hands records over to new closer contacts; serves the
 * directory (lists.page, lists.invalidate), keyword search (search.query, search.invalidate: see
 * search/search.ts) and lists.stats / lists.self. Every message type is
 * dispatched through one table; per-request failures are error replies, never a dead stream.
 */
import { catchError, defer, EMPTY, filter, finalize, ignoreElements, map, merge, mergeMap, of, takeUntil, tap, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { BadRequestError, errorReply, isActorConfigure, isListsPage, isObj, isRoutingPeerAdded, MAX_NAME_BYTES, reply } from '@peerconnect/protocol'
import type { ListsInvalidateReply, ListsPageReply, ListsSelfReply, ListsStatsReply, Message } from '@peerconnect/protocol'
import { CONFIGURE_TYPE } from '@peerconnect/runtime'
import type { ActorFn } from '@peerconnect/runtime'
import { createAnnouncer } from './holding/announce.js'
import type { Announcer } from './holding/announce.js'
import { createContext } from './context.js'
import type { Context } from './context.js'
import { decodeCursor } from './directory/cursor.js'
import { createDirectory } from './directory/directory.js'
import type { Directory } from './directory/directory.js'
import { NoRecordError } from './errors.js'
import { createHandoff } from './holding/handoff.js'
import type { Handoff } from './holding/handoff.js'
import { settingsOf } from './init.js'
import type { ListsInit } from './init.js'
import { onPcAnnounce } from './holding/rpc/pc-announce.js'
import { onPcHandoff } from './holding/rpc/pc-handoff.js'
import { onPcList } from './holding/rpc/pc-list.js'
import { onPcRecord } from './holding/rpc/pc-record.js'
import { heldSnapshots$, restoreHeld } from './holding/snapshot.js'
import { onPcSearch } from './search/pc-search.js'
import { createSearch } from './search/search.js'
import type { Search } from './search/search.js'
import { MAX_PAGE_LIMIT } from './constants.js'

type Handler = (msg: Message, ctx: Context, parts: Parts) => Observable<Message>

interface Parts {
  readonly directory: Directory
  readonly handoff: Handoff
  readonly announcer: Announcer
  readonly search: Search
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  'rpc.pc_record': (m, ctx) => onPcRecord(m, ctx),
  'rpc.pc_list': (m, ctx) => onPcList(m, ctx),
  'rpc.pc_announce': (m, ctx) => onPcAnnounce(m, ctx),
  'rpc.pc_handoff': (m, ctx) => onPcHandoff(m, ctx),
  'rpc.pc_search': (m, ctx) => onPcSearch(m, ctx),
  'search.query': (m, _ctx, parts) => parts.search.query(m),
  'search.invalidate': (m, _ctx, parts) => parts.search.invalidate(m),
  'lists.page': onPage,
  'lists.invalidate': (m, _ctx, parts) => { parts.directory.invalidate(); return answer(m, { type: 'lists.invalidate.reply' } satisfies ListsInvalidateReply) },
  'lists.stats': (m, ctx, parts) => answer(m, statsOf(ctx, parts)),
  'lists.self': (m, ctx) => ctx.self.record === undefined
    ? fail(m, new NoRecordError())
    : answer(m, { type: 'lists.self.reply', record: ctx.self.record } satisfies ListsSelfReply),
  'routing.peer.added': (m, _ctx, parts) => {
    if (isRoutingPeerAdded(m)) parts.announcer.onContact(m.contact)
    return parts.handoff.onPeerAdded(m)
  },
  'actor.configure': onConfigure
}

/**
 * The message types the actor consumes: those of its handler table (but `actor.configure`, which
 * the control plane delivers to every actor and no one may ask it for), and `actor.cancel`.
 */
export const LISTS_CONSUMES: readonly string[] = [...Object.keys(HANDLERS).filter(type => type !== CONFIGURE_TYPE), 'actor.cancel']

export function listsActor (init: ListsInit): ActorFn {
  const settings = settingsOf(init)
  return (in$, deps) => defer(() => {
    const ctx = createContext(init, settings, deps)
    const restored = restoreHeld(ctx, deps.snapshot)
    if (restored > 0) ctx.log.info('restored from snapshot', { records: restored })
    const announcer = createAnnouncer(ctx)
    const handoff = createHandoff(ctx)
    const parts: Parts = { directory: createDirectory(ctx), handoff, announcer, search: createSearch(ctx) }
    const cancelled = (m: Message): Observable<Message> => in$.pipe(filter(c => c.type === 'actor.cancel' && isObj(c) && c.ask === m.cid))
    const sweep$ = timer(settings.announceInterval, settings.announceInterval, deps.scheduler).pipe(tap(() => ctx.store.expire(ctx.now())), ignoreElements())
    const answers$ = in$.pipe(mergeMap(m => {
      const handle = HANDLERS[m.type]
      if (handle === undefined) return EMPTY
      return defer(() => handle(m, ctx, parts)).pipe(
        takeUntil(cancelled(m)),
        catchError((err: unknown) => {
          ctx.log.warn('handler failed', { type: m.type, error: String((err as Error)?.message ?? err) })
          return m.cid === undefined ? EMPTY : of(errorReply(m, err))
        })
      )
    }))
    return merge(announcer.run$, sweep$, heldSnapshots$(ctx), answers$).pipe(finalize(() => ctx.store.clear()))
  })
}

// ── handlers ─────────────────────────────────────────────────────────────────────────────────

function onPage (m: Message, _ctx: Context, parts: Parts): Observable<Message> {
  if (!isListsPage(m)) return fail(m, new BadRequestError('lists.page needs limit ≥ 1 and cursor?: string'))
  const decoded = m.cursor === undefined ? undefined : decodeCursor(m.cursor)
  if (decoded !== undefined && !decoded.ok) return fail(m, decoded.error)
  const limit = Math.min(m.limit, MAX_PAGE_LIMIT)
  return parts.directory.page(decoded?.cursor ?? null, limit).pipe(
    tap(page => parts.search.remember(page.peers.map(p => p.record))),
    map(page => reply<ListsPageReply>(m, { type: 'lists.page.reply', peers: page.peers, next: page.next, holders: page.holders }))
  )
}

/** `actor.configure {patch: {name}}`: a new name means a new record (new sequence), announced at once. */
function onConfigure (m: Message, ctx: Context, parts: Parts): Observable<Message> {
  if (!isActorConfigure(m)) return EMPTY
  const name = m.patch.name
  const ok = typeof name === 'string' && new TextEncoder().encode(name).length <= MAX_NAME_BYTES
  if (ok && name !== ctx.self.name) {
    ctx.self.name = name
    parts.announcer.kick()
  }
  if (m.cid === undefined) return EMPTY
  return of(ok || name === undefined ? reply(m, { type: 'actor.configure.reply' }) : errorReply(m, new BadRequestError('name must be a string of at most 64 bytes')))
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function statsOf (ctx: Context, parts: Parts): ListsStatsReply {
  const now = ctx.now()
  return {
    type: 'lists.stats.reply',
    held: ctx.store.lists(now).length,
    records: ctx.store.size(now),
    rejected: ctx.rejected.snapshot(),
    sent: ctx.sent.snapshot(),
    rounds: parts.announcer.completed(),
    announced: parts.announcer.announced()
  }
}

/** The reply to an ask (nothing for a published message). */
function answer<T extends { type: string }> (m: Message, body: T): Observable<Message> {
  return m.cid === undefined ? EMPTY : of(reply(m, body))
}

function fail (m: Message, err: unknown): Observable<Message> {
  return m.cid === undefined ? EMPTY : of(errorReply(m, err))
}
