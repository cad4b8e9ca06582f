import { compareDistance, idToHex, idsEqual, SUBNET_BUCKET_LIMIT, subnetOf } from '@peerconnect/protocol'
import type { Contact, NodeId } from '@peerconnect/protocol'
import { ALPHA, K, KEEP, MAX_CANDIDATES, RETRIES } from './constants.js'
import { createLookupTimers } from './lookup-timers.js'
import type { Lookup, LookupOptions } from './lookup-types.js'
import { withGetters } from '@peerconnect/runtime'

export type { Lookup, LookupOptions, LookupReply, LookupStats } from './lookup-types.js'

export function createLookup (target: NodeId, seeds: readonly Contact[], opts: LookupOptions = {}): Lookup {
  const k = Math.max(1, opts.k ?? K)
  const alpha = Math.max(1, opts.alpha ?? ALPHA)
  const keep = Math.max(k, opts.keep ?? KEEP)
  const maxCandidates = Math.max(k * 2, opts.maxCandidates ?? MAX_CANDIDATES)
  const tries = 1 + Math.max(0, Math.floor(opts.retries ?? RETRIES))
  const timers = createLookupTimers(opts)
  const self = opts.self
  const subnets = opts.subnets ?? { perSubnet: SUBNET_BUCKET_LIMIT, mode: 'default' as const }
  const perSubnet = Math.max(1, subnets.perSubnet)
  /** Counts a ranked candidate against its subnet: true when its subnet already has perSubnet ranked before it. */
  const crowded = (c: Candidate, counts: Map<string, number>): boolean => {
    if (c.net === undefined) return false
    const n = counts.get(c.net) ?? 0
    if (n >= perSubnet) return true
    counts.set(c.net, n + 1)
    return false
  }
  const sorted: Candidate[] = []
  const byKey = new Map<string, Candidate>()
  let queries = 0
  let responded = 0
  let failed = 0
  let active = 0
  let slow = 0
  let expired = 0
  let retries = 0
  let retrying = 0
  let bytes = 0
  let found: Contact | null = null
  let done = false

  for (const s of seeds) {
    const c = add(s, s.rtt)
    if (c !== undefined && s.pc !== undefined) c.pc = s.pc
    if (s.rtt !== undefined) timers.observe(s.rtt)
  }
  updateDone()

  const api: Omit<Lookup, 'done' | 'found'> = {
    target,
    take (now) {
      markLate(now)
      if (done) return []
      const out: Contact[] = []
      const slots = opts.finalRound === true && converged() ? k : alpha
      let rank = 0
      const counts = new Map<string, number>()
      for (let i = 0; i < sorted.length && rank < k && active < slots; i++) {
        const c = sorted[i]!
        if (!holdsRank(c) || crowded(c, counts)) continue
        rank++
        if (c.state !== STATE.NEW) continue
        c.state = STATE.ACTIVE
        c.sentAt = now
        if (c.tries > 0) {
          retrying--
          retries++
        }
        c.tries++
        c.inFlight++
        active++
        queries++
        out.push(toContact(c, c.lastSeen))
      }
      return out
    },
    reply (queriedId, now, r) {
      bytes += r.bytes ?? 0
      const c = byKey.get(idToHex(queriedId))
      if (c === undefined || !awaited(c)) return false
      c.inFlight--
      release(c)
      const rtt = r.rtt ?? now - c.sentAt
      for (const n of r.nodes) add(n, undefined)
      if (!idsEqual(r.id, c.id)) {
        // It answered under another id: its place in the order was a lie. Keep what it sent,
        // count the node under its real id.
        c.state = STATE.FAILED
        failed++
        const real = add({ id: r.id, host: c.host, port: c.port }, rtt)
        if (real === undefined || real.state !== STATE.NEW) {
          updateDone()
          return false
        }
        if (r.pc !== undefined) real.pc = r.pc
        return answered(real, now, rtt)
      }
      if (r.pc !== undefined) c.pc = r.pc
      return answered(c, now, rtt)
    },
    fail (queriedId, _now, failBytes = 0, reason) {
      bytes += failBytes
      const c = byKey.get(idToHex(queriedId))
      if (c === undefined || !awaited(c)) return
      c.inFlight--
      // Another query to it is still out (a retry, or the first one after its retry): that one may answer.
      if (c.inFlight > 0) return
      release(c)
      if (reason === 'timeout' && c.tries < tries) {
        // Silence may be one lost datagram: ask once more if it still ranks among the k closest.
        c.state = STATE.NEW
        retrying++
      } else {
        c.state = STATE.FAILED
        failed++
      }
      updateDone()
    },
    postpone (ms) {
      if (!(ms > 0) || !Number.isFinite(ms)) return
      for (const c of sorted) if (c.state === STATE.ACTIVE || c.state === STATE.SLOW) c.sentAt += ms
    },
    nextDeadline () {
      if (done || active + slow === 0) return undefined
      let first = Infinity
      for (const c of sorted) {
        if (c.state === STATE.ACTIVE) first = Math.min(first, c.sentAt + timers.slow)
        else if (c.state === STATE.SLOW) first = Math.min(first, c.sentAt + timers.expire)
      }
      return first
    },
    slowThreshold: () => timers.slow,
    expireThreshold: () => timers.expire,
    closest (n = keep) {
      const out: Contact[] = []
      const counts = new Map<string, number>()
      for (let i = 0; i < sorted.length && out.length < n; i++) {
        const c = sorted[i]!
        if (c.state === STATE.DONE && !crowded(c, counts)) out.push(toContact(c, c.lastSeen))
      }
      return out
    },
    stats () {
      return { queries, responded, failed, active, slow, expired, retrying, retries, bytes, candidates: sorted.length }
    }
  }
  return withGetters(api, { done: () => done, found: () => found })

  function answered (c: Candidate, now: number, rtt: number): boolean {
    c.state = STATE.DONE
    c.lastSeen = now
    c.rtt = rtt
    responded++
    timers.observe(rtt)
    if (found === null && idsEqual(c.id, target)) found = toContact(c, now)
    const changed = rankAmongDone(c) < k
    updateDone()
    return changed
  }

  function add (n: { id: NodeId, host: string, port: number, lastSeen?: number }, rtt: number | undefined): Candidate | undefined {
    if (self !== undefined && idsEqual(n.id, self)) return undefined
    const key = idToHex(n.id)
    const known = byKey.get(key)
    if (known !== undefined) return known
    const c: Candidate = { id: n.id, host: n.host, port: n.port, key, net: subnetOf(n.host, subnets.mode), state: STATE.NEW, sentAt: 0,
      lastSeen: n.lastSeen ?? 0, rtt, tries: 0, inFlight: 0 }
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareDistance(sorted[mid]!.id, n.id, target) < 0) lo = mid + 1
      else hi = mid
    }
    if (lo >= maxCandidates) return undefined
    sorted.splice(lo, 0, c)
    byKey.set(key, c)
    if (sorted.length > maxCandidates) {
      const last = sorted[sorted.length - 1]!
      if ((last.state === STATE.NEW && last.tries === 0) || last.state === STATE.FAILED) {
        sorted.pop()
        byKey.delete(last.key)
      }
    }
    return c
  }

  /** Active queries past the slow threshold turn slow; slow ones past the expiry are presumed lost. */
  function markLate (now: number): void {
    if (active + slow === 0) return
    let lost = false
    for (const c of sorted) {
      if (c.state === STATE.ACTIVE && now - c.sentAt >= timers.slow) {
        c.state = STATE.SLOW
        active--
        slow++
        if (opts.finalRound === true) lost = true
      }
      if (c.state === STATE.SLOW && now - c.sentAt >= timers.expire) {
        slow--
        lost = true
        // Presumed lost: asked again (its first query still counts if it answers) while it has a try left.
        if (c.tries < tries) {
          c.state = STATE.NEW
          retrying++
        } else {
          c.state = STATE.EXPIRED
          expired++
        }
      }
    }
    if (lost) updateDone()
  }

  /** Takes a candidate whose query settled out of its state's count (NEW: a retry not yet sent). */
  function release (c: Candidate): void {
    if (c.state === STATE.ACTIVE) active--
    else if (c.state === STATE.SLOW) slow--
    else if (c.state === STATE.EXPIRED) expired--
    else if (c.state === STATE.NEW) retrying--
  }

  function updateDone (): void {
    if (opts.stopWhenFound === true && found !== null) {
      done = true
      return
    }
    let rank = 0
    const counts = new Map<string, number>()
    for (let i = 0; i < sorted.length && rank < k; i++) {
      const c = sorted[i]!
      if (c.state === STATE.FAILED || c.state === STATE.EXPIRED || (c.state === STATE.SLOW && opts.finalRound === true)) continue
      if (crowded(c, counts)) continue
      if (c.state !== STATE.DONE) {
        done = false
        return
      }
      rank++
    }
    done = true
  }

  /** The closest candidate worth a rank has answered: nothing closer is left to learn of. */
  function converged (): boolean {
    const counts = new Map<string, number>()
    for (const c of sorted) if (holdsRank(c) && !crowded(c, counts)) return c.state === STATE.DONE
    return false
  }

  function rankAmongDone (c: Candidate): number {
    let rank = 0
    for (const x of sorted) {
      if (x === c) return rank
      if (x.state === STATE.DONE) rank++
    }
    return rank
  }
}

const STATE = { NEW: 0, ACTIVE: 1, SLOW: 2, EXPIRED: 3, DONE: 4, FAILED: 5 } as const
type State = typeof STATE[keyof typeof STATE]

interface Candidate {
  readonly id: NodeId
  readonly host: string
  readonly port: number
  readonly key: string
  /** The subnet it counts against (undefined: exempt). */
  readonly net: string | undefined
  state: State
  sentAt: number
  lastSeen: number
  rtt: number | undefined
  /** Queries sent to it, and those of them still awaited. */
  tries: number
  inFlight: number
  /** What it speaks (Contact.pc), once known. */
  pc?: boolean
}

/** Worth a rank among the k to ask: not failed, not presumed lost, not slow. */
function holdsRank (c: Candidate): boolean {
  return c.state === STATE.NEW || c.state === STATE.ACTIVE || c.state === STATE.DONE
}

/** A query was sent and its outcome is still awaited (late answers from expired or retried ones count). */
function awaited (c: Candidate): boolean {
  return c.inFlight > 0 && c.state !== STATE.DONE && c.state !== STATE.FAILED
}

function toContact (c: Candidate, lastSeen: number): Contact {
  const out: Contact = { id: c.id, host: c.host, port: c.port, lastSeen }
  if (c.rtt !== undefined) out.rtt = c.rtt
  if (c.pc !== undefined) out.pc = c.pc
  return out
}
