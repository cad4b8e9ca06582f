/**
 * Tokens bound to an address (docs/PROTOCOL.md, Amplification and tokens): the first `bytes` bytes of HMAC-SHA1(secret,
 * "host:port"). The secret changes every `rotate` ms; a token made with the current or the
 * previous secret is accepted, so a token stays good for at least `rotate` ms after it was
 * issued. A pc_list reply hands one out; pc_announce needs it, and a pc_list carrying it is
 * answered with a full page (the querier proved its address).
 */
import { createRotatingTokens, normalizeHost } from '@peerconnect/protocol'

export interface TokenOptions {
  /** ms between secret changes. */
  readonly rotate: number
  /** Bytes of a token (1..20). */
  readonly bytes: number
  /** Makes a secret (default: 20 random bytes from node:crypto). */
  readonly secret?: () => Uint8Array
}

export interface Tokens {
  /** The token for `host:port` now. */
  issue(host: string, port: number, now: number): Uint8Array
  /** True when `token` is the current or the previous secret's token for `host:port`. Never throws. */
  check(token: unknown, host: string, port: number, now: number): boolean
}

/** protocol's rotating tokens, bound to `host:port` (the host in its canonical form). */
export function createTokens (opts: TokenOptions): Tokens {
  const tokens = createRotatingTokens(opts)
  const subject = (host: string, port: number): string => `${normalizeHost(host) ?? host}:${port}`
  return {
    issue: (host, port, now) => tokens.issue(subject(host, port), now),
    check: (token, host, port, now) => tokens.check(token, subject(host, port), now)
  }
}
