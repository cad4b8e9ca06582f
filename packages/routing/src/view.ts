/**
 * The table's read-only view, published as `routing.view` for the transport, which answers
 * find_node from it on its own thread instead of asking this actor for every query (the hot path
 * of a node: one thread hop less per query). Routing stays the table's only writer: the view goes
 * out after changes (at most once per `viewInterval`, the last change always included) and every
 * `viewHeartbeat` regardless, so a view that stops coming means routing is gone. Driven by
 * `deps.scheduler`, so it runs in virtual time under a TestScheduler.
 */
import { EMPTY, map, merge, throttleTime, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import type { RoutingView } from '@peerconnect/protocol'
import type { RoutingContext } from './context.js'

export function view$ (ctx: RoutingContext): Observable<RoutingView> {
  const { viewInterval, viewHeartbeat } = ctx.opts
  if (viewHeartbeat <= 0) return EMPTY
  return merge(timer(0, viewHeartbeat, ctx.deps.scheduler), ctx.answers$).pipe(
    throttleTime(viewInterval, ctx.deps.scheduler, { leading: true, trailing: true }),
    map(() => viewOf(ctx))
  )
}

export function viewOf (ctx: RoutingContext): RoutingView {
  return { type: 'routing.view', self: ctx.table.self, contacts: ctx.table.viewContacts(ctx.deps.clock.now()) }
}
