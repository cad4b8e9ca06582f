/**
 * Can other nodes reach us, or are we behind a NAT that drops what nobody inside asked for? Our
 * own queries cannot tell: every reply comes back through the mapping our query opened. So we
 * ask a few contacts (`pc_reach`, with a fresh nonce each) to send a `pc_probe` back to the
 * address they see us at, from a port we never sent to. A probe that arrives proves we are
 * reachable; none arriving while enough helpers answered says we are not, and the node runs in
 * read-only mode (BEP 43: `ro: 1` in its queries; others keep it out of their tables).
 *
 * The decision is careful in both directions, since a public node must never go read-only by
 * mistake:
 * - a helper counts only when its answer says it sees us at the IP of an address we advertise (a
 *   helper on our own LAN sees a private address: its probe says nothing about the outside; one
 *   that sees our public IP at another port — a NAT that maps us per destination — does count:
 *   its probe to that mapping is as good a test);
 * - a probe counts only when its nonce is one we sent and it comes from another address than the
 *   helper's own (a probe through the mapping our query opened would prove nothing);
 * - reachable: a counted probe arrived; unreachable: none, and at least `minAnswers` counted
 *   helpers answered; anything else (too few contacts, helpers refusing, rate-limited or silent)
 *   decides nothing, and the mode stays as it is. Too few contacts: looked at again after
 *   `retry` (nothing was sent; a young node is still joining). Helpers asked and undecided:
 *   retried after `retry`, doubled for each such check in a row, up to `maxRetry` (a young
 *   node's address votes settle within seconds; a node whose helpers keep refusing is not
 *   asked about every 5 s).
 * Checked `firstDelay` after start, then every `recheck` (a NAT mapping can change, and a node
 * that becomes reachable leaves read-only mode). Pure: time comes in as arguments, so the tests
 * drive it in virtual time.
 */
import { withGetters } from '@peerconnect/runtime'
import type { Address } from '@peerconnect/protocol'
import { REACH_FIRST_DELAY, REACH_HELPERS, REACH_MAX_RETRY, REACH_MIN_ANSWERS, REACH_PROBE_WAIT, REACH_RECHECK,
  REACH_RETRY } from './constants.js'

export interface ReachabilityOptions {
  /** Contacts asked per check. Default REACH_HELPERS (3). */
  readonly helpers?: number
  /**
   * Helpers that saw us at our advertised address and must all answer, with no probe arriving, to decide we are
   * unreachable. Default REACH_MIN_ANSWERS (2).
   */
  readonly minAnswers?: number
  /** ms from asking to deciding: how long answers and probes are waited for. Default REACH_PROBE_WAIT (3 s). */
  readonly probeWait?: number
  /** ms after start before the first check. Default REACH_FIRST_DELAY (3 s). */
  readonly firstDelay?: number
  /** ms before trying again after a check that decided nothing, doubled for each in a row up to `maxRetry`. Default REACH_RETRY (5 s). */
  readonly retry?: number
  /** Longest wait between checks that decide nothing. Default REACH_MAX_RETRY (1 min). */
  readonly maxRetry?: number
  /** ms between checks once one decided. Default REACH_RECHECK (5 min). */
  readonly recheck?: number
}

/** One helper to ask: send it `pc_reach {n: nonce}`. */
export interface HelperAsk {
  readonly to: Address
  readonly nonce: Uint8Array
}

export type Verdict = 'unknown' | 'reachable' | 'unreachable'

export interface Reachability {
  /** We run in read-only mode: the last check that decided found us unreachable. */
  readonly readOnly: boolean
  /** What the last check that decided found. */
  readonly verdict: Verdict
  /** A check is running (helpers asked, waiting for answers and probes). */
  readonly running: boolean
  /** When the next check is due, or the running one ends (ms, on the caller's clock). */
  readonly dueAt: number
  /**
   * Starts a check when one is due and none is running: up to `helpers` of `candidates` (one per
   * host, picked with `random`), each with a fresh nonce from `nonce`. Undefined when not due;
   * [] when there are fewer candidates than `minAnswers` (nothing asked, retried later).
   */
  begin(now: number, candidates: readonly Address[], random: () => number, nonce: () => Uint8Array): HelperAsk[] | undefined
  /** The helper asked with `nonce` answered: it sees us at `saw`. `ours`: the addresses we advertise now. */
  answered(nonce: Uint8Array, saw: Address, ours: readonly Address[]): void
  /** A `pc_probe` with `nonce` arrived from `from`; true when it belongs to the running check. */
  probed(nonce: Uint8Array, from: Address): boolean
  /** Ends the running check when its time is up: the new mode when it changed, else undefined. */
  settle(now: number): { readOnly: boolean } | undefined
  /** Counters for transport.info. */
  stats(): Record<string, number>
}

export function createReachability (start: number, opts: ReachabilityOptions = {}): Reachability {
  const o = {
    helpers: opts.helpers ?? REACH_HELPERS,
    minAnswers: opts.minAnswers ?? REACH_MIN_ANSWERS,
    probeWait: opts.probeWait ?? REACH_PROBE_WAIT,
    retry: opts.retry ?? REACH_RETRY,
    maxRetry: opts.maxRetry ?? REACH_MAX_RETRY,
    recheck: opts.recheck ?? REACH_RECHECK
  }
  let dueAt = start + (opts.firstDelay ?? REACH_FIRST_DELAY)
  let readOnly = false
  let verdict: Verdict = 'unknown'
  let check: Map<string, Helper> | undefined
  let undecided = 0
  const retryAt = (now: number): number => {
    counts.reachUndecided++
    return now + Math.min(o.maxRetry, o.retry * 2 ** Math.min(undecided++, 16))
  }
  const counts = { reachChecks: 0, reachUndecided: 0, reachProbesIn: 0, reachProbesIgnored: 0 }

  const api: Omit<Reachability, 'readOnly' | 'verdict' | 'running' | 'dueAt'> = {
    begin (now, candidates, random, nonce) {
      if (check !== undefined || now < dueAt) return undefined
      const picked = pick(candidates, o.helpers, random)
      if (picked.length < o.minAnswers) {
        counts.reachUndecided++
        dueAt = now + o.retry
        return []
      }
      check = new Map()
      const asks: HelperAsk[] = []
      for (const to of picked) {
        const n = nonce()
        check.set(hex(n), { to, counted: false, probed: false })
        asks.push({ to, nonce: n })
      }
      counts.reachChecks++
      dueAt = now + o.probeWait
      return asks
    },
    answered (nonce, saw, ours) {
      const h = check?.get(hex(nonce))
      if (h !== undefined && ours.some(a => sameHost(a, saw))) h.counted = true
    },
    probed (nonce, from) {
      const h = check?.get(hex(nonce))
      if (h === undefined || sameAddress(h.to, from)) {
        counts.reachProbesIgnored++
        return false
      }
      counts.reachProbesIn++
      h.probed = true
      return true
    },
    settle (now) {
      if (check === undefined || now < dueAt) return undefined
      const helpers = [...check.values()].filter(h => h.counted)
      check = undefined
      const before = readOnly
      if (helpers.some(h => h.probed)) {
        verdict = 'reachable'
        readOnly = false
      } else if (helpers.length >= o.minAnswers) {
        verdict = 'unreachable'
        readOnly = true
      } else {
        dueAt = retryAt(now)
        return undefined
      }
      undecided = 0
      dueAt = now + o.recheck
      return readOnly === before ? undefined : { readOnly }
    },
    stats: () => ({ ...counts, readOnly: readOnly ? 1 : 0 })
  }
  return withGetters(api, { readOnly: () => readOnly, verdict: () => verdict, running: () => check !== undefined, dueAt: () => dueAt })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

interface Helper {
  readonly to: Address
  /** It answered, seeing us at an address we advertise. */
  counted: boolean
  /** Its probe arrived. */
  probed: boolean
}

/** Up to `n` of `candidates`, at most one per host, in random order. */
function pick (candidates: readonly Address[], n: number, random: () => number): Address[] {
  const byHost = new Map<string, Address>()
  for (const c of candidates) if (!byHost.has(c.host)) byHost.set(c.host, c)
  return [...byHost.values()].map(a => ({ a, key: random() })).sort((x, y) => x.key - y.key).slice(0, n).map(x => x.a)
}

function sameAddress (a: Address, b: Address): boolean {
  return a.port === b.port && sameHost(a, b)
}

function sameHost (a: Address, b: Address): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase()
}

function hex (b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}
