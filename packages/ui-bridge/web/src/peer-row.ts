/**
 * One peer as a list row: status, name (with its key's fingerprint: names can repeat, keys
 * cannot), id, address, last seen. Used by every peer list. A row opens the peer's details when
 * clicked (or Enter on it).
 */
import type { Peer } from '../../src/backend.js'
import { h } from './dom.js'
import { ago, shortId } from './format.js'

export function peerRow (peer: Peer, now: number, extra: Node[] = []): HTMLLIElement {
  const status = peer.status === 'online' ? 'online' : 'offline'
  return h('li', { class: 'peer-row peer-cols',
    attrs: { 'data-peer-id': peer.id, 'data-status': status, tabindex: '0', role: 'button',
      'aria-label': `details of ${displayName(peer)}` } }, [
    h('span', { class: `status-dot ${status}`, title: status, attrs: { 'aria-label': status } }),
    nameCell(peer),
    h('code', { class: 'id', text: shortId(peer.id), title: peer.id }),
    addressCell(peer),
    h('span', { class: 'seen', text: ago(peer.lastSeen, now), attrs: { 'data-time': String(peer.lastSeen) } }),
    ...extra
  ])
}

/** The address and, for a peer whose record says it is behind a NAT (read-only), a label saying so. */
function addressCell (peer: Peer): HTMLElement {
  if (peer.behindNat !== true) return h('code', { class: 'addr', text: peer.address })
  return h('span', { class: 'addr' }, [
    h('code', { text: peer.address }),
    h('span', { class: 'nat', text: 'behind NAT', title: NAT_HINT, attrs: { 'data-field': 'behind-nat' } })
  ])
}

/** What "behind NAT" means, as the page explains it. */
export const NAT_HINT = 'it cannot be reached from outside, so it runs read-only (BEP 43): in no routing table, found through the directory'

/** What stands for the name: the name, or why there is none. */
export function displayName (peer: Peer): string {
  if (peer.name !== '') return peer.name
  if (peer.kind === 'bep5') return 'BEP 5 node'
  if (peer.nameState === 'pending') return 'looking up name…'
  if (peer.nameState === 'none') return 'BEP 5 node'
  return '(unnamed)'
}

/** The name and, when its record is known, the key fingerprint beside it. */
export function nameCell (peer: Peer): HTMLSpanElement {
  const cell = h('span', { class: peer.name === '' ? 'name unnamed' : 'name', title: peer.name === '' ? nameHint(peer) : peer.name,
    attrs: { 'data-name-state': peer.nameState ?? 'named' } }, [
    h('span', { class: 'name-text', text: displayName(peer) })
  ])
  if (peer.key !== undefined) {
    cell.append(h('code', { class: 'key', text: peer.key.slice(0, 9), title: `signing key fingerprint ${peer.key}` }))
  }
  return cell
}

function nameHint (peer: Peer): string {
  if (peer.nameState === 'pending') return 'its signed record has been asked for'
  if (peer.nameState === 'none') return 'a plain BEP 5 node: it has no signed record, so no name'
  return ''
}

/** Refreshes every "last seen" under `root` (they are relative times). */
export function refreshTimes (root: ParentNode, now: number): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-time]')) {
    const text = ago(Number(el.dataset.time), now)
    if (el.textContent !== text) el.textContent = text
  }
}

/** Calls `open(id)` when a peer row under `root` is clicked or has Enter pressed on it. */
export function onPeerOpen (root: HTMLElement, open: (id: string) => void): void {
  const idOf = (target: EventTarget | null): string | undefined =>
    (target as HTMLElement | null)?.closest<HTMLElement>('[data-peer-id]')?.dataset.peerId
  root.addEventListener('click', (ev) => {
    const id = idOf(ev.target)
    if (id !== undefined) open(id)
  })
  root.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return
    const id = idOf(ev.target)
    if (id !== undefined) open(id)
  })
}
