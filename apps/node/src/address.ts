/** Parsing of `host:port` strings from the command line and the API. */
import { isIP } from 'node:net'

export interface HostPort {
  host: string
  port: number
}

export class AddressError extends Error {
  override readonly name = 'AddressError'
  readonly code = 'ERR_BAD_ADDRESS'
}

/** `host:port` or `[v6]:port`; port 0..65535 when `allowZero`, else 1..65535. Throws AddressError. */
export function parseHostPort (s: unknown, opts: { allowZero?: boolean } = {}): HostPort {
  if (typeof s !== 'string' || s.length === 0 || s.length > 300) throw new AddressError(`expected host:port, got ${JSON.stringify(s)}`)
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:\s]+):(\d{1,5})$/.exec(s)
  if (m === null) throw new AddressError(`expected host:port, got ${JSON.stringify(s)}`)
  const host = m[1]!
  const port = Number(m[2])
  if (port > 65535 || (port === 0 && opts.allowZero !== true)) throw new AddressError(`port out of range in ${JSON.stringify(s)}`)
  if (host.includes(':') && isIP(host) !== 6) throw new AddressError(`bad IPv6 address in ${JSON.stringify(s)}`)
  return { host, port }
}

export function formatHostPort (a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}
