import { KRPC_METHODS } from '@peerconnect/protocol'

/** Why an inbound packet was dropped; each reason is its own counter, besides the `dropped` total. */
export const DROP = {
  MALFORMED: 'droppedMalformed',
  UNKNOWN_TID: 'droppedUnknownTid',
  WRONG_ADDRESS: 'droppedWrongAddress',
  RATE_LIMITED: 'droppedRateLimited'
} as const
export type DropReason = typeof DROP[keyof typeof DROP]

/** Counters of one KRPC method: our queries sent, queries received, our queries that timed out. */
export interface MethodCounters {
  sent: number
  in: number
  timeouts: number
}

/** Methods counted one by one; every other method name is counted under `other` (names come off the wire: the set stays bounded). */
export const COUNTED_METHODS: readonly string[] = [...KRPC_METHODS, 'other']

/**
 * The socket's counters: plain numeric fields, bumped in place on the hot path. The snapshot
 * flattens the per-method ones as `queriesSent.<method>`, `queriesIn.<method>`, `timeouts.<method>`
 * for every method of COUNTED_METHODS (zeros included: the keys are stable).
 */
export interface Counters extends Record<DropReason, number> {
  /** Datagrams sent (queries, replies, errors) and received. */
  sent: number
  received: number
  queriesSent: number
  queriesIn: number
  repliesIn: number
  errorsIn: number
  repliesSent: number
  errorsSent: number
  timeouts: number
  sendErrors: number
  badReplies: number
  /** Replies refused with 202 because they were over 3× their query and the querier was not proven. */
  amplificationRefused: number
  /** Bounded queries (pings back) not sent: the address has not answered us and has not sent us enough. */
  unprovenRefused: number
  replyEncodeErrors: number
  /** Error replies not sent: the query was under MIN_ANSWERED_BYTES, or even a bare error would pass 3× of it. */
  errorsWithheld: number
  /** 201 `rate limited` replies sent (at most one per limited source per notice interval). */
  rateLimitNotices: number
  /** Every dropped inbound packet, whatever the reason. */
  dropped: number
  /** Replies to queries we had cancelled, within their timeout: no callback, but a sighting (they prove the contact). */
  lateReplies: number
  /** The counters of `method` (of `other` when it is not a known method). */
  method(method: string): MethodCounters
  snapshot(): CountersSnapshot
}

/** Every plain counter by name, plus the flattened per-method ones (any other key may be absent). */
export type CountersSnapshot = Readonly<Omit<Counters, 'method' | 'snapshot'>> & Readonly<Record<string, number>>

/** The snapshot's per-method key names, made once (not three template strings per method per snapshot). */
const METHOD_KEYS = COUNTED_METHODS.map(method => ({ method, sent: `queriesSent.${method}`, in: `queriesIn.${method}`,
  timeouts: `timeouts.${method}` })
)

export function createCounters (): Counters {
  const lanes = METHOD_KEYS.map(keys => ({ keys, counters: { sent: 0, in: 0, timeouts: 0 } }))
  const byMethod = new Map<string, MethodCounters>(lanes.map(l => [l.keys.method, l.counters]))
  const other = byMethod.get('other')!
  return {
    sent: 0,
    received: 0,
    queriesSent: 0,
    queriesIn: 0,
    repliesIn: 0,
    errorsIn: 0,
    repliesSent: 0,
    errorsSent: 0,
    timeouts: 0,
    sendErrors: 0,
    badReplies: 0,
    amplificationRefused: 0,
    unprovenRefused: 0,
    replyEncodeErrors: 0,
    errorsWithheld: 0,
    rateLimitNotices: 0,
    dropped: 0,
    lateReplies: 0,
    droppedMalformed: 0,
    droppedUnknownTid: 0,
    droppedWrongAddress: 0,
    droppedRateLimited: 0,
    method (method) {
      return byMethod.get(method) ?? other
    },
    snapshot () {
      const { method: _method, snapshot: _snapshot, ...plain } = this
      const out: Omit<Counters, 'method' | 'snapshot'> & Record<string, number> = { ...plain }
      for (const { keys, counters: c } of lanes) {
        out[keys.sent] = c.sent
        out[keys.in] = c.in
        out[keys.timeouts] = c.timeouts
      }
      return out
    }
  }
}
