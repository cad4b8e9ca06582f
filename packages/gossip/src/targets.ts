/**
 * Which peers a rumor goes to: FANOUT (3) distinct peers sampled from the view, never the sender,
 * the origin or a recent sender (the rumor's path). Sampling is spread over the id space so the
 * forwards form a tree with almost no duplicates: the receiver of a rumor covers a *region*, the
 * ids sharing its first `depth` bits (all ids for the origin, depth 0). It cuts its region into
 * up to FANOUT *parts* — binary subtrees of the id space — and sends to one random known peer in
 * each part, which covers that part (it shares `depth` = the part's prefix length with it):
 *
 *   - start with one part, the whole region (it holds us);
 *   - while there are fewer parts than FANOUT, split the part with the most candidates in two:
 *     the part that holds us splits into the bucket beside us and the rest of our side; another
 *     part splits into its two halves, but only when we know a candidate in each half (we know
 *     far parts only by a sample, so we never narrow one down to where our sample happens to be).
 *
 * Near the top this gives the half we are not in, the quarter beside us, and our own quarter;
 * near the leaves, where our buckets hold everyone, it cuts by the actual counts. Each receiver
 * knows its own neighbourhood densely (Kademlia buckets), so it can cut its part again; regions
 * shrink by 1–2 bits per hop and a rumor takes about one message per node.
 */
import { commonPrefixLength } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import type { PeerView } from './view.js'
import { ID_BITS } from './constants.js'

/** A peer to send a rumor to. It covers the ids sharing `depth` leading bits with `anchor` (and with itself). */
export interface Target {
  readonly contact: Contact
  readonly depth: number
  readonly anchor: NodeId
}

export interface PickOptions {
  readonly fanout: number
  /** True for a contact that must not get the rumor (sender, origin, path, already tried). */
  readonly excluded: (c: Contact) => boolean
  readonly random: () => number
}

/** Up to `fanout` targets for a rumor whose region here is the ids sharing `depth` bits with us. */
export function pickTargets (view: PeerView, depth: number, opts: PickOptions): Target[] {
  const all: Contact[] = []
  for (let cpl = Math.max(0, depth); cpl < ID_BITS; cpl++) for (const c of view.bucket(cpl)) if (!opts.excluded(c)) all.push(c)
  if (all.length === 0) return []
  let parts: Part[] = [{ anchor: view.self, level: depth, own: true, list: all }]
  while (parts.length < opts.fanout) {
    const next = splitLargest(parts, view.self)
    if (next === undefined) break
    parts = next
  }
  return parts.map(p => ({ contact: pick(p.list, opts.random), depth: p.level, anchor: p.anchor }))
}

/** Another peer for `target`'s part after a forward to it failed, or undefined. */
export function pickReplacement (view: PeerView, target: Target, opts: Omit<PickOptions, 'fanout'>): Target | undefined {
  const { anchor, depth } = target
  if (depth >= ID_BITS) return undefined
  const from = commonPrefixLength(anchor, view.self)
  const own = from >= depth
  const list: Contact[] = []
  for (let cpl = own ? depth : from; cpl < (own ? ID_BITS : from + 1); cpl++) {
    for (const c of view.bucket(cpl)) if (commonPrefixLength(c.id, anchor) >= depth && !opts.excluded(c)) list.push(c)
  }
  if (list.length === 0) return undefined
  return { ...target, contact: pick(list, opts.random) }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** A binary subtree: the ids sharing `level` bits with `anchor`; `own` when it holds us; `list` our candidates in it. */
interface Part {
  readonly anchor: NodeId
  readonly level: number
  readonly own: boolean
  readonly list: Contact[]
}

/** `parts` with its largest splittable part split in two, or undefined when none can be. */
function splitLargest (parts: Part[], self: NodeId): Part[] | undefined {
  const order = parts.map((p, i) => i).filter(i => parts[i]!.list.length >= 2).sort((a, b) => parts[b]!.list.length - parts[a]!.list.length)
  for (const i of order) {
    const halves = split(parts[i]!, self)
    if (halves !== undefined) return [...parts.slice(0, i), ...halves, ...parts.slice(i + 1)]
  }
  return undefined
}

function split (part: Part, self: NodeId): [Part, Part] | undefined {
  if (part.own) {
    // Our own buckets are complete: skip the empty ones, then cut off the first non-empty one.
    for (let level = part.level; level < ID_BITS - 1; level++) {
      const beside = part.list.filter(c => commonPrefixLength(c.id, self) === level)
      if (beside.length === 0) continue
      const inner = part.list.filter(c => commonPrefixLength(c.id, self) > level)
      if (inner.length === 0) return split({ anchor: beside[0]!.id, level: level + 1, own: false, list: beside }, self)
      return [{ anchor: beside[0]!.id, level: level + 1, own: false, list: beside }, { anchor: self, level: level + 1, own: true,
        list: inner }]
    }
    return undefined
  }
  // A part we know by a sample: cut it at its next bit, only if we know someone on both sides.
  if (part.level >= ID_BITS) return undefined
  const zero: Contact[] = []
  const one: Contact[] = []
  for (const c of part.list) (bitAt(c.id, part.level) === 0 ? zero : one).push(c)
  if (zero.length === 0 || one.length === 0) return undefined
  return [{ anchor: zero[0]!.id, level: part.level + 1, own: false, list: zero }, { anchor: one[0]!.id, level: part.level + 1, own: false,
    list: one }]
}

function bitAt (id: Uint8Array, bit: number): number {
  return (id[bit >> 3]! >> (7 - (bit & 7))) & 1
}

function pick<T> (list: readonly T[], random: () => number): T {
  return list[Math.min(list.length - 1, Math.floor(random() * list.length))]!
}
