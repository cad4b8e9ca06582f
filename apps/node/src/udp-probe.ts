/**
 * Whether a UDP address can be bound, asked of the OS with a socket of our own that is closed at
 * once. `start` asks before it starts any actor, so a taken `--port` fails at once with one clear
 * message; createNode asks when its transport failed to bind, to say why.
 */
import dgram from 'node:dgram'
import { isIP } from 'node:net'
import { formatHostPort } from './address.js'

/** The UDP address cannot be bound. Exit 1. */
export class UdpBindError extends Error {
  override readonly name = 'UdpBindError'
  readonly code = 'ERR_UDP_BIND'
  readonly exitCode = 1
  constructor (message: string, readonly reason: string | undefined) {
    super(message)
  }
}

/** Resolves when `host:port` can be bound for UDP; rejects with a UdpBindError saying why not. */
export async function probeUdp (host: string, port: number): Promise<void> {
  const sock = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind({ address: host, port, exclusive: true }, () => {
        sock.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    throw bindError(host, port, err)
  } finally {
    try {
      sock.close()
    } catch {}
  }
}

/** A clear message for a failed UDP bind, by its errno code. */
export function bindError (host: string, port: number, err: unknown): UdpBindError {
  const code = (err as { code?: unknown } | null)?.code
  const at = formatHostPort({ host, port })
  switch (code) {
    case 'EADDRINUSE':
      return new UdpBindError(
        `the UDP address ${at} is in use by another program (EADDRINUSE). Is another node running? Stop it, or pass --port <port> (0 ` +
          `picks a free port)`,
        code
      )
    case 'EADDRNOTAVAIL':
      return new UdpBindError(
        `cannot bind UDP ${at}: ${host} is not an address of this machine (EADDRNOTAVAIL); pass --host with one of its addresses, or ` +
          `0.0.0.0`,
        code
      )
    case 'EACCES':
      return new UdpBindError(`cannot bind UDP ${at}: permission denied (EACCES); ports below 1024 need privileges, pick a higher --port`,
        code)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UdpBindError(`cannot bind UDP ${at}: the host name ${host} does not resolve (${code})`, code)
    default:
      return new UdpBindError(`cannot bind UDP ${at}: ${String((err as Error | null)?.message ?? err)}`,
        typeof code === 'string' ? code : undefined)
  }
}
