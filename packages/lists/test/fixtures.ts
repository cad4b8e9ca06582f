/** Identities, records and small helpers shared by the lists tests. */
import { closestListId, createRecord, generateIdentity, recordSignedBytes, recordToWire, signBytes } from '@peerconnect/protocol'
import type { Identity, PeerRecord } from '@peerconnect/protocol'

/** A fresh identity whose closest list is `list`. */
export function identityIn (list: number): Identity {
  for (;;) {
    const id = generateIdentity()
    if (closestListId(id.id).index === list) return id
  }
}

/** `n` fresh identities whose closest list is `list`. */
export function identitiesIn (list: number, n: number): Identity[] {
  return Array.from({ length: n }, () => identityIn(list))
}

/** A signed record of `who`. */
export function recordOf (who: Identity, opts: { name?: string, host?: string, port?: number, seq?: number } = {}): PeerRecord {
  return createRecord(who, { name: opts.name ?? 'peer', host: opts.host ?? '10.0.0.1', port: opts.port ?? 7000, seq: opts.seq ?? 1 })
}

/** A record signed by `who` over whatever fields it is given (createRecord refuses long names; this does not). */
export function signedBy (who: Identity, rec: Omit<PeerRecord, 'sig'>): PeerRecord {
  return { ...rec, sig: signBytes(who, recordSignedBytes(rec)!) }
}

/** The `code` of an error-like value. */
export function codeOf (x: unknown): unknown {
  return typeof x === 'object' && x !== null ? (x as { code?: unknown }).code : undefined
}

/**
 * A lists snapshot state holding `records` in `list`, each last announced at `seenAt`: fills a holder as if it had held
 * them before a restart.
 */
export function heldState (list: number, records: readonly PeerRecord[], seenAt: number,
  self: { seq?: number, name?: string } = {}): Record<string, unknown> {
  const state: Record<string, unknown> = { held: [{ list, records: records.map(recordToWire), seen: records.map(() => seenAt) }] }
  if (self.seq !== undefined) state.seq = self.seq
  if (self.name !== undefined) state.name = self.name
  return state
}
