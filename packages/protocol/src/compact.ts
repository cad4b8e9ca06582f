/**
 * Compact encodings of BEP 5 and BEP 32: a node is its 20-byte id, its address and its port
 * (big-endian); IPv4 nodes take 26 bytes (`nodes`), IPv6 nodes 38 (`nodes6`). An address alone
 * takes 6 bytes (IPv4) or 18 (IPv6). IPv4-mapped IPv6 hosts (`::ffff:1.2.3.4`, as a dual-stack
 * socket reports them) count as IPv4. Decoders take `unknown` and return undefined on anything
 * malformed; they never throw.
 */
import { ID_LENGTH, isNodeId } from './id.js'
import type { NodeId } from './id.js'
import { COMPACT_NODE_LENGTH, COMPACT_NODE6_LENGTH } from './constants.js'

export interface NodeInfo {
  id: NodeId
  host: string
  port: number
}

/** Compact IPv4 node info, 26 bytes per node; nodes that are not IPv4 (or are invalid) are skipped. */
export function encodeNodes (nodes: readonly NodeInfo[]): Uint8Array {
  return encodeNodeList(nodes, 4)
}

/** Compact IPv6 node info (BEP 32), 38 bytes per node; nodes that are not IPv6 are skipped. */
export function encodeNodes6 (nodes: readonly NodeInfo[]): Uint8Array {
  return encodeNodeList(nodes, 6)
}

/** The nodes in a `nodes` string: undefined unless a Uint8Array, length % 26 === 0, every port 1..65535. */
export function decodeNodes (buf: unknown): NodeInfo[] | undefined {
  return decodeNodeList(buf, 4)
}

/** The nodes in a `nodes6` string (38 bytes each), under the same rules as `decodeNodes`. */
export function decodeNodes6 (buf: unknown): NodeInfo[] | undefined {
  return decodeNodeList(buf, 6)
}

/** 6 bytes (IPv4) or 18 (IPv6): the address then the port, big-endian. Undefined for a bad host or port. */
export function encodeAddress (host: string, port: number): Uint8Array | undefined {
  const ip = parseHost(host)
  if (ip === undefined || !isPortNumber(port)) return undefined
  const out = new Uint8Array(ip.length + 2)
  out.set(ip)
  writePort(out, ip.length, port)
  return out
}

/**
 * `encodeAddress`, remembered by host, then port, so a reply (find_node's nodes, BEP 42's `ip`)
 * does not parse the same IP strings again and again (the costliest step of an answer otherwise).
 * The bytes are shared: never write into them. Keyed by the host string itself, not a
 * "host:port" string built per lookup: contacts share their host strings with the table, and a
 * string caches its hash. Bounded: cleared when full.
 */
const addresses = new Map<string, Map<number, Uint8Array | null>>()
let addressCount = 0
const MAX_ADDRESSES = 4096

export function compactAddress (host: string, port: number): Uint8Array | undefined {
  let ports = addresses.get(host)
  const known = ports?.get(port)
  if (known !== undefined) return known ?? undefined
  if (addressCount >= MAX_ADDRESSES) {
    addresses.clear()
    addressCount = 0
    ports = undefined
  }
  const addr = encodeAddress(host, port) ?? null
  if (ports === undefined) addresses.set(host, ports = new Map<number, Uint8Array | null>())
  ports.set(port, addr)
  addressCount++
  return addr ?? undefined
}

/** The inverse of `encodeAddress`: undefined unless 6 or 18 bytes with a port in 1..65535. */
export function decodeAddress (buf: unknown): { host: string, port: number } | undefined {
  if (!(buf instanceof Uint8Array) || (buf.length !== 6 && buf.length !== 18)) return undefined
  const ipLength = buf.length - 2
  const port = readPort(buf, ipLength)
  if (port === 0) return undefined
  return { host: formatHost(buf, 0, ipLength), port }
}

/**
 * The raw bytes of an IP address string: 4 for IPv4 (and IPv4-mapped IPv6), 16 for IPv6.
 * Undefined for host names, zone ids, leading zeros in IPv4 parts and anything else malformed.
 */
export function parseHost (host: unknown): Uint8Array | undefined {
  if (typeof host !== 'string' || host.length === 0 || host.length > 45) return undefined
  if (!host.includes(':')) return parseIPv4(host)
  const v6 = parseIPv6(host)
  if (v6 === undefined) return undefined
  return isV4Mapped(v6) ? v6.slice(12) : v6
}

/** The canonical text of an IP address (RFC 5952 for IPv6, mapped IPv4 as IPv4), or undefined. */
export function normalizeHost (host: unknown): string | undefined {
  const ip = parseHost(host)
  return ip === undefined ? undefined : formatHost(ip, 0, ip.length)
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/

function encodeNodeList (nodes: readonly NodeInfo[], family: 4 | 6): Uint8Array {
  const ipLength = family === 4 ? 4 : 16
  const size = ID_LENGTH + ipLength + 2
  const out = new Uint8Array(nodes.length * size)
  let at = 0
  for (const node of nodes) {
    const ip = parseHost(node.host)
    if (ip === undefined || ip.length !== ipLength || !isNodeId(node.id) || !isPortNumber(node.port)) continue
    out.set(node.id, at)
    out.set(ip, at + ID_LENGTH)
    writePort(out, at + ID_LENGTH + ipLength, node.port)
    at += size
  }
  return at === out.length ? out : out.slice(0, at)
}

function decodeNodeList (buf: unknown, family: 4 | 6): NodeInfo[] | undefined {
  const size = family === 4 ? COMPACT_NODE_LENGTH : COMPACT_NODE6_LENGTH
  if (!(buf instanceof Uint8Array) || buf.length % size !== 0) return undefined
  const ipLength = size - ID_LENGTH - 2
  const nodes: NodeInfo[] = []
  for (let at = 0; at < buf.length; at += size) {
    const port = readPort(buf, at + ID_LENGTH + ipLength)
    if (port === 0) return undefined
    const id = new Uint8Array(ID_LENGTH)
    id.set(buf.subarray(at, at + ID_LENGTH))
    nodes.push({ id, host: formatHost(buf, at + ID_LENGTH, ipLength), port })
  }
  return nodes
}

function isPortNumber (port: unknown): port is number {
  return Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535
}

function writePort (out: Uint8Array, at: number, port: number): void {
  out[at] = port >>> 8
  out[at + 1] = port & 0xff
}

function readPort (buf: Uint8Array, at: number): number {
  return (buf[at]! << 8) | buf[at + 1]!
}

function parseIPv4 (host: string): Uint8Array | undefined {
  const m = IPV4.exec(host)
  if (m === null) return undefined
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const n = Number(m[i + 1])
    if (n > 255) return undefined
    out[i] = n
  }
  return out
}

function parseIPv6 (host: string): Uint8Array | undefined {
  const halves = host.split('::')
  if (halves.length > 2) return undefined
  const head = groupsOf(halves[0]!, halves.length === 1)
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : []
  if (head === undefined || tail === undefined) return undefined
  const total = head.length + tail.length
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined
  const out = new Uint8Array(16)
  head.forEach((g, i) => {
    out[i * 2] = g >>> 8
    out[i * 2 + 1] = g & 0xff
  })
  tail.forEach((g, i) => {
    const at = (8 - tail.length + i) * 2
    out[at] = g >>> 8
    out[at + 1] = g & 0xff
  })
  return out
}

/** The 16-bit groups of one side of `::`; the last group may be dotted IPv4 when `last` is true. */
function groupsOf (part: string, last: boolean): number[] | undefined {
  if (part === '') return []
  const texts = part.split(':')
  const groups: number[] = []
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!
    if (last && i === texts.length - 1 && text.includes('.')) {
      const v4 = parseIPv4(text)
      if (v4 === undefined) return undefined
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
    } else {
      if (!HEX_GROUP.test(text)) return undefined
      groups.push(parseInt(text, 16))
    }
  }
  return groups
}

function isV4Mapped (ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false
  return ip[10] === 0xff && ip[11] === 0xff
}

function formatHost (buf: Uint8Array, at: number, length: number): string {
  if (length === 4) return `${buf[at]!}.${buf[at + 1]!}.${buf[at + 2]!}.${buf[at + 3]!}`
  const ip = buf.subarray(at, at + 16)
  if (isV4Mapped(ip)) return `::ffff:${ip[12]!}.${ip[13]!}.${ip[14]!}.${ip[15]!}`
  const groups: number[] = []
  for (let i = 0; i < 8; i++) groups.push((ip[i * 2]! << 8) | ip[i * 2 + 1]!)
  // RFC 5952: compress the longest run of two or more zero groups (the first one on a tie)
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = groups.map(g => g.toString(16))
  if (bestStart === -1) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
