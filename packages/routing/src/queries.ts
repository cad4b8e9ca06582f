/** Asks from other actors: `routing.closest`, `routing.get`, `routing.contacts`. */
import { of } from 'rxjs'
import type { Observable } from 'rxjs'
import { errorReply, isRoutingClosest, isRoutingContacts, isRoutingGet, reply } from '@peerconnect/protocol'
import type { Message, RoutingClosestReply, RoutingContactsReply, RoutingGetReply } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'
import { InvalidRequestError } from './errors.js'

/** The `n` closest good contacts to `target`, nearest first (topped up with old ones, never failed ones); `pc`: only PeerConnect ones. */
export function onClosest (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isRoutingClosest(msg)) return invalid(msg, 'routing.closest needs target (20 bytes) and n (a count)')
  const contacts = ctx.table.closest(msg.target, msg.n, { goodAt: ctx.deps.clock.now(), topUp: true, pc: msg.pc === true })
  return of(reply<RoutingClosestReply>(msg, { type: 'routing.closest.reply', contacts }))
}

export function onGet (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isRoutingGet(msg)) return invalid(msg, 'routing.get needs id (20 bytes)')
  return of(reply<RoutingGetReply>(msg, { type: 'routing.get.reply', contact: ctx.table.get(msg.id) }))
}

export function onContacts (msg: Message, ctx: RoutingContext): Observable<Message> {
  if (!isRoutingContacts(msg)) return invalid(msg, 'bad routing.contacts')
  const body: RoutingContactsReply = { type: 'routing.contacts.reply', self: ctx.table.self, contacts: ctx.table.all(),
    buckets: ctx.table.bucketFill() }
  return of(reply(msg, body))
}

function invalid (msg: Message, why: string): Observable<Message> {
  return msg.cid === undefined ? of() : of(errorReply(msg, new InvalidRequestError(why)))
}
