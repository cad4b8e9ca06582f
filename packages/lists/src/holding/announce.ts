/**
 * The announce loop: at start and every `announceInterval`, make sure our record is current (a
 * new sequence when the name or the address changed, kept in the snapshot), look up the R nodes
 * closest to our closest list id when needed (the first rounds, every `lookupEvery` rounds, when
 * there are fewer than R, when one stopped answering, or when routing met a closer node), and announce the record to each of them with
 * a token from its last pc_list reply (fetched again when it is old or refused). The steady cost
 * per interval is one pc_announce per holder.
 */
import { catchError, concat, concatMap, defer, EMPTY, from, ignoreElements, map, merge, mergeMap, Observable, of, Subject, tap, throwError,
  timer, toArray } from 'rxjs'
import type { OperatorFunction, Subscription } from 'rxjs'
import { closest, closestListId, compareDistance, createRecord, encodeAddress, idsEqual, idToHex, isTransportInfoReply, recordToWire,
  second, TRANSPORT_ERRORS } from '@peerconnect/protocol'
import type { Address, Contact, Message, NodeId, PeerRecord, TransportInfo } from '@peerconnect/protocol'
import { snapshotOf } from './snapshot.js'
import type { Context } from '../context.js'
import { finalHolders } from '../holders.js'
import { query } from '../query.js'
import { remoteCode } from '../rejection.js'
import { EARLY_LOOKUPS } from '../constants.js'

export interface Announcer {
  /** The loop: subscribe to run it. Emits `actor.snapshot` when our record changes. */
  readonly run$: Observable<Message>
  /** Runs a round now (after a name change), or right after the one running. */
  kick(): void
  /** A contact routing just met: when it is closer to our list id than a holder, the next round looks the holders up again. */
  onContact(contact: Contact): void
  /** Rounds that announced our record (to every holder that answered). */
  completed(): number
  /** Rounds in which at least one holder took our record. */
  announced(): number
}

type Outcome = 'ok' | 'refused' | 'silent'

export function createAnnouncer (ctx: Context): Announcer {
  const { settings, log } = ctx
  const list = closestListId(settings.id)
  const kick$ = new Subject<void>()
  let holders: Contact[] = []
  /** Holders that took our record in the last round: a lookup under load may miss them, so it does not replace them. */
  let answered: Contact[] = []
  let rounds = 0
  let sinceLookup = 0
  let failed = false
  let stale = false
  let completed = 0
  let announced = 0

  const holders$ = (): Observable<Contact[]> => {
    const due = holders.length < settings.r || failed || stale || rounds < EARLY_LOOKUPS || sinceLookup >= settings.lookupEvery
    rounds++
    sinceLookup++
    if (!due) return of(holders)
    return finalHolders(ctx, list.index, settings.r).pipe(catchError(() => of(holders)), map(looked => {
      const found = closestOf([...looked, ...answered], list.id, settings.r)
      log.debug('holders', { list: list.index, holders: found.map(keyOf) })
      holders = found
      sinceLookup = 1
      failed = false
      stale = false
      return found
    }))
  }

  const fetchToken = (h: Contact): Observable<Uint8Array> =>
    query(ctx, h, 'pc_list', { list: list.index }).pipe(
      map(({ reply }) => {
        ctx.peerTokens.set(h, reply.token, ctx.now())
        return reply.token
      })
    )

  const announceTo = (h: Contact, record: PeerRecord): Observable<Outcome> => {
    const send = (token: Uint8Array): Observable<unknown> =>
      query(ctx, h, 'pc_announce', { list: list.index, record: recordToWire(record), token })
    const held = ctx.peerTokens.get(h, ctx.now())
    const token$ = held !== undefined ? of(held) : fetchToken(h)
    return token$.pipe(
      concatMap(send),
      catchError((err: unknown) => {
        if (remoteCode(err) !== 'ERR_BAD_TOKEN') return throwError(() => err)
        ctx.peerTokens.delete(h)
        return fetchToken(h).pipe(concatMap(send))
      }),
      map((): Outcome => 'ok'),
      catchError((err: unknown) => {
        const refused = (err as { code?: unknown }).code === TRANSPORT_ERRORS.REMOTE
        if (refused) log.debug('announce refused', { to: keyOf(h), code: remoteCode(err) })
        return of<Outcome>(refused ? 'refused' : 'silent')
      })
    )
  }

  const announceAll = (hs: Contact[], record: PeerRecord): Observable<never> => {
    const farthest = hs[settings.r - 1]
    if (farthest === undefined || compareDistance(settings.id, farthest.id, list.id) < 0) {
      ctx.store.put(list.index, record, { now: ctx.now() })
    }
    return from(hs).pipe(
      mergeMap(h => announceTo(h, record).pipe(map(outcome => ({ h, outcome }))), settings.r),
      toArray(),
      tap(outcomes => {
        failed = outcomes.some(o => o.outcome === 'silent')
        answered = outcomes.filter(o => o.outcome === 'ok').map(o => o.h)
        completed++
        if (answered.length > 0) announced++
      }),
      ignoreElements()
    )
  }

  const round$ = defer(() => addressOf(ctx)).pipe(
    concatMap(({ address, also, readOnly }) => {
      const snapshot = refreshRecord(ctx, address, also, readOnly)
      const record = ctx.self.record
      const snapshot$ = snapshot === undefined ? EMPTY : of(snapshot)
      if (record === undefined) return snapshot$
      return concat(snapshot$, holders$().pipe(concatMap(hs => announceAll(hs, record))))
    }),
    catchError((err: unknown) => {
      log.warn('announce round failed', { error: String((err as Error)?.message ?? err) })
      return EMPTY
    })
  )

  const run$ = !settings.announce
    ? EMPTY
    : merge(timer(0, settings.announceInterval, ctx.deps.scheduler), kick$).pipe(exhaustTrailing(() => round$))

  const onContact = (contact: Contact): void => {
    if (contact.pc === false) return // a BEP 5-only node is never a holder
    const farthest = holders[settings.r - 1]
    if (farthest === undefined || compareDistance(contact.id, farthest.id, list.id) < 0) stale = true
  }

  return { run$, kick: () => kick$.next(), onContact, completed: () => completed, announced: () => announced }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/**
 * Like exhaustMap, but a trigger that comes while a round runs is not dropped: one more round
 * starts as soon as it ends (several such triggers make one). A round that waited for a silent
 * holder (a 2 s query timeout) would otherwise wait for the next tick too: with a 1 s interval the
 * live holders then went 3 s — the record's whole TTL — without an announce, and the record lapsed
 * at all of them at once.
 */
function exhaustTrailing<T> (project: () => Observable<T>): OperatorFunction<unknown, T> {
  return source => new Observable<T>(sub => {
    let running = false
    let pending = false
    let ended = false
    let inner: Subscription | undefined
    const start = (): void => {
      running = true
      pending = false
      inner = project().subscribe({
        next: v => sub.next(v),
        error: (err: unknown) => sub.error(err),
        complete: () => {
          running = false
          if (pending) start()
          else if (ended) sub.complete()
        }
      })
    }
    const outer = source.subscribe({
      next: () => {
        if (running) pending = true
        else start()
      },
      error: (err: unknown) => sub.error(err),
      complete: () => {
        ended = true
        if (!running) sub.complete()
      }
    })
    return () => {
      outer.unsubscribe()
      inner?.unsubscribe()
    }
  })
}

/**
 * The addresses for our record: the configured one, else the one the transport advertises (its
 * UDP address unless bound to a wildcard), and a dual-stack socket's address of the other family;
 * `readOnly`: the transport found we cannot be reached from outside (BEP 43 read-only mode).
 */
function addressOf (ctx: Context): Observable<{ address: Address, also?: Address, readOnly: boolean }> {
  if (ctx.settings.address !== undefined) return of({ address: ctx.settings.address, readOnly: false })
  const ask: TransportInfo = { type: 'transport.info', stats: false }
  return ctx.deps.ask(ask, { timeout: ctx.settings.queryTimeout }).pipe(
    concatMap(m => {
      if (!isTransportInfoReply(m)) return EMPTY
      const address = m.advertised ?? m.udp
      const readOnly = m.readOnly === true
      return of(m.alsoAt === undefined ? { address, readOnly } : { address, also: m.alsoAt, readOnly })
    })
  )
}

/** Makes a new record when there is none or its name, addresses or read-only flag are out of date; returns the snapshot to emit then. */
function refreshRecord (ctx: Context, address: Address, also: Address | undefined, readOnly: boolean): Message | undefined {
  const { self } = ctx
  const a = encodeAddress(address.host, address.port)
  const a2 = also === undefined ? undefined : encodeAddress(also.host, also.port)
  const sameA2 = a2 === undefined ? self.record?.a2 === undefined : self.record?.a2 !== undefined && idsEqual(a2, self.record.a2)
  const sameRo = (self.record?.ro === 1) === readOnly
  if (self.record !== undefined && self.record.n === self.name && a !== undefined && idsEqual(a, self.record.a) && sameA2 && sameRo) {
    return undefined
  }
  const seq = Math.max(self.seq + 1, Math.floor(ctx.now() / second))
  try {
    const addr = { name: self.name, host: address.host, port: address.port, seq, readOnly }
    self.record = createRecord(ctx.settings.identity, a2 === undefined || a2.length === a?.length ? addr : { ...addr, also })
  } catch (err) {
    ctx.log.warn('cannot make our record', { error: String((err as Error).message), host: address.host, port: address.port })
    return undefined
  }
  self.seq = seq
  ctx.log.info('record', { seq, name: self.name, host: address.host, port: address.port,
    also: also === undefined ? undefined : `${also.host}:${also.port}`, readOnly })
  return snapshotOf(ctx)
}

/** The `n` contacts closest to `target`, each id once, nearest first. */
function closestOf (contacts: readonly Contact[], target: NodeId, n: number): Contact[] {
  const unique = new Map(contacts.map(c => [idToHex(c.id), c]))
  return closest(unique.values(), target, n, c => c.id)
}

function keyOf (a: Address): string {
  return `${a.host}:${a.port}`
}
