/**
 * The token rule: a server reachable from other hosts must be given a token, and then /api and
 * /metrics need `Authorization: Bearer <token>` (the WebSocket may pass it as `?token=`).
 * A token given to a loopback server is enforced too. Tokens are compared in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** True for hosts only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback (host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || LOOPBACK_V4.test(h) || LOOPBACK_MAPPED.test(h)
}

/** Builds the check for one token: `(authorization header, token query value) => allowed`. */
export function tokenCheck (token: string): (header: unknown, queryToken: unknown) => boolean {
  const want = digest(token)
  return (header, queryToken) => {
    const given = bearer(header) ?? (typeof queryToken === 'string' ? queryToken : undefined)
    return given !== undefined && timingSafeEqual(digest(given), want)
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearer (header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined
  const m = BEARER.exec(header)
  return m === null ? undefined : m[1]
}

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/
const LOOPBACK_MAPPED = /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/
const BEARER = /^Bearer +(\S+) *$/i

function digest (s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}
