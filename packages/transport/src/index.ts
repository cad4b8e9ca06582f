/**
 * @peerconnect/transport — the UDP socket of a node: KRPC framing (BEP 5), transaction ids,
 * adaptive timeouts, per-source rate limits, the amplification guard, and the TCP liveness
 * listener; as an actor (`transport(init)`) and as plain parts.
 */
import { defineActor } from '@peerconnect/runtime'
import { transportDefinition } from './actor.js'

export type { TransportInit } from './init.js'

/**
 * The transport actor, on runtime's actor kit: its handler table (actor.ts) is what it consumes.
 * Runs inline on the main thread by default; also works in a worker.
 */
export const transport = defineActor(transportDefinition)

export { transportActor, transportDefinition } from './actor.js'
export type { TransportRun } from './actor.js'
export { createKrpcSocket } from './socket.js'
export type { DatagramSocket, KrpcSocket, KrpcSocketOptions, InboundQuery, OutboundQuery, QueryResult, QueryCallback } from './socket.js'
export { createRttTable } from './rtt.js'
export type { RttTable, RttOptions } from './rtt.js'
export { createRateLimiter, isLoopback } from './rate-limit.js'
export type { RateLimiter, RateLimitOptions } from './rate-limit.js'
export { createSeenThrottle } from './seen-throttle.js'
export type { SeenThrottle, SeenThrottleOptions } from './seen-throttle.js'
export { listenTcp } from './tcp.js'
export { createFindNodeView } from './view.js'
export { createSpeaks, isPcVersion, BEP5_CORE } from './speaks.js'
export type { Speaks } from './speaks.js'
export { advertisedAddress, otherFamilyAddress } from './advertised.js'
export { createExternalTally } from './external.js'
export type { ExternalTally } from './external.js'
export type { FindNodeView } from './view.js'
export type { TcpListener } from './tcp.js'
export { DROP } from './counters.js'
export * from './errors.js'
export * from './constants.js'
