/** Guards for what a node's API answers (docs/API.md): nothing from the network is trusted unchecked. */

export interface ApiPeer {
  id: string
  name: string
  address: string
  status: 'online' | 'offline'
  lastSeen: number
}
export interface ApiPage {
  peers: ApiPeer[]
  next: string | null
}
export interface ApiActor {
  name: string
  host: string
  threadId: number
  restarts: number
}
export interface ApiStatus {
  id: string
  name: string
  udp: string
  api?: string
  uptime?: number
  peers: number
  actors: ApiActor[]
  lists: { held: number, records: number }
}
export interface ApiHit {
  peer: ApiPeer
  via: string
}
export interface ApiDone {
  done: true
  hits: number
  ms: number
  holders?: number
  error?: { code: string, message: string }
}

export function isApiPeer (x: unknown): x is ApiPeer {
  const p = x as Partial<Record<keyof ApiPeer, unknown>> | null
  return typeof p === 'object' && p !== null && typeof p.id === 'string' && ID.test(p.id) && typeof p.name === 'string' &&
    typeof p.address === 'string' && (p.status === 'online' || p.status === 'offline') && typeof p.lastSeen === 'number'
}

export function isApiPage (x: unknown): x is ApiPage {
  const p = x as { peers?: unknown, next?: unknown } | null
  return typeof p === 'object' && p !== null && Array.isArray(p.peers) && p.peers.every(isApiPeer) &&
    (p.next === null || typeof p.next === 'string')
}

export function isApiStatus (x: unknown): x is ApiStatus {
  const s = x as Partial<Record<keyof ApiStatus, unknown>> | null
  if (typeof s !== 'object' || s === null) return false
  const lists = s.lists as { held?: unknown, records?: unknown } | undefined
  return typeof s.id === 'string' && typeof s.name === 'string' && typeof s.udp === 'string' && typeof s.peers === 'number' &&
    Array.isArray(s.actors) && s.actors.every(isApiActor) && typeof lists === 'object' && lists !== null &&
    typeof lists.held === 'number' && typeof lists.records === 'number' &&
    (s.api === undefined || typeof s.api === 'string') && (s.uptime === undefined || typeof s.uptime === 'number')
}

export function isApiHit (x: unknown): x is ApiHit {
  const h = x as { peer?: unknown, via?: unknown } | null
  return typeof h === 'object' && h !== null && isApiPeer(h.peer) && typeof h.via === 'string'
}

export function isApiDone (x: unknown): x is ApiDone {
  const d = x as { done?: unknown, hits?: unknown, ms?: unknown } | null
  return typeof d === 'object' && d !== null && d.done === true && typeof d.hits === 'number' && typeof d.ms === 'number'
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

const ID = /^[0-9a-f]{40}$/

function isApiActor (x: unknown): x is ApiActor {
  const a = x as Partial<Record<keyof ApiActor, unknown>> | null
  return typeof a === 'object' && a !== null && typeof a.name === 'string' && typeof a.host === 'string' &&
    typeof a.threadId === 'number' && typeof a.restarts === 'number'
}
