/**
 * What this node knows about itself for gossip: its address (transport.info's advertised one, kept
 * ADDRESS_TTL: the transport may learn a better one) and its signed record (lists.self when a lists
 * actor runs; else one signed here from `identity` and `name`, kept for the run).
 */
import { catchError, defer, map, of, take, throwError } from 'rxjs'
import type { Observable } from 'rxjs'
import { createRecord, isListsSelfReply, isTransportInfoReply, UnexpectedReplyError } from '@peerconnect/protocol'
import type { Address, PeerRecord, TransportInfo } from '@peerconnect/protocol'
import type { GossipContext } from './context.js'
import { NoAddressError, NoOwnRecordError } from './errors.js'
import { ADDRESS_TTL, SELF_ASK_TIMEOUT } from './constants.js'

/** This node's address (kept ADDRESS_TTL); errors with NoAddressError when the transport does not say. */
export function ownAddress$ (ctx: GossipContext): Observable<Address> {
  return defer(() => {
    const now = ctx.deps.clock.now()
    if (ctx.address !== undefined && now - ctx.addressAt < ADDRESS_TTL) return of(ctx.address)
    const ask: TransportInfo = { type: 'transport.info', stats: false } // the address only
    return ctx.deps.ask(ask, { timeout: SELF_ASK_TIMEOUT }).pipe(
      take(1),
      map(r => {
        if (!isTransportInfoReply(r)) throw new NoAddressError('transport.info gave no address')
        const address = r.advertised ?? r.udp // never a wildcard: hits must reach us
        ctx.address = address
        ctx.addressAt = now
        return address
      }),
      catchError((err: unknown) => throwError(() => new NoAddressError(`this node's address is unknown: ${messageOf(err)}`)))
    )
  })
}

/** This node's record: lists.self, else one signed here. Errors when neither is possible. */
export function ownRecord$ (ctx: GossipContext): Observable<PeerRecord> {
  return ctx.deps.ask({ type: 'lists.self' }, { timeout: SELF_ASK_TIMEOUT }).pipe(
    take(1),
    map(r => {
      if (!isListsSelfReply(r)) throw new UnexpectedReplyError(`lists.self gave ${r.type}`)
      ctx.name ??= r.record.n
      return r.record
    }),
    catchError(() => signedHere$(ctx))
  )
}

/** This node's name: from init, else from its record. */
export function ownName$ (ctx: GossipContext): Observable<string> {
  return defer(() => ctx.name !== undefined ? of(ctx.name) : ownRecord$(ctx).pipe(map(r => r.n)))
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function signedHere$ (ctx: GossipContext): Observable<PeerRecord> {
  return defer(() => {
    if (ctx.signed !== undefined) return of(ctx.signed)
    const { identity } = ctx.s
    const name = ctx.name
    if (identity === undefined || name === undefined) return throwError(() => new NoOwnRecordError())
    return ownAddress$(ctx).pipe(map(a => {
      const record = createRecord(identity, { name, host: a.host, port: a.port, seq: Math.max(0, Math.floor(ctx.deps.clock.now())) })
      ctx.signed = record
      return record
    }))
  })
}

function messageOf (err: unknown): string {
  return typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err)
}
