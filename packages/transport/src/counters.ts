/** Why an inbound packet was dropped; each reason is its own counter, besides the `dropped` total. */
export const DROP = {
  MALFORMED: 'droppedMalformed',
  UNKNOWN_TID: 'droppedUnknownTid',
  WRONG_ADDRESS: 'droppedWrongAddress',
  RATE_LIMITED: 'droppedRateLimited'
} as const
export type DropReason = typeof DROP[keyof typeof DROP]

/** The socket's counters: plain numeric fields, bumped in place on the hot path. */
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
  replyEncodeErrors: number
  /** Every dropped inbound packet, whatever the reason. */
  dropped: number
  snapshot (): Record<string, number>
}

export function createCounters (): Counters {
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
    replyEncodeErrors: 0,
    dropped: 0,
    droppedMalformed: 0,
    droppedUnknownTid: 0,
    droppedWrongAddress: 0,
    droppedRateLimited: 0,
    snapshot () {
      const out: Record<string, number> = {}
      for (const [k, v] of Object.entries(this)) if (typeof v === 'number') out[k] = v
      return out
    }
  }
}
