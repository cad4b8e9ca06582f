/**
 * Messages of the lists actor: the distributed peer directory (docs/PROTOCOL.md, Directory lists).
 *
 *   lists.page        ──ask──▶ lists    one page of the directory, walking all 20 lists (cursor opaque)
 *   lists.invalidate  ──ask──▶ lists    drop the directory cache: the next page reads the network again
 *   lists.stats       ──ask──▶ lists    lists held, records held, rejections by reason, queries sent, rounds
 *   lists.self        ──ask──▶ lists    this node's own signed record
 *   rpc.pc_record / rpc.pc_list / rpc.pc_announce / rpc.pc_handoff   ◀─ask─── transport
 *   transport.query / transport.info / crawler.lookup / routing.closest   ──ask──▶ (from lists)
 *   routing.peer.added ──pub──▶ lists   a new contact: hand records over when it is closer to a list id
 */
import { isListIndex } from '../lists.js'
import { isPeerRecord } from '../record.js'
import type { PeerRecord } from '../record.js'
import { hasShape, isArrayOf, isMessageOf, isNat, isNullable, isNum, isObj, isOptional, isStr } from '../guards.js'

/** One directory entry: a verified record, the list it was found in, and when its peer last announced (ms since the epoch). */
export interface DirectoryPeer {
  record: PeerRecord
  list: number
  seenAt: number
}

export const isDirectoryPeer = hasShape<DirectoryPeer>({ record: isPeerRecord, list: isListIndex, seenAt: isNum })

/** Ask: a page of at most `limit` peers after `cursor` (absent: from the start). A bad cursor errors with ERR_BAD_CURSOR. */
export type ListsPage = { type: 'lists.page', cid?: number, cursor?: string, limit: number }
/** How many holders of list `list` answered when it was read (a list is read from at least 3 when it has them). */
export interface ListHolders {
  list: number
  answered: number
}
/**
 * `next` is the cursor of the following page, null after the last list; `holders`: for each list the page read, how
 * many of its holders answered.
 */
export type ListsPageReply = { type: 'lists.page.reply', re?: number, end?: boolean, peers: DirectoryPeer[], next: string | null,
  holders?: ListHolders[] }
/** Ask: forget the cached lists. */
export type ListsInvalidate = { type: 'lists.invalidate', cid?: number }
export type ListsInvalidateReply = { type: 'lists.invalidate.reply', re?: number, end?: boolean }
/** Ask: what this node holds. `rejected` counts refused records by error code; `sent` counts queries sent by method. */
export type ListsStats = { type: 'lists.stats', cid?: number }
export type ListsStatsReply = {
  type: 'lists.stats.reply'
  re?: number
  end?: boolean
  /** Lists with at least one record. */
  held: number
  records: number
  rejected: Record<string, number>
  sent: Record<string, number>
  /** Announce rounds completed (each: record checked, holders looked up if due, announces sent). */
  rounds: number
  /** Of those, the rounds in which at least one holder took our record. */
  announced: number
}
/** Ask: this node's own record (errors with ERR_NO_RECORD before the transport told its address). */
export type ListsSelf = { type: 'lists.self', cid?: number }
export type ListsSelfReply = { type: 'lists.self.reply', re?: number, end?: boolean, record: PeerRecord }

export const isListsPage = isMessageOf<ListsPage>('lists.page', { cursor: isOptional(isStr), limit: (x: unknown) => isNat(x) && x >= 1 })
export const isListHolders = hasShape<ListHolders>({ list: isListIndex, answered: isNat })
export const isListsPageReply = isMessageOf<ListsPageReply>('lists.page.reply', { peers: isArrayOf(isDirectoryPeer),
  next: isNullable(isStr), holders: isOptional(isArrayOf(isListHolders)) })
export const isListsInvalidate = isMessageOf<ListsInvalidate>('lists.invalidate', {})
export const isListsInvalidateReply = isMessageOf<ListsInvalidateReply>('lists.invalidate.reply', {})
export const isListsStats = isMessageOf<ListsStats>('lists.stats', {})
export const isListsStatsReply = isMessageOf<ListsStatsReply>('lists.stats.reply', { held: isNat, records: isNat, rejected: isCounts,
  sent: isCounts, rounds: isNat, announced: isNat })
export const isListsSelf = isMessageOf<ListsSelf>('lists.self', {})
export const isListsSelfReply = isMessageOf<ListsSelfReply>('lists.self.reply', { record: isPeerRecord })

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function isCounts (x: unknown): x is Record<string, number> {
  return isObj(x) && Object.values(x).every(isNat)
}
