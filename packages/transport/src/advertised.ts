/**
 * The address other nodes can reach us at, as far as this node can tell without asking them: the
 * bound address, unless it is a wildcard (0.0.0.0 or ::), which names no host at all — a record
 * or a gossip search carrying it would send everyone's answers nowhere (holders refuse such a
 * record: it is not the address they see). For a wildcard the host is the one asked for
 * (`advertise`), else this machine's first non-internal interface address of the socket's family
 * (IPv4 first for ::), else loopback. Behind a NAT none of these is what others see: the transport
 * advertises the address other nodes report seeing (external.ts) ahead of this one once they agree.
 */
import os from 'node:os'
import type { Address } from '@peerconnect/protocol'

export type Interfaces = ReturnType<typeof os.networkInterfaces>

export function advertisedAddress (bound: Address, opts: { advertise?: string, interfaces?: Interfaces } = {}): Address {
  if (bound.host !== '0.0.0.0' && bound.host !== '::') return bound
  if (opts.advertise !== undefined && opts.advertise !== '') return { host: opts.advertise, port: bound.port }
  const all = Object.values(opts.interfaces ?? os.networkInterfaces()).flatMap(list => list ?? []).filter(i => !i.internal)
  const v4 = all.find(i => i.family === 'IPv4')
  const v6 = all.find(i => i.family === 'IPv6' && !i.address.toLowerCase().startsWith('fe80'))
  const host = bound.host === '0.0.0.0' ? v4?.address ?? '127.0.0.1' : v4?.address ?? v6?.address ?? '::1'
  return { host, port: bound.port }
}

/**
 * A dual-stack socket's (bound to `::`) address of the other family than `primary`: this
 * machine's first non-internal IPv6 address that is not link-local when `primary` is IPv4, its
 * first non-internal IPv4 address when `primary` is IPv6. Undefined for a socket bound to one
 * address (one family) and when the machine has no such address. Signed into our record as `a2`,
 * so that a peer with only the other family can reach us.
 */
export function otherFamilyAddress (bound: Address, primary: Address, opts: { interfaces?: Interfaces } = {}): Address | undefined {
  if (bound.host !== '::') return undefined
  const all = Object.values(opts.interfaces ?? os.networkInterfaces()).flatMap(list => list ?? []).filter(i => !i.internal)
  const wantV6 = !primary.host.includes(':') || primary.host.toLowerCase().startsWith('::ffff:')
  const other = wantV6
    ? all.find(i => i.family === 'IPv6' && !i.address.toLowerCase().startsWith('fe80') && !i.address.toLowerCase().startsWith('::ffff:'))
    : all.find(i => i.family === 'IPv4')
  return other === undefined ? undefined : { host: other.address, port: bound.port }
}
