/** Identities, records and small helpers shared by the lists tests. */
import { closestListId, createRecord, generateIdentity, recordSignedBytes, signBytes } from '@peerconnect/protocol'
import type { Identity, PeerRecord } from '@peerconnect/protocol'
import type { Logger } from '@peerconnect/runtime'

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

export const quietLogger: Logger = {
  debug () {}, info () {}, warn () {}, error () {},
  child () { return quietLogger }
}

/** The `code` of an error-like value. */
export function codeOf (x: unknown): unknown {
  return typeof x === 'object' && x !== null ? (x as { code?: unknown }).code : undefined
}
