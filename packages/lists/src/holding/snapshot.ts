/**
 * The actor's snapshot (`actor.snapshot`, kept by the supervisor and handed back as
 * `deps.snapshot` after a restart): our record's last sequence and name, and the records we hold
 * with when each was last announced, so a restarted actor answers from what it held instead of
 * nothing until its peers announce again. Emitted when our record changes (by the announcer),
 * within `SNAPSHOT_DELAY` of a change of the records held (a peer added or dropped), and at most
 * once per announce interval when only refreshes happened. Restoring takes back the records that
 * have not expired; they are not verified again (they are our own memory, verified when stored).
 */
import { EMPTY, mergeMap, of, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { closestListId, isObj, recordFromWire } from '@peerconnect/protocol'
import type { Message, WireRecord } from '@peerconnect/protocol'
import { SNAPSHOT_TYPE } from '@peerconnect/runtime'
import type { Context } from '../context.js'
import { SNAPSHOT_DELAY } from '../constants.js'

/** What the snapshot holds. */
export interface ListsState {
  readonly seq: number
  readonly name: string
  /**
   * Per list: its records (wire form) and, for each, when its peer last announced (ms, our clock);
   * `handed`: the indices of those that only came by handoff (they stay evictable after a restart).
   */
  readonly held: ReadonlyArray<
    { readonly list: number, readonly records: WireRecord[], readonly seen: number[], readonly handed: number[] }
  >
}

/** The state to snapshot now. */
export function stateOf (ctx: Context): ListsState {
  const now = ctx.now()
  const held = ctx.store.lists(now).map(list => {
    const entries = ctx.store.entries(list, now)
    const handed = entries.flatMap((e, i) => e.handed ? [i] : [])
    return { list, records: entries.map(e => e.wire), seen: entries.map(e => e.seenAt), handed }
  })
  return { seq: ctx.self.seq, name: ctx.self.name, held }
}

export function snapshotOf (ctx: Context): Message {
  return { type: SNAPSHOT_TYPE, state: stateOf(ctx) } as Message
}

/**
 * Snapshots after changes of the records held: checked every `SNAPSHOT_DELAY`; a peer added or
 * dropped is snapshotted at the next check, refreshes alone at most once per announce interval.
 */
export function heldSnapshots$ (ctx: Context): Observable<Message> {
  let version = ctx.store.version
  let writes = ctx.store.writes
  let at = ctx.now()
  return timer(SNAPSHOT_DELAY, SNAPSHOT_DELAY, ctx.deps.scheduler).pipe(
    mergeMap(() => {
      const now = ctx.now()
      ctx.store.expire(now)
      const due = ctx.store.version !== version || (ctx.store.writes !== writes && now - at >= ctx.settings.announceInterval)
      if (!due) return EMPTY
      version = ctx.store.version
      writes = ctx.store.writes
      at = now
      return of(snapshotOf(ctx))
    })
  )
}

/** Puts a snapshot's live records back in the store; returns how many went in (0 for no or a bad snapshot). */
export function restoreHeld (ctx: Context, snapshot: unknown): number {
  if (!isObj(snapshot) || !Array.isArray(snapshot.held)) return 0
  const now = ctx.now()
  let restored = 0
  for (const part of snapshot.held as unknown[]) {
    if (!isObj(part) || typeof part.list !== 'number' || !Array.isArray(part.records) || !Array.isArray(part.seen)) continue
    const seen = part.seen as unknown[]
    const handed = new Set(Array.isArray(part.handed) ? part.handed as unknown[] : [])
    ;(part.records as unknown[]).forEach((wire, i) => {
      const record = recordFromWire(wire)
      const seenAt = seen[i]
      if (record === undefined || typeof seenAt !== 'number' || !Number.isFinite(seenAt) || seenAt > now) return
      if (closestListId(record.id).index !== part.list) return
      if (ctx.store.put(part.list, record, { now, seenAt, cap: Infinity, handoff: handed.has(i) }).ok) restored++
    })
  }
  return restored
}
