/**
 * @peerconnect/liveness: is a peer alive? UDP ping, then a TCP connect to its port; checks of the
 * same peer within a short window share one result.
 */
import { defineActor } from '@peerconnect/runtime'
import { livenessDefinition } from './actor.js'

/** The liveness actor: `liveness({ window?, udpTimeout?, tcpTimeout?, tcp?, maxCached? })`. */
export const liveness = defineActor(livenessDefinition)

export { livenessActor, livenessDefinition } from './actor.js'
export type { LivenessContext, LivenessInit } from './actor.js'
export { checkContact } from './check.js'
export type { CheckOutcome, CheckOptions, CheckTarget } from './check.js'
export { createCoalescer } from './coalescer.js'
export type { Coalescer, CoalescerOptions } from './coalescer.js'
export { tcpProbe } from './tcp-probe.js'
export { InvalidCheckError } from './errors.js'
export { CHECK_WINDOW, UDP_TIMEOUT, TCP_TIMEOUT, MAX_CACHED } from './constants.js'
