import net from 'node:net'
import type { Logger } from '@peerconnect/runtime'

/** The TCP listener other nodes' liveness checks connect to. `port` is undefined when it could not listen. */
export interface TcpListener {
  readonly port: number | undefined
  close(): Promise<void>
}

/**
 * Listens on TCP `host:port` (the UDP socket's port number) and closes every connection at once:
 * a successful connect is the whole answer. If the port is taken (or anything else fails), it logs
 * a warning and resolves with a listener that has no port: the node goes on without it.
 */
export function listenTcp (host: string, port: number, log: Logger): Promise<TcpListener> {
  return new Promise(resolve => {
    const server = net.createServer({ pauseOnConnect: true }, socket => {
      socket.destroy()
    })
    const onError = (err: NodeJS.ErrnoException): void => {
      log.warn('tcp liveness listener unavailable; going on without it', { host, port, code: err.code, message: err.message })
      server.close()
      resolve({ port: undefined, close: () => Promise.resolve() })
    }
    server.once('error', onError)
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError)
      server.on('error', err => {
        log.warn('tcp liveness listener error', { message: err.message })
      })
      const address = server.address()
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () =>
          new Promise(done => {
            server.close(() => done())
          })
      })
    })
  })
}
