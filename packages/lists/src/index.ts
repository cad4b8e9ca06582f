/**
 * @peerconnect/lists — the distributed peer directory: the nodes closest to 20 evenly spaced ids
 * hold the signed records of the peers near those ids, so the whole network can be listed page
 * by page with no server, and searched by name. The one public index of the package; inside,
 * `holding/` (store, tokens, announce, handoff, the rpc handlers), `directory/` (paging) and
 * `search/`, on a few shared parts (context, holder lookup, paged reads, page sizing).
 */
export { lists, listsActor, LISTS_CONSUMES } from './actor.js'
export type { ListsInit, Settings } from './init.js'
export { settingsOf } from './init.js'
export type { SearchInit, SearchSettings } from './search/init.js'
export type { ListsState } from './holding/snapshot.js'

// the pure parts
export { createStore } from './holding/store.js'
export type { Entry, PutOptions, PutResult, Store, StoreOptions } from './holding/store.js'
export { createTokens } from './holding/tokens.js'
export type { TokenOptions, Tokens } from './holding/tokens.js'
export { shouldHand } from './holding/handoff.js'
export { decodeCursor, encodeCursor } from './directory/cursor.js'
export type { CursorResult, DirectoryCursor } from './directory/cursor.js'
export { fillListPage, fitNodes, handoffBatches } from './page.js'
export type { ListPage, PageOptions } from './page.js'
export { verifyMany } from './verify.js'
export type { Verified } from './verify.js'

export * from './errors.js'
export { BadSearchCursorError } from './search/errors.js'
export * from './constants.js'
export * from './search/constants.js'
