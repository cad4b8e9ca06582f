import type { CrawlerStatsReply } from '@peerconnect/protocol'
import type { LookupStats } from './lookup.js'

/**
 * The crawler's running counters, over every lookup it finished: bumped in place by `runLookup`
 * (one object per actor run), read by the `crawler.stats` ask.
 */
export interface CrawlerMetrics {
  lookups: number
  queries: number
  timeouts: number
  expired: number
}

export function createMetrics (): CrawlerMetrics {
  return { lookups: 0, queries: 0, timeouts: 0, expired: 0 }
}

/** Adds one finished lookup's counts. */
export function countLookup (m: CrawlerMetrics, s: LookupStats): void {
  m.lookups++
  m.queries += s.queries
  m.expired += s.expired
}

/** The body of a crawler.stats.reply. */
export function statsBody (m: CrawlerMetrics): CrawlerStatsReply {
  const meanQueries = m.lookups === 0 ? 0 : Math.round((m.queries / m.lookups) * 100) / 100
  return { type: 'crawler.stats.reply', lookups: m.lookups, queries: m.queries, timeouts: m.timeouts, expired: m.expired, meanQueries }
}
