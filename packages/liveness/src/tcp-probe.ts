/**
 * A TCP connect to a peer's port: emits once and completes when the connection is accepted,
 * errors when it is refused or fails. The socket is closed at once; unsubscribing destroys it.
 * Bound it with `timeout()`: a connect to a silent host can hang for a long time.
 */
import { createConnection } from 'node:net'
import { Observable } from 'rxjs'

/** The part of a `net.Socket` the probe uses. */
export interface ProbeSocket {
  once(event: 'connect', fn: () => void): unknown
  once(event: 'error', fn: (err: Error) => void): unknown
  on(event: 'error', fn: (err: Error) => void): unknown
  removeAllListeners(): unknown
  destroy(): unknown
}

export interface TcpProbeOptions {
  /** Opens the connection (default `net.createConnection`); tests pass a fake. */
  readonly connect?: (to: { host: string, port: number }) => ProbeSocket
}

export function tcpProbe (host: string, port: number, opts: TcpProbeOptions = {}): Observable<true> {
  const connect = opts.connect ?? createConnection
  return new Observable<true>(subscriber => {
    const socket = connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      subscriber.next(true)
      subscriber.complete()
    })
    socket.once('error', err => subscriber.error(err))
    return () => {
      socket.removeAllListeners()
      socket.on('error', ignore)
      socket.destroy()
    }
  })
}

function ignore (): void {}
