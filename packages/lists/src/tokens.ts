/**
 * Tokens bound to an address (docs/PROTOCOL.md, Amplification and tokens): the first `bytes` bytes of HMAC-SHA1(secret,
 * "host:port"). The secret changes every `rotate` ms; a token made with the current or the
 * previous secret is accepted, so a token stays good for at least `rotate` ms after it was
 * issued. A pc_list reply hands one out; pc_announce needs it, and a pc_list carrying it is
 * answered with a full page (the querier proved its address).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { normalizeHost } from '@peerconnect/protocol'

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
  issue (host: string, port: number, now: number): Uint8Array
  /** True when `token` is the current or the previous secret's token for `host:port`. Never throws. */
  check (token: unknown, host: string, port: number, now: number): boolean
}

export function createTokens (opts: TokenOptions): Tokens {
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

  return {
    issue (host, port, now) {
      return tokenOf(secretOf(epochOf(now, opts.rotate), true)!, host, port, opts.bytes)
    },
    check (token, host, port, now) {
      if (!(token instanceof Uint8Array) || token.length !== opts.bytes) return false
      const epoch = epochOf(now, opts.rotate)
      for (const e of [epoch, epoch - 1]) {
        const secret = secretOf(e, e === epoch)
        if (secret !== undefined && timingSafeEqual(tokenOf(secret, host, port, opts.bytes), token)) return true
      }
      return false
    }
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function epochOf (now: number, rotate: number): number {
  return Math.floor(now / rotate)
}

function tokenOf (secret: Uint8Array, host: string, port: number, bytes: number): Uint8Array {
  const h = createHmac('sha1', secret).update(`${normalizeHost(host) ?? host}:${port}`).digest()
  return new Uint8Array(h.subarray(0, bytes))
}
