/**
 * Tokens other nodes gave us (in pc_list replies), by their address, reused while younger than
 * one rotation of their secret (so they are surely still valid). Bounded: the oldest go first.
 */
import type { Address } from '@peerconnect/protocol'
import { withGetters } from '@peerconnect/runtime'

export interface TokenCache {
  /** A token from `a` younger than `maxAge` ms, if we have one. */
  get(a: Address, now: number): Uint8Array | undefined
  set(a: Address, token: Uint8Array, now: number): void
  delete(a: Address): void
  readonly size: number
}

export function createTokenCache (opts: { maxAge: number, max: number }): TokenCache {
  const tokens = new Map<string, { token: Uint8Array, at: number }>()
  const api: Omit<TokenCache, 'size'> = {
    get (a, now) {
      const held = tokens.get(keyOf(a))
      return held !== undefined && now - held.at < opts.maxAge ? held.token : undefined
    },
    set (a, token, now) {
      const key = keyOf(a)
      tokens.delete(key)
      tokens.set(key, { token, at: now })
      if (tokens.size > opts.max) tokens.delete(tokens.keys().next().value!)
    },
    delete: (a) => {
      tokens.delete(keyOf(a))
    }
  }
  return withGetters(api, { size: () => tokens.size })
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

function keyOf (a: Address): string {
  return `${a.host}:${a.port}`
}
