/**
 * @peerconnect/lists — the distributed peer directory: the nodes closest to 20 evenly spaced ids
 * hold the signed records of the peers near those ids, so the whole network can be listed page
 * by page with no server. As an actor (`lists(init)`) and as plain parts (store, tokens, cursor,
 * page sizing).
 */
import { defineActor } from '@peerconnect/runtime'
import { listsActor, LISTS_CONSUMES } from './actor.js'
import type { ListsInit } from './init.js'

/** The lists actor. */
export const lists = defineActor<ListsInit>({
  name: 'lists',
  consumes: LISTS_CONSUMES,
  worker: new URL('./worker.js', import.meta.url),
  create: listsActor
})

export type { ListsInit, Settings } from './init.js'
export { settingsOf } from './init.js'
export { listsActor, LISTS_CONSUMES } from './actor.js'
export { createStore } from './store.js'
export type { Entry, PutOptions, PutResult, Store, StoreOptions } from './store.js'
export { prefixOf } from './prefix.js'
export { createBuckets } from './buckets.js'
export type { Buckets } from './buckets.js'
export { restoreHeld, stateOf } from './snapshot.js'
export type { ListsState } from './snapshot.js'
export { createTokens } from './tokens.js'
export type { TokenOptions, Tokens } from './tokens.js'
export { decodeCursor, encodeCursor } from './cursor.js'
export type { CursorResult, DirectoryCursor } from './cursor.js'
export { fillListPage, fitNodes, handoffBatches, querySize, replySize } from './page.js'
export type { ListPage, PageOptions } from './page.js'
export { shouldHand } from './handoff.js'
export { verifyMany, TASKS_MODULE } from './verify.js'
export type { Verified } from './verify.js'
export { BUSY_CODES, POLICY_CODES, remoteCode } from './rejection.js'
export * from './search/index.js'
export * from './errors.js'
export * from './constants.js'
