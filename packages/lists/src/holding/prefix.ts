/**
 * The network an address is on, as the caps count it: `subnetOf` of @peerconnect/protocol, the one
 * routing, the crawler and the holders count by — its /24 for IPv4 (an IPv4-mapped IPv6 address,
 * in any spelling, counts as IPv4), its /64 for IPv6 (a zone id is no part of it) — one operator
 * commonly holds a whole /24 or /64, so counting exact addresses would let one machine pass as
 * many. Exempt as the `ipLimits` mode says: in mode 'default' loopback and private, link-local and
 * shared ranges — a LAN or a local swarm puts hundreds of nodes on one /24, and such a source can
 * only reach a holder on the same network, since an announce must come from the record's own
 * address; 'strict' counts every address but loopback (the caps here exempt it in every mode: a
 * local swarm shares one address); 'off' counts none. A host that is no IP address is on no
 * network, as for routing (the transport and records carry only IP addresses).
 */
import { isLoopbackHost, subnetOf } from '@peerconnect/protocol'
import type { IpLimitsMode } from '@peerconnect/protocol'

/** `a.b.c.0/24`, `x:x:x:x::/64`, or undefined when exempt (loopback always; see above). */
export function prefixOf (host: string, mode: IpLimitsMode = 'default'): string | undefined {
  const net = subnetOf(host, mode)
  if (net === undefined || (mode === 'strict' && isLoopbackHost(host))) return undefined // 'default' exempts loopback already
  if (!/^[0-9a-f]{16}$/.test(net)) return `${net}.0/24`
  const groups = [0, 4, 8, 12].map(i => parseInt(net.slice(i, i + 4), 16).toString(16))
  return `${groups.join(':')}::/64`
}
