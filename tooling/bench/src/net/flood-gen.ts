/**
 * The flooder of `bench:abuse`, run in its own process (`fork`): sends find_node queries to one
 * node at a fixed rate, from one loopback address or rotating over the 256 addresses of one /24,
 * for a bounded time, and never answers anything. Counts bytes sent and bytes that came back
 * (replies and errors, 201s apart), so the bench can compute the amplification: bytes out of the
 * node per byte the flood put in. Commands and results travel over the IPC channel.
 */
import dgram from 'node:dgram'
import { randomBytes } from 'node:crypto'
import bencode from 'bencode'

export interface FloodCommand {
  readonly host: string
  readonly port: number
  /** Source addresses: the first `sources` of `prefix`.0 … `prefix`.255 (1 = one address). */
  readonly prefix: string
  readonly sources: number
  /** Queries per second, all sources together. */
  readonly rate: number
  /** ms of flooding; then ms of listening for late answers. */
  readonly ms: number
  readonly drain: number
}

export interface FloodResult {
  readonly sent: number
  readonly bytesSent: number
  readonly received: number
  readonly bytesReceived: number
  readonly replies: number
  /** 201 `rate limited` notices. */
  readonly notices: number
  /** Other errors (202, 203 …). */
  readonly errors: number
  readonly ms: number
}

/** Sends in ticks of this many ms. */
const TICK = 5

if (process.send !== undefined) {
  process.on('message', (cmd: FloodCommand | 'exit') => {
    if (cmd === 'exit') {
      process.disconnect()
      return
    }
    void flood(cmd).then(res => process.send!(res), (err: unknown) => process.send!({ error: String((err as Error).message) }))
  })
  process.send('ready')
}

async function flood (cmd: FloodCommand): Promise<FloodResult> {
  const socks = await Promise.all(Array.from({ length: Math.max(1, Math.min(256, cmd.sources)) }, async (_, i) => {
    const s = dgram.createSocket('udp4')
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.bind(0, `${cmd.prefix}.${cmd.sources === 1 ? 1 : i}`, () => resolve())
    })
    s.on('error', () => {})
    return s
  }))
  const id = randomBytes(20)
  const template = Buffer.from(bencode.encode({ t: Buffer.alloc(4), y: 'q', q: 'find_node', a: { id, target: randomBytes(20) } }))
  const tidAt = template.indexOf('1:t4:') + 5
  const targetAt = template.indexOf('6:target20:') + 11
  const out = { sent: 0, bytesSent: 0, received: 0, bytesReceived: 0, replies: 0, notices: 0, errors: 0 }
  for (const s of socks) {
    s.on('message', buf => {
      out.received++
      out.bytesReceived += buf.length
      if (buf.includes(Y_ERROR)) {
        if (buf.includes(CODE_201)) out.notices++
        else out.errors++
      } else out.replies++
    })
  }
  const started = performance.now()
  let seq = 0
  let next = 0
  await new Promise<void>(resolve => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started
      if (elapsed >= cmd.ms) {
        clearInterval(timer)
        resolve()
        return
      }
      const due = Math.floor(elapsed * cmd.rate / 1000)
      for (; out.sent < due; out.sent++) {
        const buf = Buffer.from(template)
        buf.writeUInt32BE(seq >>> 0, tidAt)
        buf.writeUInt32BE(seq++ >>> 0, targetAt)
        out.bytesSent += buf.length
        socks[next]!.send(buf, cmd.port, cmd.host)
        next = (next + 1) % socks.length
      }
    }, TICK)
  })
  await new Promise(resolve => setTimeout(resolve, cmd.drain))
  await Promise.all(socks.map(async s => await new Promise<void>(resolve => s.close(() => resolve()))))
  return { ...out, ms: performance.now() - started }
}

const Y_ERROR = Buffer.from('1:y1:e')
const CODE_201 = Buffer.from('li201e')
