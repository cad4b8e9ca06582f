/**
 * The 160-bit id space as a ring: the 20 list ids at floor(i · 2^160 / 20), this node, and the
 * known peers, each at the angle of its id. The list closest to this node by XOR (the one it
 * announces to) is highlighted.
 */
import type { Peer } from '../../src/backend.js'
import { s } from './dom.js'
import { shortId } from './format.js'
import { displayName } from './peer-row.js'

export const LIST_COUNT = 20
const SPACE = 1n << 160n
const C = 160
const R = 118

export function drawRing (svg: SVGSVGElement, self: { id: string, name: string } | null, peers: Peer[]): void {
  const home = self === null ? -1 : homeList(self.id)
  const parts: SVGElement[] = [
    s('circle', { cx: C, cy: C, r: R, class: 'ring-track' }),
    s('circle', { cx: C, cy: C, r: R - 34, class: 'ring-inner' })
  ]
  for (let i = 0; i < LIST_COUNT; i++) {
    const a = angle(i / LIST_COUNT)
    const cls = i === home ? 'list-tick home' : 'list-tick'
    parts.push(
      s('line', { x1: x(a, R - 9), y1: y(a, R - 9), x2: x(a, R + 9), y2: y(a, R + 9), class: cls },
        `list ${i}: ${listIdHex(i)}${i === home ? ' (this node announces here)' : ''}`)
    )
    const label = s('text', { x: x(a, R + 22), y: y(a, R + 22), class: i === home ? 'list-label home' : 'list-label' })
    label.textContent = String(i)
    parts.push(label)
  }
  for (const p of peers) {
    const a = angle(fraction(p.id))
    parts.push(
      s('circle', { cx: x(a, R), cy: y(a, R), r: 4.5, class: `ring-peer ${p.status}`, 'data-ring-peer': p.id },
        `${displayName(p)} · ${shortId(p.id)} · ${p.status}`)
    )
  }
  if (self !== null) {
    const a = angle(fraction(self.id))
    parts.push(s('line', { x1: C, y1: C, x2: x(a, R - 12), y2: y(a, R - 12), class: 'ring-self-ray' }))
    parts.push(
      s('circle', { cx: x(a, R), cy: y(a, R), r: 8, class: 'ring-self', 'data-ring-self': self.id },
        `this node: ${self.name} · ${shortId(self.id)}`)
    )
  }
  const online = peers.filter(p => p.status === 'online').length
  const count = s('text', { x: C, y: C - 4, class: 'ring-count' })
  count.textContent = String(peers.length)
  const label = s('text', { x: C, y: C + 16, class: 'ring-caption' })
  label.textContent = `known · ${online} online`
  parts.push(count, label)
  svg.replaceChildren(...parts)
}

/** The index of the list id closest (XOR) to `idHex`. */
export function homeList (idHex: string): number {
  const id = BigInt('0x' + idHex)
  let best = 0
  let bestDistance = SPACE
  for (let i = 0; i < LIST_COUNT; i++) {
    const d = id ^ listId(i)
    if (d < bestDistance) {
      best = i
      bestDistance = d
    }
  }
  return best
}

export function listId (i: number): bigint {
  return BigInt(i) * SPACE / BigInt(LIST_COUNT)
}

function listIdHex (i: number): string {
  return listId(i).toString(16).padStart(40, '0')
}

/** Position of an id on the ring, 0..1 (the first 52 bits are plenty for drawing). */
function fraction (idHex: string): number {
  const lead = parseInt(idHex.slice(0, 13), 16)
  return Number.isFinite(lead) ? lead / 16 ** 13 : 0
}

function angle (f: number): number {
  return f * 2 * Math.PI - Math.PI / 2
}
function x (a: number, r: number): string {
  return (C + r * Math.cos(a)).toFixed(2)
}
function y (a: number, r: number): string {
  return (C + r * Math.sin(a)).toFixed(2)
}
