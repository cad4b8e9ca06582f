/**
 * The peer view: the contacts gossip samples from, kept from routing's published changes
 * (routing.peer.added / routing.peer.removed, and one routing.contacts at start), grouped by the
 * length of the prefix they share with our id — the same shape as the routing table, so bucket
 * `j` is exactly the part of the id space that differs from us first at bit `j`. Contacts known
 * to speak BEP 5 only (`pc: false`) are left out: they never get a pc_gossip.
 */
import { commonPrefixLength, idsEqual } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import { ID_BITS } from './constants.js'

export interface PeerView {
  /** Adds a contact, or updates its address; false for our own id, a malformed one or a BEP 5-only one. */
  add(contact: Contact): boolean
  /** Removes the contact with this id; false if it was not there. */
  remove(id: NodeId): boolean
  has(id: NodeId): boolean
  /** Contacts sharing exactly `cpl` leading bits with us (0 ≤ cpl < 160). Do not mutate. */
  bucket(cpl: number): readonly Contact[]
  contacts(): Contact[]
  readonly size: number
  readonly self: NodeId
}

export function createPeerView (self: NodeId): PeerView {
  const buckets: Contact[][] = Array.from({ length: ID_BITS }, () => [])
  const where = new Map<string, { cpl: number, pos: number }>()

  return {
    self,
    add (contact) {
      if (!(contact.id instanceof Uint8Array) || contact.id.length !== self.length || idsEqual(contact.id, self) || contact.pc === false) {
        return false
      }
      const key = idKey(contact.id)
      const at = where.get(key)
      if (at !== undefined) {
        buckets[at.cpl]![at.pos] = contact
        return true
      }
      const cpl = commonPrefixLength(contact.id, self)
      const bucket = buckets[cpl]!
      where.set(key, { cpl, pos: bucket.length })
      bucket.push(contact)
      return true
    },
    remove (id) {
      if (!(id instanceof Uint8Array)) return false
      const key = idKey(id)
      const at = where.get(key)
      if (at === undefined) return false
      where.delete(key)
      const bucket = buckets[at.cpl]!
      const last = bucket.pop()!
      if (at.pos < bucket.length) {
        bucket[at.pos] = last
        where.get(idKey(last.id))!.pos = at.pos
      }
      return true
    },
    has: id => id instanceof Uint8Array && where.has(idKey(id)),
    bucket: cpl => buckets[cpl] ?? [],
    contacts: () => buckets.flat(),
    get size () {
      return where.size
    }
  }
}

/** A compact Map key for an id: its bytes as a latin1 string (20 chars, not 40 hex). */
export function idKey (id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1')
}
