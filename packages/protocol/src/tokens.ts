/**
 * Rotating write tokens: the first `bytes` bytes of HMAC-SHA1(secret, subject), where the subject
 * is what the token is bound to (an IP for BEP 5's get_peers/announce_peer, `host:port` for the
 * lists' pc_list/pc_announce). The secret changes every `rotate` ms; a token of the current or
 * the previous secret is accepted, so a token stays good for `rotate` to 2 × `rotate` ms.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export interface RotatingTokenOptions {
  /** ms between secret changes. */
  readonly rotate: number
  /** Bytes of a token (clamped to 1..20). */
  readonly bytes: number
  /** Makes a secret (default: 20 random bytes from node:crypto). */
  readonly secret?: () => Uint8Array
}

export interface RotatingTokens {
  /** The token for `subject` now. */
  issue(subject: string, now: number): Uint8Array
  /** True when `token` is the current or the previous secret's token for `subject`. Never throws. */
  check(token: unknown, subject: string, now: number): boolean
}

export function createRotatingTokens (opts: RotatingTokenOptions): RotatingTokens {
  const bytes = Math.min(20, Math.max(1, opts.bytes))
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
  const tokenOf = (secret: Uint8Array, subject: string): Uint8Array =>
    new Uint8Array(createHmac('sha1', secret).update(subject).digest().subarray(0, bytes))
  return {
    issue: (subject, now) => tokenOf(secretOf(Math.floor(now / opts.rotate), true)!, subject),
    check (token, subject, now) {
      if (!(token instanceof Uint8Array) || token.length !== bytes) return false
      const epoch = Math.floor(now / opts.rotate)
      for (const e of [epoch, epoch - 1]) {
        const secret = secretOf(e, e === epoch)
        if (secret !== undefined && timingSafeEqual(tokenOf(secret, subject), token)) return true
      }
      return false
    }
  }
}
