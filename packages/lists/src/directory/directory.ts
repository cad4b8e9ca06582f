/**
 * The directory: the whole network's peer list read page by page over all 20 lists, with no
 * server. Each list is read once from its holders — a crawler lookup of the list id, then the
 * `readHolders` closest nodes paged through (pc_list, ../pages.ts), and farther ones while they
 * still add peers — merged with what this
 * node holds itself, verified (in bulk on the compute pool), de-duplicated by id (newest sequence
 * wins) and kept for `cacheTtl` ms. A page takes the peers after the cursor in id order, list by
 * list, fetching a few lists ahead; the next cursor names the list and the last id returned.
 */
import { catchError, forkJoin, from, last, map, mergeMap, of, reduce, scan, takeWhile } from 'rxjs'
import type { Observable } from 'rxjs'
import { closestListId, idToHex, LIST_COUNT } from '@peerconnect/protocol'
import type { Address, Contact, DirectoryPeer, ListHolders, PeerRecord, WireRecord } from '@peerconnect/protocol'
import type { Context } from '../context.js'
import { finalHolders } from '../holders.js'
import { readPages } from '../pages.js'
import { createSharedReads } from '../shared-reads.js'
import { firstAfter, itself } from '../sorted.js'
import { verifyMany } from '../verify.js'
import { MIN_RECORDS_PER_PAGE, PREFETCH, UDP_PAGE_BYTES } from '../constants.js'
import { encodeCursor } from './cursor.js'
import type { DirectoryCursor } from './cursor.js'
import { inOrder } from './in-order.js'

/** A page, and for each list it read, how many of its holders answered. */
export interface DirectoryPage {
  readonly peers: DirectoryPeer[]
  readonly next: string | null
  readonly holders: ListHolders[]
}

export interface Directory {
  /** At most `limit` peers from `cursor` on (null: from the first list). */
  page(cursor: DirectoryCursor | null, limit: number): Observable<DirectoryPage>
  /** Forgets the cached lists; reads already running do not fill the cache. */
  invalidate(): void
}

export function createDirectory (ctx: Context): Directory {
  const lists = createSharedReads<number, Listed>({ ttl: ctx.settings.cacheTtl, now: () => ctx.now() })
  const listed = (list: number): Observable<Listed> => lists.read(list, () => readList(ctx, list))

  return {
    page (cursor, limit) {
      const start = cursor?.list ?? 0
      const after = cursor?.after == null ? undefined : idToHex(cursor.after)
      const indices = Array.from({ length: LIST_COUNT - start }, (_, i) => start + i)
      const initial: Acc = { peers: [], next: null, done: false, holders: [] }
      return from(indices).pipe(
        mergeMap((list, i) => listed(list).pipe(map(l => [i, { list, l }] as const)), PREFETCH),
        inOrder<{ list: number, l: Listed }>(),
        scan((acc, { list, l }) => step(acc, { list, l, after: list === start ? after : undefined, limit }), initial),
        takeWhile(acc => !acc.done, true),
        last(undefined, initial),
        map(acc => ({ peers: acc.peers, next: acc.done ? acc.next : null, holders: acc.holders }))
      )
    },
    invalidate () {
      lists.clear()
    }
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** One list as read: peers in id order, their hex ids, and how many holders answered. */
interface Listed {
  readonly peers: DirectoryPeer[]
  readonly hexes: string[]
  readonly answered: number
}

interface Acc {
  readonly peers: DirectoryPeer[]
  readonly next: string | null
  readonly done: boolean
  readonly holders: ListHolders[]
}

/** Adds list `list`'s peers after `after` to the page; done (with the next cursor) once it is full. */
function step (acc: Acc, opts: { list: number, l: Listed, after: string | undefined, limit: number }): Acc {
  const { list, l, limit } = opts
  const from = opts.after === undefined ? 0 : firstAfter(l.hexes, opts.after, itself)
  const taken = l.peers.slice(from, from + limit - acc.peers.length)
  const peers = acc.peers.concat(taken)
  const holders = acc.holders.concat({ list, answered: l.answered })
  if (peers.length < limit) return { peers, next: null, done: false, holders }
  const end = from + taken.length >= l.peers.length
  const next = !end
    ? encodeCursor({ list, after: taken[taken.length - 1]!.record.id })
    : list + 1 < LIST_COUNT
    ? encodeCursor({ list: list + 1, after: null })
    : null
  return { peers, next, done: true, holders }
}

/**
 * Reads list `list` from its holders and merges it with what we hold: the `readHolders` closest
 * and the next one at once, then farther ones one by one while fewer than `readHolders` have
 * answered, or while each still brings a peer the others did not (closer nodes that joined lately
 * may not hold everything yet; farther ones do; a holder that hides records is outvoted by the
 * others). Holders come at most 2 per subnet (lookup.ts): one machine cannot be all of them.
 */
function readList (ctx: Context, list: number): Observable<Listed> {
  const n = ctx.settings.readHolders
  const read = (h: Contact): Observable<Read> =>
    readHolder(ctx, h, list).pipe(
      map(records => ({ records, answered: 1 })),
      catchError(() => of({ records: [] as ReadRecord[], answered: 0 }))
    )
  const further = (have: Read, rest: Contact[]): Observable<Read> => {
    const [next, ...more] = rest
    if (next === undefined) return of(have)
    const known = new Set(have.records.map(r => idToHex(r.wire.id)))
    return read(next).pipe(mergeMap(got => {
      const all = { records: have.records.concat(got.records), answered: have.answered + got.answered }
      return all.answered < n || got.records.some(r => !known.has(idToHex(r.wire.id))) ? further(all, more) : of(all)
    }))
  }
  return finalHolders(ctx, list, ctx.settings.r).pipe(
    catchError(() => of<Contact[]>([])),
    mergeMap(holders =>
      holders.length === 0 ? of<Read>({ records: [], answered: 0 }) : forkJoin(holders.slice(0, n + 1).map(read)).pipe(
        // the first `n` and the next one at once (it decides whether to go on), then one by one
        mergeMap(reads => {
          const base = { records: reads.slice(0, n).flatMap(r => r.records),
            answered: reads.slice(0, n).reduce((a, r) => a + r.answered, 0) }
          const extra = reads[n]
          if (extra === undefined) return of(base)
          const known = new Set(base.records.map(r => idToHex(r.wire.id)))
          const all = { records: base.records.concat(extra.records), answered: base.answered + extra.answered }
          return all.answered < n || extra.records.some(r => !known.has(idToHex(r.wire.id))) ? further(all, holders.slice(n + 1)) : of(all)
        })
      )
    ),
    mergeMap(r => merged(ctx, list, r))
  )
}

/** A record read from a holder and when its peer last announced (ms since the epoch, by our clock). */
interface ReadRecord {
  readonly wire: WireRecord
  readonly seenAt: number
}

/**
 * Every record one holder has for list `list` (pc_list pages, each record's age turned into when
 * its peer last announced), up to a full list (`maxPerList`) of the longest records. A holder we
 * have no token from yet is asked with a padded query, so its first reply is a full page too.
 */
function readHolder (ctx: Context, holder: Address, list: number): Observable<ReadRecord[]> {
  const maxPages = Math.ceil(ctx.settings.maxPerList / MIN_RECORDS_PER_PAGE) + 1
  return readPages(ctx, holder, 'pc_list', { list }, { maxPages, pad: UDP_PAGE_BYTES }).pipe(
    map(({ reply, at }) => (reply.records ?? []).map((wire, i) => ({ wire, seenAt: at - (reply.ages?.[i] ?? 0) }))),
    reduce((all, page) => all.concat(page), [] as ReadRecord[])
  )
}

/** What the holders of one list gave: their records, and how many of them answered. */
interface Read {
  readonly records: ReadRecord[]
  readonly answered: number
}

function merged (ctx: Context, list: number, { records: read, answered }: Read): Observable<Listed> {
  const now = ctx.now()
  const best = new Map<string, DirectoryPeer>()
  const offer = (record: PeerRecord, seenAt: number): void => {
    const hex = idToHex(record.id)
    const held = best.get(hex)
    if (held === undefined || record.s > held.record.s || (record.s === held.record.s && seenAt > held.seenAt)) {
      best.set(hex, { record, list, seenAt })
    }
  }
  for (const e of ctx.store.entries(list, now)) offer(e.record, e.seenAt)
  const candidates = uniqueCandidates(read, list, best)
  return verifyMany(candidates.map(c => c.wire), ctx.deps.pool, { threshold: ctx.settings.poolThreshold }).pipe(map(checks => {
    checks.forEach((v, i) => {
      if (v.ok) offer(v.record, candidates[i]!.seenAt)
    })
    const peers = [...best.values()].sort((a, b) => idToHex(a.record.id) < idToHex(b.record.id) ? -1 : 1)
    return { peers, hexes: peers.map(p => idToHex(p.record.id)), answered }
  }))
}

/** Records read that belong to `list`, are not older than what is already known, and are distinct (latest seenAt kept). */
function uniqueCandidates (read: readonly ReadRecord[], list: number, known: ReadonlyMap<string, DirectoryPeer>): ReadRecord[] {
  const unique = new Map<string, ReadRecord>()
  for (const r of read) {
    if (closestListId(r.wire.id).index !== list) continue
    const hex = idToHex(r.wire.id)
    const held = known.get(hex)
    if (held !== undefined && held.record.s >= r.wire.s) continue
    const key = `${hex}:${r.wire.s}:${idToHex(r.wire.sig)}`
    const seen = unique.get(key)
    if (seen === undefined || r.seenAt > seen.seenAt) unique.set(key, r)
  }
  return [...unique.values()]
}
