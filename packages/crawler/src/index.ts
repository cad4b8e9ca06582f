/**
 * @peerconnect/crawler — iterative find_node lookups (alpha in flight, slow peers give their slot
 * up early, the k closest responsive nodes must answer), find-by-id and bootstrap, as an actor
 * (`crawler(init)`) and as a pure state machine (`createLookup`).
 */
import { defineActor } from '@peerconnect/runtime'
import { crawlerDefinition } from './actor.js'

export type { CrawlerInit } from './init.js'

/** The crawler actor: `crawler({ id, … })`. */
export const crawler = defineActor(crawlerDefinition)

export { crawlerActor, crawlerDefinition, resultOf } from './actor.js'
export type { CrawlerContext } from './actor.js'
export { createLookup } from './lookup.js'
export type { Lookup, LookupOptions, LookupReply, LookupStats } from './lookup.js'
export { runLookup } from './run-lookup.js'
export type { LookupEvent, RunLookupOptions } from './run-lookup.js'
export { runBootstrap } from './bootstrap.js'
export { createMetrics, statsBody } from './metrics.js'
export type { CrawlerMetrics } from './metrics.js'
export type { BootstrapCounts } from './bootstrap.js'
export * from './constants.js'
export * from './errors.js'
