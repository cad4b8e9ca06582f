/**
 * LAN discovery with no configuration, over mDNS / DNS-SD (RFC 6762 / 6763), as the Python
 * original found LAN peers by multicast. A node publishes the service instance
 * `<id hex>._peerconnect._udp.local` (PTR, SRV with its UDP port, TXT `id=…`, A/AAAA of the
 * addresses it is bound to), answers queries for `_peerconnect._udp.local`, asks once at start
 * and again every `interval`, and hands each new peer it hears of to `onPeer` (the node pings it
 * and looks itself up through it: the peer enters the routing table only by answering).
 *
 * A node bound to loopback does not run it (createNode): there is no LAN there. It announces only
 * addresses the node is bound to: its bound address, or for a wildcard
 * (0.0.0.0 / ::) the machine's interface addresses of that family. What it hears is untrusted:
 * a packet that does not decode, an instance whose label is not a 40-hex id (or is ours), a bad
 * port or an address that is not an IP literal is ignored; at most MAX_ADDRESSES addresses per
 * instance and MAX_INSTANCES instances per packet are read, and at most MAX_NEW_PER_MINUTE new
 * peers are handed on per minute, so a hostile packet cannot make the node ping the world.
 */
import os from 'node:os'
import { isIP } from 'node:net'
import makeMdns from 'multicast-dns'
import type { Answer, Packet } from 'dns-packet'
import type { Logger } from '@peerconnect/runtime'
import type { HostPort } from './address.js'

export const SERVICE = '_peerconnect._udp.local'
export const MDNS_PORT = 5353
export const LAN_INTERVAL = 30_000
export const MAX_INSTANCES = 8
export const MAX_ADDRESSES = 4
export const MAX_NEW_PER_MINUTE = 32
/** A peer (id and address) handed on once is not handed on again for this long. */
export const SEEN_FOR = 60_000
const TTL = 120

export interface LanPeer {
  readonly idHex: string
  readonly host: string
  readonly port: number
}

export interface LanOptions {
  readonly idHex: string
  /** The node's bound UDP address. */
  readonly udp: HostPort
  readonly onPeer: (peer: LanPeer) => void
  readonly log?: Logger
  /** mDNS port (default 5353; tests may use another). */
  readonly port?: number
  /** ms between queries (default 30 s). */
  readonly interval?: number
  readonly interfaces?: ReturnType<typeof os.networkInterfaces>
}

export interface LanDiscovery {
  /** Peers handed on, packets ignored. */
  readonly counters: { readonly found: number, readonly ignored: number, readonly limited: number }
  close(): Promise<void>
}

export function startLanDiscovery (opts: LanOptions): LanDiscovery {
  const { idHex, udp, log } = opts
  const addresses = boundAddresses(udp.host, opts.interfaces ?? os.networkInterfaces())
  const v4 = addresses.find(a => isIP(a) === 4)
  const instance = `${idHex}.${SERVICE}`
  const target = `${idHex}.local`
  const mdns = makeMdns({
    port: opts.port ?? MDNS_PORT,
    // A specific IPv4 address: multicast through its interface only. Bound to all addresses on
    // 0.0.0.0 either way: a socket bound to a unicast address receives no multicast on Linux.
    ...(udp.host !== '0.0.0.0' && udp.host !== '::' && v4 !== undefined ? { interface: v4 } : {}),
    bind: '0.0.0.0',
    reuseAddr: true,
    loopback: true
  })
  const counters = { found: 0, ignored: 0, limited: 0 }
  const seen = new Map<string, number>()
  let window = { start: Date.now(), count: 0 }
  let closed = false

  const records = (): Answer[] => [
    { name: SERVICE, type: 'PTR', ttl: TTL, data: instance },
    { name: instance, type: 'SRV', ttl: TTL, data: { port: udp.port, target, priority: 0, weight: 0 } },
    { name: instance, type: 'TXT', ttl: TTL, data: [`id=${idHex}`, 'v=1'] },
    ...addresses.map((a): Answer =>
      isIP(a) === 4 ? { name: target, type: 'A', ttl: TTL, data: a } : { name: target, type: 'AAAA', ttl: TTL, data: a }
    )
  ]
  const announce = (): void => {
    if (!closed) mdns.respond({ answers: records() }, warnOnError)
  }
  const ask = (): void => {
    if (!closed) mdns.query({ questions: [{ name: SERVICE, type: 'PTR' }] }, warnOnError)
  }
  function warnOnError (err: Error | null): void {
    if (err !== null && err !== undefined) log?.debug('mdns send failed', { err: err.message })
  }

  mdns.on('query', (query: Packet) => {
    if ((query.questions ?? []).some(q => q.name.toLowerCase() === SERVICE && (q.type === 'PTR' || (q.type as string) === 'ANY'))) {
      announce()
    }
  })
  mdns.on('response', (response: Packet, rinfo: { address: string }) => {
    const found = peersOf(response, idHex, rinfo.address)
    if (found === undefined) {
      counters.ignored++
      return
    }
    const now = Date.now()
    if (now - window.start > 60_000) window = { start: now, count: 0 }
    for (const p of found) {
      const key = `${p.idHex}@${p.host}:${p.port}`
      const last = seen.get(key)
      if (last !== undefined && now - last < SEEN_FOR) continue
      if (window.count >= MAX_NEW_PER_MINUTE) {
        counters.limited++
        continue
      }
      window.count++
      seen.set(key, now)
      if (seen.size > 1024) seen.delete(seen.keys().next().value!)
      counters.found++
      opts.onPeer(p)
    }
  })
  mdns.on('warning', (err: Error) => {
    counters.ignored++
    log?.debug('mdns packet ignored', { err: err.message })
  })
  mdns.on('error', (err: Error) => {
    log?.warn('LAN discovery (mDNS) is off: its socket failed', { err: err.message })
    void close()
  })
  mdns.on('ready', () => {
    announce()
    ask()
  })
  const timer = setInterval(ask, opts.interval ?? LAN_INTERVAL)
  timer.unref()

  async function close (): Promise<void> {
    if (closed) return
    closed = true
    clearInterval(timer)
    await new Promise<void>(resolve => mdns.destroy(() => resolve()))
  }

  return { counters, close }
}

/**
 * The peers a response names (at most MAX_INSTANCES, each with at most MAX_ADDRESSES addresses),
 * or undefined when it names none that pass the checks. Pure: what it reads is untrusted.
 */
export function peersOf (response: Packet, selfHex: string, from: string): LanPeer[] | undefined {
  const all = [...(response.answers ?? []), ...(response.additionals ?? [])]
  const out: LanPeer[] = []
  let instances = 0
  for (const srv of all) {
    if (srv.type !== 'SRV' || typeof srv.name !== 'string') continue
    const m = /^([0-9a-f]{40})\._peerconnect\._udp\.local$/i.exec(srv.name)
    if (m === null) continue
    const idHex = m[1]!.toLowerCase()
    if (idHex === selfHex) continue
    if (++instances > MAX_INSTANCES) break
    const data = srv.data as { port?: unknown, target?: unknown }
    const port = data.port
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535 || typeof data.target !== 'string') continue
    const target = data.target.toLowerCase()
    const hosts = all
      .filter(r => (r.type === 'A' || r.type === 'AAAA') && typeof r.name === 'string' && r.name.toLowerCase() === target)
      .map(r => (r as { data?: unknown }).data)
      .filter((d): d is string => typeof d === 'string' && isIP(d) !== 0 && !d.toLowerCase().startsWith('fe80'))
    const chosen = hosts.length > 0 ? hosts : isIP(from) !== 0 ? [from] : []
    for (const host of [...new Set(chosen)].slice(0, MAX_ADDRESSES)) out.push({ idHex, host, port })
  }
  return out.length > 0 ? out : undefined
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackHost (host: string): boolean {
  const h = host.toLowerCase()
  return h === '::1' || /^(::ffff:)?127\./.test(h)
}

/**
 * The addresses a node bound to `host` can be reached at: that address, or for a wildcard the interface addresses of
 * its family (IPv4 and IPv6 for ::).
 */
export function boundAddresses (host: string, interfaces: ReturnType<typeof os.networkInterfaces>): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host]
  const all = Object.values(interfaces).flatMap(list => list ?? []).filter(i => !i.internal)
  return all
    .filter(i => i.family === 'IPv4' || (host === '::' && i.family === 'IPv6' && !i.address.toLowerCase().startsWith('fe80')))
    .map(i => i.address)
}
