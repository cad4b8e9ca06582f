/**
 * @peerconnect/routing: the Kademlia routing table actor. It answers `ping` and `find_node`,
 * keeps contacts from transport.seen, checks a full bucket's oldest contact before evicting it,
 * refreshes stale buckets, and saves the table in the data dir.
 */
import { defineActor } from '@peerconnect/runtime'
import { routingDefinition } from './actor.js'

/** The routing actor: `routing({ id, … })`; its handler table (actor.ts) is what it consumes. */
export const routing = defineActor(routingDefinition)

export { routingActor, routingDefinition } from './actor.js'
export type { RoutingRun } from './actor.js'
export type { RoutingInit } from './context.js'
export { RoutingTable, invalidReason } from './table.js'
export type { AddResult, TableOptions, ClosestOptions } from './table.js'
export { fitNodes, wantedFamilies } from '@peerconnect/protocol'
export type { Families } from '@peerconnect/protocol'
export { encodeRoutingFile, parseRoutingFile, loadRoutingFile, routingFilePath } from './routing-file.js'
export type { SavedContact, LoadResult } from './routing-file.js'
export type { RoutingState } from './snapshot.js'
export { InvalidRequestError } from './errors.js'
export { K, FIND_NODE_COUNT, FAIL_AFTER_TIMEOUTS, GOOD_WINDOW, REFRESH_AFTER, ROUTING_FILE } from './constants.js'
