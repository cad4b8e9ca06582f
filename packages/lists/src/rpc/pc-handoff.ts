/**
 * `pc_handoff {id, list, records, ages?}` → `{id, stored}`: records moved here by a holder because
 * this node became closer to the list id. Every record is checked — list, age, sequence against
 * the one held, then structure, id and signature (in bulk on the compute pool when there are more
 * than a handful) — and only those that pass are stored, keeping the age their sender saw.
 * Refusals are counted by code; the reply says how many were stored.
 */
import { map } from 'rxjs'
import type { Observable } from 'rxjs'
import { closestListId, isRpcRequest, parseQueryArgs, recordFromWire, recordsEqual, reply, StaleSequenceError } from '@peerconnect/protocol'
import type { Message, PeerRecord, RpcReply, WireRecord } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { WrongListError } from '../errors.js'
import { verifyMany } from '../verify.js'
import { badQuery } from './bad-query.js'

export function onPcHandoff (msg: Message, ctx: Context): Observable<Message> {
  if (!isRpcRequest(msg)) return badQuery(msg, ctx)
  const parsed = parseQueryArgs('pc_handoff', msg.args)
  if (!parsed.ok) return badQuery(msg, ctx, parsed.reason)
  const { list, records, ages = [] } = parsed.args
  const now = ctx.now()
  const refreshed: Array<{ record: PeerRecord, seenAt: number }> = []
  const toVerify: Array<{ wire: WireRecord, seenAt: number }> = []
  records.forEach((wire, i) => {
    const seenAt = now - (ages[i] ?? 0)
    const rec = recordFromWire(wire)!
    if (closestListId(rec.id).index !== list) return ctx.rejected.add(new WrongListError().code)
    const held = ctx.store.get(list, rec.id, now)?.record
    if (held !== undefined && rec.s < held.s) return ctx.rejected.add(new StaleSequenceError().code)
    if (held !== undefined && recordsEqual(held, rec)) refreshed.push({ record: rec, seenAt })
    else toVerify.push({ wire, seenAt })
  })
  return verifyMany(toVerify.map(v => v.wire), ctx.deps.pool, { threshold: ctx.settings.poolThreshold }).pipe(
    map(results => {
      let stored = 0
      const store = (record: PeerRecord, seenAt: number): void => {
        const put = ctx.store.put(list, record, { now: ctx.now(), seenAt })
        if (put.ok) stored++
        else ctx.rejected.add(put.error.code)
      }
      for (const r of refreshed) store(r.record, r.seenAt)
      results.forEach((v, i) => {
        if (v.ok) store(v.record, toVerify[i]!.seenAt)
        else ctx.rejected.add(v.error.code)
      })
      if (stored > 0) ctx.log.debug('handoff received', { list, stored, of: records.length })
      return reply<RpcReply>(msg, { type: 'rpc.reply', r: { stored } })
    })
  )
}
