/**
 * Handoff (`pc_handoff`, docs/PROTOCOL.md): when routing reports a new contact, for each
 * list this node holds records of, the records go to the newcomer if it is among the R nodes
 * closest to the list id (among the contacts we know, ourselves and it) and we are the closest
 * of the holders we know — so one holder sends, not all of them. The records travel in batches
 * that each fill one datagram, not one message per record, each with the newcomer's token (from a
 * pc_list reply; the receiver refuses a handoff without one). Records in their last third of life
 * (their peer missed two announces to us) stay behind: they would expire on the way.
 */
import { catchError, concat, defer, EMPTY, from, ignoreElements, map, mergeMap, of, take, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { compareDistance, idKey, idsEqual, isRoutingClosestReply, isRoutingPeerAdded, LIST_IDS } from '@peerconnect/protocol'
import type { Contact, Message, NodeId, RoutingClosest } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { handoffBatches } from '../page.js'
import { query } from '../query.js'
import { remoteCode } from '../rejection.js'
import { HANDOFF_CONCURRENCY, HANDOFF_REPEAT, HANDOFF_RETRY, UDP_PAGE_BYTES } from '../constants.js'

export interface Handoff {
  /** Handles a routing.peer.added: emits nothing, sends pc_handoff queries when due. */
  onPeerAdded(msg: Message): Observable<never>
}

export function createHandoff (ctx: Context): Handoff {
  // When each (list, newcomer) was last handed: by list, then by the newcomer's id bytes as a
  // latin1 string (20 chars; a `list:hex` key cost ~110 bytes in three strings per entry). One key
  // string per newcomer, shared by the maps of all the lists it is due for (~40 bytes per list saved).
  const recent = new Map<number, Map<string, number>>()

  const due = (list: number, key: string, now: number): boolean => {
    // oldest first in each map (a key is set once until it expires): stop at the first one still recent
    for (const byId of recent.values()) {
      for (const [k, at] of byId) {
        if (now - at < HANDOFF_REPEAT) break
        byId.delete(k)
      }
    }
    let byId = recent.get(list)
    if (byId === undefined) recent.set(list, byId = new Map<string, number>())
    if (byId.has(key)) return false
    byId.set(key, now)
    return true
  }

  /** The newcomer's token for our address: one we hold, else fetched with a pc_list (the handoff needs it). */
  const tokenOf = (to: Contact, list: number): Observable<Uint8Array> => {
    const held = ctx.peerTokens.get(to, ctx.now())
    if (held !== undefined) return of(held)
    return query(ctx, to, 'pc_list', { list }).pipe(map(({ reply }) => {
      ctx.peerTokens.set(to, reply.token, ctx.now())
      return reply.token
    }))
  }

  /**
   * Sends the list in batches (built now, so the ages are current). A newcomer whose routing table
   * does not know us yet refuses with ERR_NOT_HOLDER; our queries make it see us, so the handoff is
   * tried once more HANDOFF_RETRY later.
   */
  const send = (list: number, newcomer: Contact, attempt: number): Observable<unknown> => defer(() => {
    const now = ctx.now()
    const fresh = ctx.store.entries(list, now).filter(e => e.expiresAt - now > ctx.settings.recordTtl / 3)
    const batches = handoffBatches(fresh, { self: ctx.settings.id, list, budget: UDP_PAGE_BYTES, now })
    ctx.log.debug('handoff', { list, to: `${newcomer.host}:${newcomer.port}`, batches: batches.length, attempt })
    if (batches.length === 0) return EMPTY
    let unknown = false
    return concat(
      tokenOf(newcomer, list).pipe(
        mergeMap(token =>
          from(batches).pipe(mergeMap(b =>
            query(ctx, newcomer, 'pc_handoff', { list, records: b.records, ages: b.ages, token }).pipe(
              catchError((err: unknown) => {
                if (remoteCode(err) === 'ERR_NOT_HOLDER') unknown = true
                return EMPTY
              })
            ), HANDOFF_CONCURRENCY))
        )
      ),
      defer(() => unknown && attempt === 0 ? timer(HANDOFF_RETRY, ctx.deps.scheduler).pipe(mergeMap(() => send(list, newcomer, 1))) : EMPTY)
    )
  })

  const handList = (list: number, newcomer: Contact): Observable<never> => {
    const target = LIST_IDS[list] as NodeId
    const ask: RoutingClosest = { type: 'routing.closest', target, n: ctx.settings.r + 1, pc: true }
    return ctx.deps.ask(ask, { timeout: ctx.settings.queryTimeout }).pipe(
      take(1),
      mergeMap(m => {
        const known = isRoutingClosestReply(m)
          ? m.contacts.filter(c => !idsEqual(c.id, newcomer.id) && !idsEqual(c.id, ctx.settings.id))
          : []
        if (!shouldHand(ctx.settings.id, newcomer.id, known.map(c => c.id), { target, r: ctx.settings.r })) {
          ctx.log.debug('no handoff', { list, to: `${newcomer.host}:${newcomer.port}`, known: known.length })
          return EMPTY
        }
        return send(list, newcomer, 0)
      }),
      catchError(() => EMPTY),
      ignoreElements()
    )
  }

  return {
    onPeerAdded: (msg) => defer(() => {
      // A BEP 5-only newcomer holds no list: it never gets a pc_handoff.
      if (!isRoutingPeerAdded(msg) || msg.contact.pc === false || idsEqual(msg.contact.id, ctx.settings.id)) return EMPTY
      const now = ctx.now()
      const key = idKey(msg.contact.id)
      const lists = ctx.store.lists(now).filter(list => due(list, key, now))
      return from(lists).pipe(mergeMap(list => handList(list, msg.contact)))
    })
  }
}

/**
 * True when `newcomer` is among the `r` closest to `target` of `known` ∪ {self, newcomer}, and
 * `self` is closer to `target` than every id in `known` (the newcomer left out).
 */
export function shouldHand (self: NodeId, newcomer: NodeId, known: readonly NodeId[], opts: { target: NodeId, r: number }): boolean {
  if (!known.every(id => compareDistance(self, id, opts.target) < 0)) return false
  const closer = [self, ...known].filter(id => compareDistance(id, newcomer, opts.target) < 0).length
  return closer < opts.r
}
