/**
 * `pc_handoff {id, list, records, ages?, token}` → `{id, stored}`: records moved here by a holder
 * because this node became one of the closest to the list id. Cheap checks come first, so a
 * stranger's batch costs no signature check:
 *
 * 1. a token we issued to the sender's address (ERR_TOKEN_MISSING, ERR_BAD_TOKEN: 203);
 * 2. per record, without verifying: its list (ERR_WRONG_LIST), one copy per peer (a duplicate is
 *    dropped, ERR_DUPLICATE), a sequence older than the held one (ERR_STALE_SEQUENCE), a copy of
 *    what we hold (kept as is: a handoff never refreshes a record), a peer whose record expired
 *    here (ERR_RECORD_EXPIRED: only its own announce brings it back), an age past the TTL;
 * 3. the sender is one of the list's holders and we are among its closest, as our routing table
 *    knows them: the sender (id and address) among the 2R closest to the list id
 *    (ERR_NOT_HOLDER: 201), fewer than R of those closer to it than we are (ERR_NOT_CLOSEST: 201);
 * 4. the sender's network (/24, /64) has verification budget left (HANDOFF_VERIFY_RATE records per
 *    second, HANDOFF_VERIFY_BURST at once) and the records being verified, all senders together, stay
 *    under MAX_HANDOFF_VERIFYING — else 202 ERR_BUSY, nothing verified;
 * 5. structure, id and signature (in bulk on the compute pool when more than a handful; a full
 *    pool is 202 ERR_BUSY too).
 *
 * Stored records keep the age their sender saw (never younger than the copy we hold) and count
 * against `maxPerHandoff` per list for the sender's network — the path they came by, not their
 * own address. Refusals are counted by code; the reply says how many were stored.
 */
import { catchError, defer, map, mergeMap, of, take, toArray, finalize } from 'rxjs'
import type { Observable } from 'rxjs'
import { closestListId, compareDistance, idsEqual, idToHex, isRoutingClosestReply, isRpcRequest, LIST_IDS, parseQueryArgs, recordFromWire,
  recordsEqual, reply, StaleSequenceError } from '@peerconnect/protocol'
import type { ErrorData, Message, NodeId, RoutingClosest, RpcReply, RpcRequest, WireRecord } from '@peerconnect/protocol'
import type { Context } from '../../context.js'
import { BadTokenError, BusyError, ExpiredRecordError, MissingTokenError, NotClosestError, NotHolderError,
  WrongListError } from '../../errors.js'
import { prefixOf } from '../prefix.js'
import { badQuery, dataOf, refuse } from '../../rejection.js'
import { verifyMany } from '../../verify.js'
import { MAX_HANDOFF_VERIFYING } from '../../constants.js'

export function onPcHandoff (msg: Message, ctx: Context): Observable<Message> {
  if (!isRpcRequest(msg)) return badQuery(msg, ctx)
  if (msg.args.token === undefined) return of(refuse(msg, dataOf(new MissingTokenError()), ctx.rejected))
  const parsed = parseQueryArgs('pc_handoff', msg.args)
  if (!parsed.ok) return badQuery(msg, ctx, parsed.reason)
  const { list, records, ages = [], token } = parsed.args
  const now = ctx.now()
  if (token === undefined || !ctx.tokens.check(token, msg.from.host, msg.from.port, now)) {
    return of(refuse(msg, dataOf(new BadTokenError()), ctx.rejected))
  }
  const toVerify: Array<{ wire: WireRecord, seenAt: number }> = []
  const seen = new Set<string>()
  records.forEach((wire, i) => {
    const rec = recordFromWire(wire)!
    const hex = idToHex(rec.id)
    if (seen.has(hex)) return ctx.rejected.add('ERR_DUPLICATE')
    seen.add(hex)
    if (closestListId(rec.id).index !== list) return ctx.rejected.add(new WrongListError().code)
    const seenAt = now - (ages[i] ?? 0)
    if (seenAt + ctx.settings.recordTtl <= now) return ctx.rejected.add(new ExpiredRecordError().code)
    const held = ctx.store.get(list, rec.id, now)?.record
    if (held !== undefined && rec.s < held.s) return ctx.rejected.add(new StaleSequenceError().code)
    if (held !== undefined && recordsEqual(held, rec)) return // held already: a handoff never refreshes it
    toVerify.push({ wire, seenAt })
  })
  if (toVerify.length === 0) return of(stored(msg, 0))
  return holderCheck(msg, list, ctx).pipe(mergeMap(refusal => {
    if (refusal !== undefined) return of(refuse(msg, refusal, ctx.rejected))
    const source = prefixOf(msg.from.host, ctx.settings.ipLimits.mode)
    if (ctx.verifying.count + toVerify.length > MAX_HANDOFF_VERIFYING) {
      return of(busy(msg, ctx, `${ctx.verifying.count} handed-over records are being verified`))
    }
    if (source !== undefined && !ctx.handoffBudget.take(source, toVerify.length, ctx.now())) {
      return of(busy(msg, ctx, `verification budget of ${source} spent`))
    }
    ctx.verifying.count += toVerify.length
    return verifyMany(toVerify.map(v => v.wire), ctx.deps.pool, { threshold: ctx.settings.poolThreshold, shed: true }).pipe(
      finalize(() => {
        ctx.verifying.count -= toVerify.length
      }),
      map(results => {
        let n = 0
        results.forEach((v, i) => {
          if (!v.ok) return ctx.rejected.add(v.error.code)
          const put = ctx.store.put(list, v.record, { now: ctx.now(), seenAt: toVerify[i]!.seenAt, from: msg.from.host,
            cap: ctx.settings.maxPerHandoff, handoff: true })
          if (!put.ok) ctx.rejected.add(put.error.code)
          else if (put.changed) n++
        })
        if (n > 0) ctx.log.debug('handoff received', { list, stored: n, of: records.length })
        return stored(msg, n)
      }),
      catchError(() => of(busy(msg, ctx, 'the compute pool is full'))) // verifyMany with shed fails only on ERR_POOL_BUSY
    )
  }))
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** Why the sender may not hand us this list (undefined: it may), from the contacts our routing table knows nearest the list id. */
function holderCheck (msg: RpcRequest, list: number, ctx: Context): Observable<ErrorData | undefined> {
  const target = LIST_IDS[list] as NodeId
  const ask: RoutingClosest = { type: 'routing.closest', target, n: 2 * ctx.settings.r }
  return defer(() => ctx.deps.ask(ask, { timeout: ctx.settings.queryTimeout })).pipe(
    take(1),
    toArray(),
    map(([m]) => {
      const contacts = m !== undefined && isRoutingClosestReply(m) ? m.contacts.filter(c => !idsEqual(c.id, ctx.settings.id)) : []
      const sender = contacts.some(c => idsEqual(c.id, msg.id) && c.host === msg.from.host && c.port === msg.from.port)
      if (!sender) return dataOf(new NotHolderError())
      const closer = contacts.filter(c => compareDistance(c.id, ctx.settings.id, target) < 0).length
      return closer < ctx.settings.r ? undefined : dataOf(new NotClosestError())
    }),
    catchError(() => of(dataOf(new NotHolderError('cannot tell: routing did not answer'))))
  )
}

function stored (msg: Message, n: number): Message {
  return reply<RpcReply>(msg, { type: 'rpc.reply', r: { stored: n } })
}

function busy (msg: Message, ctx: Context, why: string): Message {
  return refuse(msg, dataOf(new BusyError(`busy: ${why}`)), ctx.rejected)
}
