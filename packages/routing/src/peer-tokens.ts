/**
 * BEP 5 write tokens: the first `bytes` bytes of HMAC-SHA1(secret, querier's IP). A get_peers reply
 * hands one out; announce_peer must show it from the same IP. The secret changes every `rotate` ms
 * (default 5 min) and a token of the current or the previous secret is accepted, so a token stays
 * good for 5 to 10 minutes. Bound to the IP alone, as BEP 5 says (a client may announce from
 * another port of its host).
 */
import { createRotatingTokens, normalizeHost } from '@peerconnect/protocol'

export interface PeerTokenOptions {
  /** ms between secret changes (default 5 min). */
  readonly rotate?: number
  /** Bytes of a token, 1..20 (default 8). */
  readonly bytes?: number
  /** Makes a secret (default: 20 random bytes). */
  readonly secret?: () => Uint8Array
}

export interface PeerTokens {
  /** The token for `host` now. */
  issue(host: string, now: number): Uint8Array
  /** True when `token` is the current or the previous secret's token for `host`. Never throws. */
  check(token: unknown, host: string, now: number): boolean
}

export const PEER_TOKEN_ROTATE = 5 * 60_000
export const PEER_TOKEN_BYTES = 8

/** protocol's rotating tokens, bound to the IP alone (in its canonical form). */
export function createPeerTokens (opts: PeerTokenOptions = {}): PeerTokens {
  const tokens = createRotatingTokens({ rotate: opts.rotate ?? PEER_TOKEN_ROTATE, bytes: opts.bytes ?? PEER_TOKEN_BYTES,
    ...(opts.secret === undefined ? {} : { secret: opts.secret }) })
  const subject = (host: string): string => normalizeHost(host) ?? host
  return {
    issue: (host, now) => tokens.issue(subject(host), now),
    check: (token, host, now) => tokens.check(token, subject(host), now)
  }
}
