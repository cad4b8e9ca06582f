/**
 * Compute-pool tasks of the lists actor (run by the runtime's piscina pool, one module per
 * thread): plain exported functions over plain data.
 */
import { recordFromWire, verifyRecord } from '@peerconnect/protocol'
import type { ErrorData } from '@peerconnect/protocol'
import { RecordMalformedError } from '@peerconnect/protocol'

export type RecordCheck = { ok: true } | { ok: false, error: ErrorData }

/** Checks each wire-form record (structure, name, address, id = SHA-1(key), signature); one result per record, in order. */
export function verifyRecords (records: unknown): RecordCheck[] {
  if (!Array.isArray(records)) return []
  return records.map((w): RecordCheck => {
    const rec = recordFromWire(w)
    if (rec === undefined) return { ok: false, error: new RecordMalformedError().toData() }
    const v = verifyRecord(rec)
    return v.ok ? { ok: true } : { ok: false, error: v.error }
  })
}
