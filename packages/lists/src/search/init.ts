/** Options of keyword search (part of the lists actor's init, plain data), and their defaults. */
import { EARLY_HEAD_START, GOSSIP_WINDOW, LISTS_CONCURRENCY, MAX_SEARCH_PAGES, MAX_SEARCH_TIMEOUT, RESULT_TTL,
  SEARCH_TIMEOUT } from './constants.js'

export interface SearchInit {
  /** ms a search lasts unless `search.query` says otherwise. Default SEARCH_TIMEOUT (3 s). */
  readonly timeout?: number
  /** ms the gossip part of a hybrid search lasts at most. Default GOSSIP_WINDOW (800 ms). */
  readonly gossipWindow?: number
  /** ms a finished search's results are replayed. Default RESULT_TTL (10 s); 0 turns the cache off. */
  readonly resultTtl?: number
  /**
   * ms the holders found for a list are reused (a silent holder drops them sooner). Default: `lookupEvery` announce
   * intervals (1 min), as the announcer reuses its own holders.
   */
  readonly holderTtl?: number
  /** Holders of each list asked at once (a silent one is replaced by the next). Default: the lists' `readHolders` (3). */
  readonly holders?: number
  /** Lists searched at once. Default LISTS_CONCURRENCY (20: all of them). */
  readonly concurrency?: number
  /** Pages read from one holder at most. Default MAX_SEARCH_PAGES (16). */
  readonly maxPages?: number
  /** Ask each new closest node a running holder lookup reports, before the lookup ends. Default true. */
  readonly early?: boolean
  /**
   * ms the routing table's closest node to a list id has to answer before the list's lookup starts anyway (with
   * `early`). Default EARLY_HEAD_START (100 ms).
   */
  readonly headStart?: number
}

export interface SearchSettings {
  readonly timeout: number
  readonly gossipWindow: number
  readonly resultTtl: number
  readonly holderTtl: number
  readonly holders: number
  readonly concurrency: number
  readonly maxPages: number
  readonly early: boolean
  readonly headStart: number
}

/** `init` with defaults filled in; `lists` gives the defaults taken from the lists' own settings. */
export function searchSettingsOf (init: SearchInit | undefined,
  lists: { announceInterval: number, lookupEvery: number, readHolders: number }): SearchSettings {
  return {
    timeout: Math.min(positive(init?.timeout, SEARCH_TIMEOUT), MAX_SEARCH_TIMEOUT),
    gossipWindow: positive(init?.gossipWindow, GOSSIP_WINDOW),
    resultTtl: nonNegative(init?.resultTtl, RESULT_TTL),
    holderTtl: nonNegative(init?.holderTtl, lists.lookupEvery * lists.announceInterval),
    holders: Math.floor(positive(init?.holders, lists.readHolders)),
    concurrency: Math.floor(positive(init?.concurrency, LISTS_CONCURRENCY)),
    maxPages: Math.floor(positive(init?.maxPages, MAX_SEARCH_PAGES)),
    early: init?.early ?? true,
    headStart: nonNegative(init?.headStart, EARLY_HEAD_START)
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function positive (x: number | undefined, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 1 ? x : fallback
}

function nonNegative (x: number | undefined, fallback: number): number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : fallback
}
