/**
 * Persistence of the table in `<dataDir>/routing.json`: loaded on start (each saved contact is
 * re-pinged; a reply arrives as transport.seen and adds it), saved every `saveInterval` when it
 * changed, and saved synchronously on stop. Failures are logged, never fatal.
 */
import { catchError, EMPTY, exhaustMap, filter, from, ignoreElements, interval, mergeMap, take, tap } from 'rxjs'
import type { Observable } from 'rxjs'
import { idsEqual, idToHex } from '@peerconnect/protocol'
import type { TransportQuery } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { MAX_SAVED_CONTACTS, REPING_CONCURRENCY } from './constants.js'
import { encodeRoutingFile, loadRoutingFile, saveRoutingFile, saveRoutingFileSync } from './routing-file.js'
import type { SavedContact } from './routing-file.js'

export interface Persistence {
  /** Loads the file and re-pings its contacts. Emits nothing. */
  readonly load$: Observable<never>
  /** Saves a changed table every `saveInterval`. Emits nothing. */
  readonly save$: Observable<never>
  /** Saves now, synchronously, if the table changed since the last completed save. */
  saveNow(): void
}

export function createPersistence (ctx: RoutingContext): Persistence {
  const dir = ctx.opts.dataDir
  const log = ctx.log.child('persistence')
  let generation = 0
  let inFlight = false
  if (dir === undefined) return { load$: EMPTY, save$: EMPTY, saveNow: () => {} }

  const content = (): string => encodeRoutingFile(ctx.table.self, savedContacts(ctx), ctx.deps.clock.now())

  const load$ = from(loadRoutingFile(dir)).pipe(
    mergeMap(result => {
      if (!result.ok) {
        if (result.missing) log.info('no routing file yet', { dir })
        else log.warn('routing file ignored', { dir, reason: result.reason })
        return EMPTY
      }
      if (!idsEqual(result.self, ctx.table.self)) {
        // Another node's table (a copied data dir, a replaced identity): its contacts were chosen around another id.
        log.warn('routing file ignored: it was saved by another node id', { dir, saved: idToHex(result.self),
          self: idToHex(ctx.table.self) })
        return EMPTY
      }
      if (result.skipped > 0) log.warn('bad routing file entries skipped', { skipped: result.skipped })
      const fresh = result.contacts.filter(c => !idsEqual(c.id, ctx.table.self) && ctx.table.get(c.id) === null)
      for (const c of fresh) ctx.pending.set(idToHex(c.id), c)
      log.info('re-pinging saved contacts', { count: fresh.length })
      return from(fresh).pipe(mergeMap(c => reping(c, ctx), REPING_CONCURRENCY))
    }),
    ignoreElements()
  )

  const save$ = interval(ctx.opts.saveInterval, ctx.deps.scheduler).pipe(
    filter(() => ctx.dirty),
    exhaustMap(() => {
      ctx.dirty = false
      inFlight = true
      const mine = ++generation
      return from(saveRoutingFile(dir, content(), () => mine === generation)).pipe(
        catchError((err: unknown) => {
          ctx.dirty = true
          log.error('saving the routing file failed', { message: String((err as Error | null)?.message) })
          return EMPTY
        }),
        // not finalize: on unsubscribe it would run before the stop's saveNow
        tap({ complete: () => {
          inFlight = false
        } })
      )
    }),
    ignoreElements()
  )

  // A save still in flight is abandoned (its rename is skipped), so its content is written here.
  const saveNow = (): void => {
    if (!ctx.dirty && !inFlight) return
    generation++
    try {
      saveRoutingFileSync(dir, content())
      ctx.dirty = false
    } catch (err) {
      log.error('saving the routing file failed', { message: String((err as Error | null)?.message) })
    }
  }

  return { load$, save$, saveNow }
}

/** The table's contacts, then saved ones still being re-pinged (so a quick restart loses none). */
function savedContacts (ctx: RoutingContext): SavedContact[] {
  const out: SavedContact[] = ctx.table.all()
  for (const c of ctx.pending.values()) if (ctx.table.get(c.id) === null) out.push(c)
  return out.slice(0, MAX_SAVED_CONTACTS)
}

function reping (c: SavedContact, ctx: RoutingContext): Observable<never> {
  const ping: TransportQuery = { type: 'transport.query', to: { host: c.host, port: c.port }, q: 'ping', a: {} }
  return ctx.deps.ask(ping).pipe(
    take(1),
    ignoreElements(),
    catchError(() => EMPTY),
    // Settled either way: a reply put it in the table (via transport.seen), silence drops it.
    // Not on unsubscribe: a stop during the re-ping must still save it.
    tap({ complete: () => ctx.pending.delete(idToHex(c.id)) })
  )
}
