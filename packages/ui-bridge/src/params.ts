/**
 * Guards for request input. Nothing here throws: each returns the value or a typed error that
 * the route sends as a 400. Query values arrive as `unknown` (a repeated key is an array).
 */
import { isSearchVia, SEARCH_VIAS } from '@peerconnect/protocol'
import type { SearchVia } from '@peerconnect/protocol'
import type { ApiError } from './errors.js'
import { DEFAULT_LIMIT, DEFAULT_SEARCH_TIMEOUT, DEFAULT_VIA, MAX_CURSOR_LENGTH, MAX_LIMIT, MAX_QUERY_BYTES, MAX_SEARCH_TIMEOUT, MIN_LIMIT,
  MIN_SEARCH_TIMEOUT } from './constants.js'

export type Parsed<T> = { ok: true, value: T } | { ok: false, error: ApiError }

export interface PageParams {
  cursor?: string
  limit: number
}
export interface SearchParams {
  q: string
  via: SearchVia
  timeoutMs: number
}

/** `GET /api/peers` query: `cursor` (optional, opaque), `limit` (1..200, default 50). */
export function parsePageParams (query: unknown): Parsed<PageParams> {
  const q = asRecord(query)
  const cursor = parseCursor(q.cursor)
  if (!cursor.ok) return cursor
  const limit = parseLimit(q.limit)
  if (!limit.ok) return limit
  return ok(cursor.value === undefined ? { limit: limit.value } : { cursor: cursor.value, limit: limit.value })
}

/** `GET /api/search` query: `q` (1..64 UTF-8 bytes), `via` (default hybrid), `timeout` ms (100..30000). */
export function parseSearchParams (query: unknown): Parsed<SearchParams> {
  const r = asRecord(query)
  const q = parseQuery(r.q)
  if (!q.ok) return q
  const via = parseVia(r.via)
  if (!via.ok) return via
  const timeout = parseTimeout(r.timeout)
  if (!timeout.ok) return timeout
  return ok({ q: q.value, via: via.value, timeoutMs: timeout.value })
}

/** A node id: 40 hex characters, returned in lowercase. */
export function parseId (x: unknown): Parsed<string> {
  if (typeof x !== 'string' || !HEX_ID.test(x)) return bad('ERR_BAD_ID', 'an id is 40 hex characters')
  return ok(x.toLowerCase())
}

/** A keyword query, trimmed: 1..64 bytes of UTF-8, no control characters, at least one letter or digit. */
export function parseQuery (x: unknown): Parsed<string> {
  if (typeof x !== 'string') return bad('ERR_BAD_QUERY', 'give one query `q`')
  const q = x.trim()
  if (q.length === 0) return bad('ERR_BAD_QUERY', 'the query is empty')
  if (Buffer.byteLength(q, 'utf8') > MAX_QUERY_BYTES) return bad('ERR_BAD_QUERY', `the query is longer than ${MAX_QUERY_BYTES} bytes`)
  if (CONTROL.test(q)) return bad('ERR_BAD_QUERY', 'the query contains control characters')
  if (!WORD.test(q)) return bad('ERR_BAD_QUERY', 'the query needs at least one letter or digit')
  return ok(q)
}

export function parseVia (x: unknown): Parsed<SearchVia> {
  if (x === undefined || x === '') return ok(DEFAULT_VIA)
  if (isSearchVia(x)) return ok(x)
  return bad('ERR_BAD_VIA', `via is one of ${SEARCH_VIAS.join(', ')}`)
}

export function parseTimeout (x: unknown): Parsed<number> {
  if (x === undefined || x === '') return ok(DEFAULT_SEARCH_TIMEOUT)
  const n = intIn(x, MIN_SEARCH_TIMEOUT, MAX_SEARCH_TIMEOUT)
  return n === undefined
    ? bad('ERR_BAD_TIMEOUT', `timeout is an integer number of ms from ${MIN_SEARCH_TIMEOUT} to ${MAX_SEARCH_TIMEOUT}`)
    : ok(n)
}

/** An absent or empty cursor means the first page; otherwise printable ASCII, bounded. */
export function parseCursor (x: unknown): Parsed<string | undefined> {
  if (x === undefined || x === '') return ok(undefined)
  if (typeof x !== 'string' || x.length > MAX_CURSOR_LENGTH || !PRINTABLE.test(x)) return bad('ERR_BAD_CURSOR', 'the cursor cannot be read')
  return ok(x)
}

export function parseLimit (x: unknown): Parsed<number> {
  if (x === undefined || x === '') return ok(DEFAULT_LIMIT)
  const n = intIn(x, MIN_LIMIT, MAX_LIMIT)
  return n === undefined ? bad('ERR_BAD_LIMIT', `limit is an integer from ${MIN_LIMIT} to ${MAX_LIMIT}`) : ok(n)
}

const HEX_ID = /^[0-9a-fA-F]{40}$/
const DIGITS = /^[0-9]{1,9}$/
const PRINTABLE = /^[\x21-\x7e]+$/
/** Search matches words: a query without a letter or digit can match nothing. */
const WORD = /[\p{L}\p{N}]/u
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

function intIn (x: unknown, min: number, max: number): number | undefined {
  if (typeof x !== 'string' || !DIGITS.test(x)) return undefined
  const n = Number(x)
  return n >= min && n <= max ? n : undefined
}

function asRecord (x: unknown): Record<string, unknown> {
  return typeof x === 'object' && x !== null ? x as Record<string, unknown> : {}
}

function ok<T> (value: T): Parsed<T> {
  return { ok: true, value }
}

function bad (code: string, message: string): { ok: false, error: ApiError } {
  return { ok: false, error: { code, message } }
}
