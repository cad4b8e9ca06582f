/**
 * @peerconnect/gossip — rumor mongering over pc_gossip: fanout 3 sampled from the routing table
 * (spread over the id space, so the forwards form a tree), a seen-cache with expiry and a hard
 * bound, forwarding that decays with age (hops and local time); gossip search and notes.
 */
import { defineActor } from '@peerconnect/runtime'
import { gossipDefinition } from './actor.js'

export type { GossipInit } from './init.js'

/** The gossip actor: `gossip({ id, … })`. */
export const gossip = defineActor(gossipDefinition)

export { gossipActor, gossipDefinition } from './actor.js'
export { createSeenCache } from './seen-cache.js'
export type { SeenCache } from './seen-cache.js'
export { forwardProbability, shouldForward, DEFAULT_AGE_LIMITS } from './forward.js'
export type { AgeLimits } from './forward.js'
export { createPeerView } from './view.js'
export type { PeerView } from './view.js'
export { pickTargets, pickReplacement } from './targets.js'
export type { Target, PickOptions } from './targets.js'
export { encodeRumor, parseRumor, RUMOR_KINDS } from './rumor.js'
export type { Rumor, RumorKind, SearchRumor, NoteRumor, HitRumor, CheckRumor, ParsedRumor } from './rumor.js'
export * from './errors.js'
export * from './constants.js'
