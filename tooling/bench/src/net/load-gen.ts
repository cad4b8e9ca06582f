/**
 * The load generator of `bench:throughput`, run in its own process (`fork`): one UDP socket that
 * keeps `window` find_node queries outstanding against one responder, each answer (reply or
 * error) freeing its slot for the next query; a query unanswered after `timeout` ms is counted
 * lost and its slot reused. Queries carry 4-byte transaction ids (slot + generation) and a fresh
 * target each. Answers are matched by reading their `t` without a full decode, so the generator
 * spends as little CPU as possible. Commands and results travel over the IPC channel.
 */
import dgram from 'node:dgram'
import { performance } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import bencode from 'bencode'

export interface LoadCommand {
  readonly host: string
  readonly port: number
  /** Outstanding queries. */
  readonly window: number
  /** ms of load before counting starts. */
  readonly warmup: number
  /** ms counted. */
  readonly ms: number
  /** ms after which an unanswered query is counted lost. */
  readonly timeout: number
}

export interface LoadResult {
  readonly replies: number
  readonly errors: number
  readonly lost: number
  readonly replyBytes: number
  readonly queryBytes: number
  readonly ms: number
  readonly rps: number
}

if (process.send !== undefined) {
  const sock = dgram.createSocket('udp4')
  await new Promise<void>(resolve => sock.bind(0, '127.0.0.1', () => resolve()))
  try {
    sock.setRecvBufferSize(4 * 1024 * 1024)
  } catch { /* the kernel may refuse */ }
  process.on('message', (cmd: LoadCommand | 'exit') => {
    if (cmd === 'exit') {
      sock.close()
      process.disconnect()
      return
    }
    void run(sock, cmd).then(res => process.send!(res))
  })
  process.send('ready')
}

async function run (sock: dgram.Socket, cmd: LoadCommand): Promise<LoadResult> {
  const template = Buffer.from(
    bencode.encode({ t: Buffer.alloc(4), y: 'q', q: 'find_node', a: { id: randomBytes(20), target: randomBytes(20) } })
  )
  const tidAt = template.indexOf('1:t4:') + 5
  const targetAt = template.indexOf('6:target20:') + 11
  const slots = Array.from({ length: cmd.window }, () => ({ gen: 0, sentAt: 0, buf: Buffer.from(template) }))
  const counted = { on: false, replies: 0, errors: 0, lost: 0, replyBytes: 0 }
  let seq = 0

  const send = (i: number): void => {
    const s = slots[i]!
    s.gen = (s.gen + 1) & 0xffff
    s.buf.writeUInt16BE(i, tidAt)
    s.buf.writeUInt16BE(s.gen, tidAt + 2)
    s.buf.writeUInt32BE(seq++ >>> 0, targetAt)
    s.sentAt = performance.now()
    sock.send(s.buf, cmd.port, cmd.host)
  }
  const onMessage = (buf: Buffer): void => {
    const at = tidOffset(buf)
    if (at < 0) return
    const i = buf.readUInt16BE(at)
    const s = slots[i]
    if (s === undefined || buf.readUInt16BE(at + 2) !== s.gen) return
    if (counted.on) {
      if (isError(buf)) counted.errors++
      else {
        counted.replies++
        counted.replyBytes += buf.length
      }
    }
    send(i)
  }
  sock.on('message', onMessage)
  const sweep = setInterval(() => {
    const now = performance.now()
    for (let i = 0; i < slots.length; i++) {
      if (now - slots[i]!.sentAt < cmd.timeout) continue
      if (counted.on) counted.lost++
      send(i)
    }
  }, Math.max(10, cmd.timeout / 4))

  for (let i = 0; i < slots.length; i++) send(i)
  await sleep(cmd.warmup)
  counted.on = true
  const t0 = performance.now()
  await sleep(cmd.ms)
  counted.on = false
  const ms = performance.now() - t0
  clearInterval(sweep)
  for (const s of slots) s.gen = (s.gen + 1) & 0xffff // late answers match nothing
  await sleep(Math.min(200, cmd.timeout))
  sock.off('message', onMessage)
  return {
    replies: counted.replies,
    errors: counted.errors,
    lost: counted.lost,
    replyBytes: counted.replies === 0 ? 0 : Math.round(counted.replyBytes / counted.replies),
    queryBytes: template.length,
    ms,
    rps: counted.replies / (ms / 1000)
  }
}

/** Offset of the 4-byte transaction id: `t` is the last key before `v`/`y` in a sorted dict, so the last `1:t4:` is it. */
function tidOffset (buf: Buffer): number {
  const at = buf.lastIndexOf(T_KEY)
  return at < 0 || at + T_KEY.length + 4 > buf.length ? -1 : at + T_KEY.length
}

function isError (buf: Buffer): boolean {
  return buf.lastIndexOf(Y_ERROR) === buf.length - Y_ERROR.length
}

const T_KEY = Buffer.from('1:t4:')
const Y_ERROR = Buffer.from('1:y1:ee')

function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
