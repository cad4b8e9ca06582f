/**
 * The live peer list: the routing table's contacts (the peers this node talks to, not every peer
 * of the network: the directory lists those), kept current by the events socket. Rows carry
 * `data-peer-id` and `data-status`; online peers first, then by name. Rendering is batched per
 * animation frame, so a burst of events costs one repaint.
 */
import type { Peer, PeerEvent } from '../../src/backend.js'
import { byId, setText } from './dom.js'
import { plural } from './format.js'
import { peerRow } from './peer-row.js'

export interface LivePeers {
  apply(e: PeerEvent): void
  /** Forget everything (a new connection sends a fresh snapshot). */
  reset(): void
  peers(): Peer[]
}

export function livePeers (onChange: (peers: Peer[]) => void): LivePeers {
  const list = byId<HTMLUListElement>('live-list')
  const empty = byId('live-empty')
  const counts = byId('live-counts')
  const filter = byId<HTMLInputElement>('live-filter')
  const peers = new Map<string, Peer>()
  let scheduled = false

  const render = (): void => {
    scheduled = false
    const all = [...peers.values()]
    const needle = filter.value.trim().toLowerCase()
    const shown = all
      .filter(p => needle === '' || p.name.toLowerCase().includes(needle) || p.id.includes(needle) || p.address.includes(needle))
      .sort(byStatusThenName)
    const now = Date.now()
    list.replaceChildren(...shown.map(p => peerRow(p, now)))
    const online = all.filter(p => p.status === 'online').length
    setText(counts, `${plural(all.length, 'peer')} · ${online} online`)
    empty.hidden = all.length > 0
    setText(empty, all.length === 0 ? 'No contacts yet: this node is joining the network. Peers appear here as they answer it.' : '')
    onChange(all)
  }
  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    requestAnimationFrame(render)
  }
  filter.addEventListener('input', schedule)
  schedule()

  return {
    apply (e) {
      if (e.type === 'peer.removed') peers.delete(e.peer.id)
      else peers.set(e.peer.id, e.peer)
      schedule()
    },
    reset () {
      peers.clear()
      schedule()
    },
    peers: () => [...peers.values()]
  }
}

function byStatusThenName (a: Peer, b: Peer): number {
  if (a.status !== b.status) return a.status === 'online' ? -1 : 1
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
}
