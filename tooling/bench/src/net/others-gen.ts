/**
 * The well-behaved sources of `bench:abuse`, run in their own process (`fork`) so that the node's
 * work does not slow their sending: `count` sockets, each on its own /24 (`prefix`.i.1), each
 * sending a find_node or a ping every `every` ms; an answer counts when a reply (not an error)
 * with the query's tid comes back within `timeout` ms. Commands and results travel over IPC.
 */
import dgram from 'node:dgram'
import { randomBytes } from 'node:crypto'
import bencode from 'bencode'

export type OthersCommand =
  | { readonly kind: 'open', readonly host: string, readonly port: number, readonly prefix: string, readonly count: number,
    readonly timeout: number }
  | { readonly kind: 'run', readonly ms: number, readonly every: number }
  | 'exit'

export interface OthersResult {
  readonly sent: number
  readonly answered: number
}

/** A reply's 4-byte tid and the mark of an error, found without decoding. */
const TID = Buffer.from('1:t4:')
const Y_ERROR = Buffer.from('1:y1:e')

interface Source {
  sock: dgram.Socket
  send(): void
  take(): OthersResult
}

if (process.send !== undefined) {
  let sources: Source[] = []
  let timeout = 1000
  process.on('message', (cmd: OthersCommand) => {
    if (cmd === 'exit') {
      for (const s of sources) s.sock.close()
      process.disconnect()
      return
    }
    if (cmd.kind === 'open') {
      timeout = cmd.timeout
      void Promise.all(Array.from({ length: cmd.count }, async (_, i) => await source(`${cmd.prefix}.${i}.1`, cmd, timeout)))
        .then(s => {
          sources = s
          process.send!('open')
        }, (err: unknown) => process.send!({ error: String((err as Error).message) }))
      return
    }
    const timer = setInterval(() => {
      for (const s of sources) s.send()
    }, cmd.every)
    setTimeout(() => {
      clearInterval(timer)
      // Late answers still count until `timeout` after the last query.
      setTimeout(() => {
        const total = { sent: 0, answered: 0 }
        for (const s of sources) {
          const r = s.take()
          total.sent += r.sent
          total.answered += r.answered
        }
        process.send!(total)
      }, timeout)
    }, cmd.ms)
  })
  process.send('ready')
}

async function source (host: string, to: { host: string, port: number }, timeout: number): Promise<Source> {
  const sock = dgram.createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(0, host, () => resolve())
  })
  sock.on('error', () => {})
  const id = randomBytes(20)
  const open = new Map<number, number>()
  let seq = 0
  let sent = 0
  let answered = 0
  sock.on('message', buf => {
    const at = buf.indexOf(TID)
    if (at < 0) return
    const tid = buf.readUInt32BE(at + TID.length)
    const t0 = open.get(tid)
    if (t0 === undefined) return
    open.delete(tid)
    if (!buf.includes(Y_ERROR) && performance.now() - t0 <= timeout) answered++
  })
  return {
    sock,
    send () {
      const tid = seq++ >>> 0
      const t = Buffer.alloc(4)
      t.writeUInt32BE(tid)
      const q = tid % 2 === 0 ? { t, y: 'q', q: 'find_node', a: { id, target: randomBytes(20) } } : { t, y: 'q', q: 'ping', a: { id } }
      open.set(tid, performance.now())
      sent++
      sock.send(Buffer.from(bencode.encode(q)), to.port, to.host)
    },
    take () {
      const r = { sent, answered }
      sent = 0
      answered = 0
      open.clear()
      return r
    }
  }
}
