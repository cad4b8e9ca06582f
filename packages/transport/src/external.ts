/**
 * Our address as other nodes see it (BEP 42): a reply that carries `ip` is a vote, kept per
 * responder (its latest), for the last `window` responders. An address counts once responders at
 * `minSources` or more distinct IPs name it and it holds more than half of the votes: one node, or
 * many at one IP, cannot move it. Behind a NAT this is the address holders see our announces come
 * from, which is the one our record must carry. A NAT that maps one socket to other ports for
 * some destinations (a port clash in its table) splits the votes by port: then the IP decides by
 * the same rule, and the port most of its votes name goes with it.
 */
import { decodeAddress } from '@peerconnect/protocol'
import type { Address } from '@peerconnect/protocol'
import { withGetters } from '@peerconnect/runtime'

export interface ExternalTally {
  /** One reply from `host:port` said we came from `ip` (compact); malformed ones are ignored. */
  report(ip: Uint8Array, host: string, port: number): void
  /** The address enough responders agree on, if any. */
  best(): Address | undefined
  /** Responders whose vote is kept. */
  readonly size: number
}

export function createExternalTally (opts: { window?: number, minSources?: number } = {}): ExternalTally {
  const window = opts.window ?? 32
  const minSources = opts.minSources ?? 3
  const votes = new Map<string, { address: Address, key: string, host: string }>()
  let last: { address: Address, key: string } | undefined
  const api: Omit<ExternalTally, 'size'> = {
    report (ip, host, port) {
      const address = decodeAddress(ip)
      if (address === undefined) return
      // Most responders report the same address: their votes share one address object and key string.
      if (last === undefined || last.address.host !== address.host || last.address.port !== address.port) {
        last = { address, key: `${address.host}:${address.port}` }
      }
      const responder = `${host}:${port}`
      votes.delete(responder) // its latest vote, at the end
      votes.set(responder, { address: last.address, key: last.key, host })
      while (votes.size > window) votes.delete(votes.keys().next().value!)
    },
    best () {
      const byHost = new Map<string, { count: number, hosts: Set<string>, ports: Map<number, number> }>()
      for (const v of votes.values()) {
        const e = byHost.get(v.address.host) ?? { count: 0, hosts: new Set<string>(), ports: new Map<number, number>() }
        e.count++
        e.hosts.add(v.host)
        e.ports.set(v.address.port, (e.ports.get(v.address.port) ?? 0) + 1)
        byHost.set(v.address.host, e)
      }
      for (const [host, e] of byHost) {
        if (e.count * 2 <= votes.size || e.hosts.size < minSources) continue
        let port = 0
        let most = 0
        for (const [p, n] of e.ports) {
          if (n > most) {
            port = p
            most = n
          } // ties: the port voted first
        }
        return { host, port }
      }
      return undefined
    }
  }
  return withGetters(api, { size: () => votes.size })
}
