/** Turning what the actors report (contacts, signed records, directory entries) into API `Peer`s. */
import { createHash } from 'node:crypto'
import { idToHex, recordAddress, recordAddresses } from '@peerconnect/protocol'
import type { Contact, DirectoryPeer, PeerRecord } from '@peerconnect/protocol'
import type { Peer } from './backend.js'

/** `ip:port`, or `[v6]:port`. */
export function formatAddress (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * A signing key's fingerprint, as the page shows it next to names: the first 8 bytes of its
 * SHA-256 in four groups, `3f2a 9c41 07be d5e0`.
 */
export function keyFingerprint (key: Uint8Array): string {
  const hex = createHash('sha256').update(key).digest('hex').slice(0, 16)
  return hex.replace(/(.{4})(?!$)/g, '$1 ')
}

/** A routing contact as a Peer (a BEP 5-only contact has no name and is marked `kind: 'bep5'`). */
export function contactPeer (contact: Contact, opts: { name: string, status?: Peer['status'] }): Peer {
  const peer: Peer = {
    id: idToHex(contact.id),
    name: contact.pc === false ? '' : opts.name,
    address: formatAddress(contact.host, contact.port),
    status: opts.status ?? 'online',
    lastSeen: contact.lastSeen
  }
  if (contact.pc === false) peer.kind = 'bep5'
  return peer
}

/** A verified record as a Peer; undefined when its compact address does not decode. */
export function recordPeer (record: PeerRecord, opts: { lastSeen: number, status?: Peer['status'] }): Peer | undefined {
  const addr = recordAddress(record)
  if (addr === undefined) return undefined
  return {
    id: idToHex(record.id),
    name: record.n,
    address: formatAddress(addr.host, addr.port),
    status: opts.status ?? 'online',
    lastSeen: opts.lastSeen,
    key: keyFingerprint(record.k),
    ...alsoAtOf(record),
    ...behindNatOf(record)
  }
}

/** `{behindNat: true}` when the record says its peer runs in read-only mode (behind a NAT), or nothing. */
export function behindNatOf (record: PeerRecord): { behindNat?: true } {
  return record.ro === 1 ? { behindNat: true } : {}
}

/** `{alsoAt}` with a dual-stack record's second address, or nothing. */
export function alsoAtOf (record: PeerRecord): { alsoAt?: string } {
  const also = recordAddresses(record)[1]
  return also === undefined ? {} : { alsoAt: formatAddress(also.host, also.port) }
}

/**
 * A directory entry as a Peer: online (holders drop a record soon after its peer stops announcing)
 * unless the live list knows it is offline; last seen = its last announce.
 */
export function directoryPeer (entry: DirectoryPeer, live: Peer | undefined): Peer | undefined {
  return recordPeer(entry.record, { lastSeen: Math.max(entry.seenAt, live?.lastSeen ?? 0), status: live?.status })
}
