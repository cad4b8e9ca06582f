/**
 * IP diversity: how many contacts one subnet (an IPv4 /24, an IPv6 /64) may hold in a routing
 * bucket, in the whole table, among a lookup's results and among a list's holders — so one
 * machine that mints ids cannot own any of them. Limits as in discv5 / geth (2 per bucket,
 * 10 per table). Loopback and private ranges are exempt unless `strict` (local testnets put
 * hundreds of nodes on one address).
 */
import { parseHost } from './compact.js'

/** Contacts of one /24 (/64) per routing bucket, per lookup result and per list's holders. */
export const SUBNET_BUCKET_LIMIT = 2
/** Contacts of one /24 (/64) in the whole routing table. */
export const SUBNET_TABLE_LIMIT = 10

/** `'default'`: loopback and private ranges exempt; `'strict'`: every address counts; `'off'`: no limits. */
export type IpLimitsMode = 'default' | 'strict' | 'off'

export interface IpLimits {
  readonly mode: IpLimitsMode
  /** Per bucket (and per lookup result / list holders). */
  readonly bucket: number
  /** Per routing table. */
  readonly table: number
}

export const DEFAULT_IP_LIMITS: IpLimits = { mode: 'default', bucket: SUBNET_BUCKET_LIMIT, table: SUBNET_TABLE_LIMIT }

export const isIpLimitsMode = (x: unknown): x is IpLimitsMode => x === 'default' || x === 'strict' || x === 'off'

/** Resolves partial options (plain data, as sent to a worker) into limits; bad values fall back to the defaults. */
export function ipLimitsOf (x: { mode?: unknown, bucket?: unknown, table?: unknown } | undefined): IpLimits {
  const mode = isIpLimitsMode(x?.mode) ? x.mode : DEFAULT_IP_LIMITS.mode
  const count = (v: unknown, d: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : d)
  return { mode, bucket: count(x?.bucket, DEFAULT_IP_LIMITS.bucket), table: count(x?.table, DEFAULT_IP_LIMITS.table) }
}

/**
 * The subnet an address counts against (`a.b.c` for IPv4, the first 64 bits in hex for IPv6; an
 * IPv6 zone id such as `%eth0` is no part of it), or undefined when it is exempt: mode 'off', an
 * unparsable host, or — unless strict — a loopback, private, link-local or shared (CGNAT) address.
 */
export function subnetOf (host: string, mode: IpLimitsMode): string | undefined {
  if (mode === 'off') return undefined
  const ip = parseUnzoned(host)
  if (ip === undefined) return undefined
  if (mode !== 'strict' && isLocal(ip)) return undefined
  if (ip.length === 4) return `${ip[0]!}.${ip[1]!}.${ip[2]!}`
  let key = ''
  for (let i = 0; i < 8; i++) key += ip[i]!.toString(16).padStart(2, '0')
  return key
}

/**
 * Keeps, in order, the items whose subnet has fewer than `perSubnet` items before them (exempt
 * addresses always pass). For a lookup's results and a list's holders, nearest first.
 */
export function limitPerSubnet<T extends { readonly host: string }> (items: readonly T[], perSubnet: number, mode: IpLimitsMode): T[] {
  const counts = new Map<string, number>()
  const out: T[] = []
  for (const item of items) {
    const net = subnetOf(item.host, mode)
    if (net !== undefined) {
      const n = counts.get(net) ?? 0
      if (n >= perSubnet) continue
      counts.set(net, n + 1)
    }
    out.push(item)
  }
  return out
}

/** True for a loopback address (127.0.0.0/8, mapped too, and ::1). */
export function isLoopbackHost (host: string): boolean {
  const ip = parseUnzoned(host)
  return ip !== undefined && isLoopback(ip)
}

/** The address of `host` (see parseHost), an IPv6 zone id left out. */
function parseUnzoned (host: string): Uint8Array | undefined {
  const zone = host.includes(':') ? host.indexOf('%') : -1
  return parseHost(zone < 0 ? host : host.slice(0, zone))
}

function isLoopback (ip: Uint8Array): boolean {
  if (ip.length === 4) return ip[0] === 127
  let loopback = ip[15] === 1
  for (let i = 0; i < 15 && loopback; i++) if (ip[i] !== 0) loopback = false
  return loopback
}

/** Loopback, private (RFC 1918, ULA), link-local and shared (100.64/10) addresses. */
function isLocal (ip: Uint8Array): boolean {
  if (isLoopback(ip)) return true
  if (ip.length === 4) {
    const [a, b] = [ip[0]!, ip[1]!]
    return a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) ||
      (a === 169 && b === 254) || (a === 100 && b >= 64 && b < 128)
  }
  return (ip[0]! & 0xfe) === 0xfc || (ip[0] === 0xfe && (ip[1]! & 0xc0) === 0x80)
}
