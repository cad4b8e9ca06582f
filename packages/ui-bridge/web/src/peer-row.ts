/** One peer as a list row: status, name, id, address, last seen. Used by every peer list. */
import type { Peer } from '../../src/backend.js'
import { h } from './dom.js'
import { ago, shortId } from './format.js'

export function peerRow (peer: Peer, now: number, extra: Node[] = []): HTMLLIElement {
  const status = peer.status === 'online' ? 'online' : 'offline'
  return h('li', { class: 'peer-row peer-cols', attrs: { 'data-peer-id': peer.id, 'data-status': status } }, [
    h('span', { class: `status-dot ${status}`, title: status, attrs: { 'aria-label': status } }),
    h('span', { class: 'name', text: displayName(peer), title: peer.name }),
    h('code', { class: 'id', text: shortId(peer.id), title: peer.id }),
    h('code', { class: 'addr', text: peer.address }),
    h('span', { class: 'seen', text: ago(peer.lastSeen, now), attrs: { 'data-time': String(peer.lastSeen) } }),
    ...extra
  ])
}

/** The name to show: a BEP 5 node has none and says what it is; a PeerConnect node without a name is "(unnamed)". */
export function displayName (peer: Peer): string {
  if (peer.name !== '') return peer.name
  return peer.kind === 'bep5' ? 'BEP 5 node' : '(unnamed)'
}

/** Refreshes every "last seen" under `root` (they are relative times). */
export function refreshTimes (root: ParentNode, now: number): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-time]')) {
    const text = ago(Number(el.dataset.time), now)
    if (el.textContent !== text) el.textContent = text
  }
}
