/**
 * A loopback address of its own, 127.a.b.c (Linux routes all of 127.0.0.0/8 to lo), for the
 * nodes, swarms and programs a test starts: test files run side by side and ephemeral ports are
 * reused, so on a shared 127.0.0.1 one file's nodes could meet another's. Falls back to 127.0.0.1
 * where the address cannot be bound (a system without the whole /8 on lo).
 */
import dgram from 'node:dgram'

export async function pickLoopback (): Promise<string> {
  const byte = (): number => 1 + Math.floor(Math.random() * 254)
  const host = `127.${byte()}.${byte()}.${byte()}`
  return await bindable(host) ? host : '127.0.0.1'
}

async function bindable (host: string): Promise<boolean> {
  const sock = dgram.createSocket('udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(0, host, () => resolve())
    })
    return true
  } catch {
    return false
  } finally {
    try {
      sock.close()
    } catch {}
  }
}
