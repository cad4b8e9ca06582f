/**
 * A WebSocket client of a node's `/api/events` that keeps the live peer list the way the page
 * does: `peer.added` / `peer.status` set a peer, `peer.removed` deletes it. Tests wait on its state.
 */
import { WebSocket } from 'ws'

export interface MirrorPeer {
  id: string
  name: string
  address: string
  status: string
  lastSeen: number
}

export interface LiveMirror {
  peers(): MirrorPeer[]
  get(id: string): MirrorPeer | undefined
  /** Every event received, in order. */
  readonly events: Array<{ type: string, peer: MirrorPeer }>
  close(): void
}

/** Opens `/api/events` of the API at `httpUrl` (with `?token=` when given) and resolves once it is open. */
export async function liveMirror (httpUrl: string, opts: { token?: string } = {}): Promise<LiveMirror> {
  const query = opts.token === undefined ? '' : `?token=${encodeURIComponent(opts.token)}`
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws') + '/api/events' + query)
  const peers = new Map<string, MirrorPeer>()
  const events: LiveMirror['events'] = []
  socket.on('message', data => {
    const e = JSON.parse((data as Buffer).toString('utf8')) as { type: string, peer: MirrorPeer }
    events.push(e)
    if (e.type === 'peer.removed') peers.delete(e.peer.id)
    else peers.set(e.peer.id, e.peer)
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
    socket.once('unexpected-response',
      (_req, res) => reject(Object.assign(new Error(`unexpected ${res.statusCode}`), { status: res.statusCode })))
  })
  return { peers: () => [...peers.values()], get: id => peers.get(id), events, close: () => socket.close() }
}
