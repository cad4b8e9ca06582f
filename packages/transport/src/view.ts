/**
 * find_node answered on the transport's own thread, from the read-only view of the routing table
 * that routing publishes (`routing.view`): the same selection (protocol's `ContactView`, which
 * matches the table's `closest`) and the same reply (`fitNodes`, within the 3× bound) that routing
 * would send, without a round trip to routing's thread for every query — the busiest path of a
 * node. Routing stays the table's only writer; a view for another id is ignored, and a view older
 * than `maxAge` (routing stopped publishing: gone or restarting) is not used, nor one holding no
 * more contacts than the query wants (a table that young may have grown since): find_node then
 * goes to routing as before.
 */
import { ContactView, fitNodes, idsEqual, isNodeId, isRoutingView, wantedCount, wantedFamilies } from '@peerconnect/protocol'
import type { Message, NodeId, RoutingView } from '@peerconnect/protocol'
import type { InboundQuery } from './socket.js'

export interface FindNodeView {
  /** Takes a routing.view message (others, and views of another node, are ignored); true when it was taken. */
  take(m: Message, now: number): m is RoutingView
  /** The reply's `r` for a find_node query, or undefined when there is no usable view. */
  answer(q: InboundQuery, now: number): Record<string, Uint8Array> | undefined
  /** Counters for transport.info: viewAnswers, viewContacts, viewAge (ms, -1 without a view). */
  stats(now: number): Record<string, number>
}

export function createFindNodeView (self: NodeId, opts: { maxAge: number }): FindNodeView {
  let view: ContactView | undefined
  let answers = 0
  const fresh = (now: number): ContactView | undefined => view !== undefined && now - view.at <= opts.maxAge ? view : undefined
  return {
    take (m, now): m is RoutingView {
      if (!isRoutingView(m) || !idsEqual(m.self, self)) return false
      view = new ContactView(self, m.contacts, now)
      return true
    },
    answer (q, now) {
      if (q.method !== 'find_node' || !isNodeId(q.args.target)) return undefined
      const v = fresh(now)
      const n = wantedCount(q.args.n)
      if (v === undefined || v.size <= n) return undefined // a young table: routing may know a newcomer the view has not shown yet
      answers++
      const nodes = v.closest(q.args.target, n, { now, exclude: q.id })
      return fitNodes(nodes, wantedFamilies(q.args.want, q.from.host), q.bytes)
    },
    stats: (now) => ({ viewAnswers: answers, viewContacts: view?.size ?? 0, viewAge: view === undefined ? -1 : Math.round(now - view.at) })
  }
}
