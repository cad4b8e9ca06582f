/**
 * Name matching for keyword search (docs/PROTOCOL.md, pc_search): case- and accent-insensitive, on name tokens and
 * prefixes. A query matches a name when every query token is a prefix of some token of the name
 * ("ada lov" matches "Ada Lovelace", "élo" matches "Zoë Éloïse"). Pure; never throws.
 */
import type { ErrorData } from './message.js'
import { MAX_QUERY_BYTES } from './constants.js'

export type ValidatedQuery = { ok: true, query: string } | { ok: false, error: ErrorData }

/** A search query is not usable: not text, empty, longer than 64 UTF-8 bytes, or without a letter or digit. */
export class BadQueryError extends Error {
  override readonly name = 'BadQueryError'
  readonly code = 'ERR_BAD_QUERY'
  constructor (message = 'bad search query') {
    super(message)
  }
  toData (): ErrorData {
    return { name: this.name, code: this.code, message: this.message }
  }
}

/**
 * NFKD, lower case, combining marks stripped, and the Latin letters that carry a stroke instead of
 * a mark folded too (ł → l, ø → o, ß → ss …): "Éloïse" → "eloise", "ﬁ" → "fi", "Łódź" → "lodz".
 */
export function normalizeName (s: string): string {
  return s.normalize('NFKD').toLowerCase().normalize('NFKD').replace(COMBINING_MARKS, '').replace(STROKED, c => FOLDS[c] ?? c)
}

/** The normalized tokens of `s`: runs of letters and digits ("Jean-Luc O'Neil" → jean, luc, o, neil). */
export function nameTokens (s: string): string[] {
  return normalizeName(s).split(SEPARATORS).filter(t => t.length > 0)
}

/**
 * Checks a query: a string that is well-formed Unicode, non-empty after trimming, at most 64
 * bytes of UTF-8 (MAX_QUERY_BYTES) and with at least one letter or digit. Returns the trimmed
 * query, or an ERR_BAD_QUERY error as data.
 */
export function validateQuery (q: unknown): ValidatedQuery {
  if (typeof q !== 'string') return bad('query must be a string')
  const query = q.trim()
  if (query.length === 0) return bad('query is empty')
  if (LONE_SURROGATE.test(query)) return bad('query is not well-formed Unicode text')
  const bytes = encoder.encode(query).length
  if (bytes > MAX_QUERY_BYTES) return bad(`query is ${bytes} bytes of UTF-8; at most ${MAX_QUERY_BYTES}`)
  if (nameTokens(query).length === 0) return bad('query has no letter or digit')
  return { ok: true, query }
}

/** True when every token of `query` is a prefix of some token of `name`. A query without tokens matches nothing. */
export function matchesName (name: string, query: string): boolean {
  const wanted = nameTokens(query)
  if (wanted.length === 0) return false
  const have = nameTokens(name)
  return wanted.every(w => have.some(t => t.startsWith(w)))
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const COMBINING_MARKS = /\p{M}+/gu
/** Lower-case letters with no canonical decomposition that people type without their stroke. */
const FOLDS: Readonly<Record<string, string>> = { ł: 'l', ø: 'o', đ: 'd', ð: 'd', ħ: 'h', ŧ: 't', ß: 'ss', æ: 'ae', œ: 'oe', ı: 'i', ŀ: 'l',
  ƒ: 'f', þ: 'th' }
const STROKED = /[łøđðħŧßæœıŀƒþ]/g
const SEPARATORS = /[^\p{L}\p{N}]+/u
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const encoder = new TextEncoder()

function bad (message: string): ValidatedQuery {
  return { ok: false, error: new BadQueryError(message).toData() }
}
