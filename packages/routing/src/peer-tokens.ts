/**
 * BEP 5 write tokens: the first `bytes` bytes of HMAC-SHA1(secret, querier's IP). A get_peers reply
 * hands one out; announce_peer must show it from the same IP. The secret changes every `rotate` ms
 * (default 5 min) and a token of the current or the previous secret is accepted, so a token stays
 * good for 5 to 10 minutes. Bound to the IP alone, as BEP 5 says (a client may announce from
 * another port of its host).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { normalizeHost } from '@peerconnect/protocol'

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
  issue (host: string, now: number): Uint8Array
  /** True when `token` is the current or the previous secret's token for `host`. Never throws. */
  check (token: unknown, host: string, now: number): boolean
}

export const PEER_TOKEN_ROTATE = 5 * 60_000
export const PEER_TOKEN_BYTES = 8

export function createPeerTokens (opts: PeerTokenOptions = {}): PeerTokens {
  const rotate = opts.rotate ?? PEER_TOKEN_ROTATE
  const bytes = Math.min(20, Math.max(1, opts.bytes ?? PEER_TOKEN_BYTES))
  const makeSecret = opts.secret ?? (() => new Uint8Array(randomBytes(20)))
  const secrets = new Map<number, Uint8Array>()
  const secretOf = (epoch: number, create: boolean): Uint8Array | undefined => {
    let s = secrets.get(epoch)
    if (s === undefined && create) {
      s = makeSecret()
      secrets.set(epoch, s)
      for (const e of secrets.keys()) if (e < epoch - 1) secrets.delete(e)
    }
    return s
  }
  const tokenOf = (secret: Uint8Array, host: string): Uint8Array =>
    new Uint8Array(createHmac('sha1', secret).update(normalizeHost(host) ?? host).digest().subarray(0, bytes))
  return {
    issue: (host, now) => tokenOf(secretOf(Math.floor(now / rotate), true)!, host),
    check (token, host, now) {
      if (!(token instanceof Uint8Array) || token.length !== bytes) return false
      const epoch = Math.floor(now / rotate)
      for (const e of [epoch, epoch - 1]) {
        const secret = secretOf(e, e === epoch)
        if (secret !== undefined && timingSafeEqual(tokenOf(secret, host), token)) return true
      }
      return false
    }
  }
}
