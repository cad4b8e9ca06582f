/**
 * The peer view: the contacts gossip samples from, kept from routing's published changes
 * (routing.peer.added / routing.peer.removed, and one routing.contacts at start), grouped by the
 * length of the prefix they share with our id — the same shape as the routing table, so bucket
 * `j` is exactly the part of the id space that differs from us first at bit `j`. Contacts known
 * to speak BEP 5 only (`pc: false`) are left out: they never get a pc_gossip.
 */
import { commonPrefixLength, idKey, idsEqual } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import { ID_BITS } from './constants.js'
import { withGetters } from '@peerconnect/runtime'

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
  // Made on first use: most of the ID_BITS buckets of a node stay empty.
  const buckets: Array<Contact[] | undefined> = []
  // Where each contact is: its position in its bucket × ID_BITS + the bucket (one number, not an object per contact).
  const where = new Map<string, number>()

  const api: Omit<PeerView, 'size'> = {
    self,
    add (contact) {
      if (!(contact.id instanceof Uint8Array) || contact.id.length !== self.length || idsEqual(contact.id, self) || contact.pc === false) {
        return false
      }
      const key = idKey(contact.id)
      const at = where.get(key)
      if (at !== undefined) {
        buckets[at % ID_BITS]![Math.floor(at / ID_BITS)] = contact
        return true
      }
      const cpl = commonPrefixLength(contact.id, self)
      const bucket = buckets[cpl] ??= []
      where.set(key, bucket.length * ID_BITS + cpl)
      bucket.push(contact)
      return true
    },
    remove (id) {
      if (!(id instanceof Uint8Array)) return false
      const key = idKey(id)
      const at = where.get(key)
      if (at === undefined) return false
      where.delete(key)
      const cpl = at % ID_BITS
      const pos = Math.floor(at / ID_BITS)
      const bucket = buckets[cpl]!
      const last = bucket.pop()!
      if (pos < bucket.length) {
        bucket[pos] = last
        where.set(idKey(last.id), pos * ID_BITS + cpl)
      }
      return true
    },
    has: id => id instanceof Uint8Array && where.has(idKey(id)),
    bucket: cpl => buckets[cpl] ?? NONE,
    contacts: () => {
      const out: Contact[] = []
      for (const bucket of buckets) if (bucket !== undefined) out.push(...bucket)
      return out
    }
  }
  return withGetters(api, { size: () => where.size })
}

const NONE: readonly Contact[] = []

/** A compact Map key for an id (protocol's idKey). */
export { idKey }
