/**
 * Verifies many wire-form records: on the compute pool when there are more than `threshold`
 * (a signature check is ~0.1 ms; a handoff or a directory read brings dozens), in place
 * otherwise or when the pool fails. Emits one result per record, in order, then completes.
 * Unsubscribing drops the pool task if it still waits for a thread. With `shed`, a busy pool
 * (ERR_POOL_BUSY) is an error for the caller to answer (202 busy), not work done in place.
 */
import { map, of, catchError, throwError } from 'rxjs'
import type { Observable } from 'rxjs'
import { recordFromWire } from '@peerconnect/protocol'
import type { ErrorData, PeerRecord, WireRecord } from '@peerconnect/protocol'
import type { ComputePool } from '@peerconnect/runtime'
import { runOnPool } from './pool-run.js'
import { verifyRecords } from './tasks.js'
import type { RecordCheck } from './tasks.js'

export type Verified = { ok: true, record: PeerRecord } | { ok: false, error: ErrorData }

/** The module (file URL) holding the pool tasks. */
export const TASKS_MODULE = new URL('./tasks.js', import.meta.url).href

export function verifyMany (records: readonly WireRecord[], pool: ComputePool,
  opts: { threshold: number, shed?: boolean }): Observable<Verified[]> {
  if (records.length === 0) return of([])
  if (records.length <= opts.threshold) return of(withRecords(records, verifyRecords(records)))
  return runOnPool<RecordCheck[]>(pool, { module: TASKS_MODULE, name: 'verifyRecords' }, records).pipe(
    map(checks => checks.length === records.length ? checks : verifyRecords(records)),
    catchError((err: unknown) =>
      opts.shed === true && (err as { code?: unknown })?.code === 'ERR_POOL_BUSY' ? throwError(() => err) : of(verifyRecords(records))
    ),
    map(checks => withRecords(records, checks))
  )
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function withRecords (records: readonly WireRecord[], checks: readonly RecordCheck[]): Verified[] {
  return records.map((w, i) => {
    const check = checks[i]
    const rec = recordFromWire(w)
    if (check === undefined || rec === undefined) {
      return { ok: false, error: { name: 'RecordMalformedError', code: 'ERR_RECORD_MALFORMED', message: 'malformed peer record' } }
    }
    return check.ok ? { ok: true, record: rec } : check
  })
}
