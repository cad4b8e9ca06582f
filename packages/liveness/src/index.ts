/**
 * @peerconnect/liveness: is a peer alive? UDP ping, then a TCP connect to its port; checks of the
 * same peer within a short window share one result.
 */
import { defineActor } from '@peerconnect/runtime'
import { livenessActor } from './actor.js'
import type { LivenessInit } from './actor.js'

export const liveness = defineActor<LivenessInit>({
  name: 'liveness',
  consumes: ['liveness.check'],
  worker: new URL('./worker.js', import.meta.url),
  create: livenessActor
})

export { livenessActor } from './actor.js'
export type { LivenessInit } from './actor.js'
export { checkContact } from './check.js'
export type { CheckOutcome, CheckOptions, CheckTarget } from './check.js'
export { createCoalescer } from './coalescer.js'
export type { Coalescer, CoalescerOptions } from './coalescer.js'
export { tcpProbe } from './tcp-probe.js'
export { InvalidCheckError } from './errors.js'
export { CHECK_WINDOW, UDP_TIMEOUT, TCP_TIMEOUT, MAX_CACHED } from './constants.js'
