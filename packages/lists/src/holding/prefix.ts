/**
 * The network an address is on, as the caps count it: its /24 for IPv4 (an IPv4-mapped IPv6
 * address counts as IPv4), its /64 for IPv6 — one operator commonly holds a whole /24 or /64, so
 * counting exact addresses would let one machine pass as many. Exempt as the `ipLimits` mode says
 * (`subnetOf` of @peerconnect/protocol, as routing and the holders count): in mode 'default'
 * loopback and private, link-local and shared ranges — a LAN or a local swarm puts hundreds of
 * nodes on one /24, and such a source can only reach a holder on the same network, since an announce
 * must come from the record's own address; 'strict' counts every address but loopback; 'off'
 * counts none.
 */
import { isIP } from 'node:net'
import { parseHost, subnetOf } from '@peerconnect/protocol'
import type { IpLimitsMode } from '@peerconnect/protocol'

/** `a.b.c.0/24`, `x:x:x:x::/64`, the host itself when it is not an IP, or undefined when exempt (loopback always; see above). */
export function prefixOf (host: string, mode: IpLimitsMode = 'default'): string | undefined {
  if (mode === 'off') return undefined
  if (mode === 'default' && parseHost(host) !== undefined && subnetOf(host, mode) === undefined) return undefined
  const h = host.toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)
  const v4 = mapped?.[1] ?? (isIP(h) === 4 ? h : undefined)
  if (v4 !== undefined) {
    if (v4.startsWith('127.')) return undefined
    return `${v4.slice(0, v4.lastIndexOf('.'))}.0/24`
  }
  if (isIP(h) !== 6) return h
  const groups = expand(h)
  if (groups.every((g, i) => i === 7 ? g === 1 : g === 0)) return undefined
  return `${groups.slice(0, 4).map(g => g.toString(16)).join(':')}::/64`
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

/** The eight 16-bit groups of an IPv6 address (a zone id dropped, a dotted IPv4 tail turned into two groups). */
function expand (h: string): number[] {
  const bare = h.split('%')[0]!
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(bare)
  const text = tail === null
    ? bare
    : bare.slice(0, tail.index) + `${((+tail[1]! << 8) | +tail[2]!).toString(16)}:${((+tail[3]! << 8) | +tail[4]!).toString(16)}`
  const [head, rest] = text.split('::') as [string, string | undefined]
  const left = head === '' ? [] : head.split(':')
  const right = rest === undefined || rest === '' ? [] : rest.split(':')
  const fill = rest === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0')
  return [...left, ...fill, ...right].map(g => parseInt(g, 16) || 0)
}
