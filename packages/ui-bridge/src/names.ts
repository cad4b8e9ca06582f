/**
 * Names of live peers. A peer's name is in its signed record, which it gives out on `pc_record`;
 * the record is verified (`verifyRecord`, and its id must be the peer's) before its name is
 * believed. Answers are cached; a node that does not know `pc_record` (KRPC 204, or the transport
 * knows it speaks BEP 5 only: ERR_RPC_UNSUPPORTED) keeps an empty name; one that did not answer is
 * asked again after a while. BEP 5-only contacts are not asked at all (the peer view names them '').
 */
import { idsEqual, isTransportResponse, recordFromWire, verifyRecord } from '@peerconnect/protocol'
import type { PeerRecord, TransportQuery, TransportResponse } from '@peerconnect/protocol'
import type { Ask } from './ask.js'
import { askFor, errorCode } from './ask.js'
import type { CheckTarget } from './peer-view.js'
import { MAX_NAMES, NAME_CONCURRENCY, NAME_RETRY, NAME_TIMEOUT, NAME_TTL, RECORD_QUERY_PAD } from './constants.js'

export interface NameBookOptions {
  readonly ask: Ask
  readonly now: () => number
  readonly timeout?: number
  readonly ttl?: number
  readonly retry?: number
  readonly concurrency?: number
  readonly max?: number
}

export interface NameCounters {
  queries: number
  verified: number
  none: number
  rejected: number
  failed: number
}

export interface NameBook {
  /** The name known for this id (`''`: the node has no record), or undefined. */
  known(idHex: string): string | undefined
  /** A record verified elsewhere (directory pages, search hits). */
  learn(idHex: string, record: PeerRecord): void
  /** The verified record behind the known name, if any (newest sequence seen). */
  record(idHex: string): PeerRecord | undefined
  /**
   * The peer's name from its record: `''` when it has none or gave a bad one, undefined when it
   * did not answer (or the book was closed). Coalesced per id; a few queries in flight at once.
   */
  resolve(target: CheckTarget, idHex: string): Promise<string | undefined>
  readonly counters: NameCounters
  /** Ids the book holds an entry for (at most `max`), and queries waiting or in flight. */
  sizes(): { entries: number, inFlight: number }
  /** Cancels the queries in flight. */
  close(): void
}

interface Known {
  name: string | undefined
  at: number
  record?: PeerRecord
}

export function createNameBook (opts: NameBookOptions): NameBook {
  const ttl = opts.ttl ?? NAME_TTL
  const retry = opts.retry ?? NAME_RETRY
  const max = opts.max ?? MAX_NAMES
  const limit = createLimit(opts.concurrency ?? NAME_CONCURRENCY)
  const closing = new AbortController()
  const entries = new Map<string, Known>()
  const inFlight = new Map<string, Promise<string | undefined>>()
  const counters: NameCounters = { queries: 0, verified: 0, none: 0, rejected: 0, failed: 0 }

  /** A verified record (the newer one wins), `''` (no record to give), or undefined (no answer: ask again later). */
  const remember = (idHex: string, name: string | undefined, record?: PeerRecord): void => {
    const before = entries.get(idHex)?.record
    entries.delete(idHex)
    if (record !== undefined) {
      const newest = before !== undefined && before.s > record.s ? before : record
      entries.set(idHex, { name: newest.n, at: opts.now(), record: newest })
    } else {
      entries.set(idHex, name === undefined && before !== undefined ? { name, at: opts.now(), record: before } : { name, at: opts.now() })
    }
    if (entries.size > max) entries.delete(entries.keys().next().value!)
  }
  const fresh = (idHex: string): Known | undefined => {
    const e = entries.get(idHex)
    if (e === undefined) return undefined
    return opts.now() - e.at < (e.name === undefined ? retry : ttl) ? e : undefined
  }

  const query = async (target: CheckTarget, idHex: string): Promise<string | undefined> => {
    counters.queries++
    const msg: TransportQuery = {
      type: 'transport.query',
      to: { host: target.host, port: target.port },
      q: 'pc_record',
      a: { pad: new Uint8Array(RECORD_QUERY_PAD) },
      timeout: opts.timeout ?? NAME_TIMEOUT
    }
    let res: TransportResponse
    try {
      res = await askFor(opts.ask, msg, { guard: isTransportResponse, timeout: (opts.timeout ?? NAME_TIMEOUT) + 1000,
        signal: closing.signal })
    } catch (err) {
      if (closing.signal.aborted) return undefined
      const none = errorCode(err) === 'ERR_RPC_UNSUPPORTED' ||
        (errorCode(err) === 'ERR_RPC_REMOTE' && /^204\b/.test(String((err as { message?: unknown }).message)))
      if (none) counters.none++
      else counters.failed++
      remember(idHex, none ? '' : undefined)
      return none ? '' : undefined
    }
    const checked = verifyRecord(recordFromWire(res.r.record))
    const good = checked.ok && idsEqual(checked.record.id, target.id)
    const name = good ? checked.record.n : ''
    if (good) counters.verified++
    else counters.rejected++
    if (good) remember(idHex, name, checked.record)
    else remember(idHex, '')
    return name
  }

  return {
    known: (idHex) => fresh(idHex)?.name,
    learn: (idHex, record) => remember(idHex, record.n, record),
    record: (idHex) => entries.get(idHex)?.record,
    resolve (target, idHex) {
      const known = fresh(idHex)
      if (known !== undefined) return Promise.resolve(known.name)
      if (closing.signal.aborted) return Promise.resolve(undefined)
      let p = inFlight.get(idHex)
      if (p === undefined) {
        p = limit(async () => await query(target, idHex)).finally(() => inFlight.delete(idHex))
        inFlight.set(idHex, p)
      }
      return p
    },
    counters,
    sizes: () => ({ entries: entries.size, inFlight: inFlight.size }),
    close: () => closing.abort()
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** Runs at most `n` of the given tasks at once, the rest in order. */
function createLimit (n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const queue: Array<() => void> = []
  const next = (): void => {
    if (running >= n) return
    const start = queue.shift()
    if (start !== undefined) start()
  }
  return async <T>(task: () => Promise<T>): Promise<T> =>
    await new Promise<T>((resolve, reject) => {
      queue.push(() => {
        running++
        task().then(resolve, reject).finally(() => {
          running--
          next()
        })
      })
      next()
    })
}
