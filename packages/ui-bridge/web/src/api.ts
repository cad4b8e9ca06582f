/**
 * The HTTP API client of the page. The token (if the node needs one) comes from `#token=…` in
 * the address or the token form, and is kept for the browser session only.
 */
import type { HitSource, LookupStep, NodeStatus, Peer, PeerDetails } from '../../src/backend.js'

const TOKEN_KEY = 'peerconnect.token'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor (readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export function token (): string | null {
  const fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (fromHash !== null) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(fromHash[1]!))
    history.replaceState(null, '', location.pathname + location.search)
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

export function setToken (value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value)
}

/** Called with every 401, so the page can ask for the token. */
let onUnauthorized: () => void = () => {}
export function whenUnauthorized (fn: () => void): void {
  onUnauthorized = fn
}

export async function getStatus (): Promise<NodeStatus> {
  return await getJson<NodeStatus>('/api/status')
}

export async function getPeers (cursor: string | null, limit: number): Promise<{ peers: Peer[], next: string | null }> {
  const q = new URLSearchParams({ limit: String(limit) })
  if (cursor !== null) q.set('cursor', cursor)
  return await getJson(`/api/peers?${q.toString()}`)
}

/** The peer, or null when no peer has that id. */
export async function getPeer (id: string): Promise<Peer | null> {
  try {
    return await getJson<Peer>(`/api/peers/${encodeURIComponent(id)}`)
  } catch (err) {
    if ((err as { status?: unknown }).status === 404) return null
    throw err
  }
}

/** The peer's details, or null when the node knows no peer with that id. */
export async function getDetails (id: string): Promise<PeerDetails | null> {
  try {
    return await getJson<PeerDetails>(`/api/peers/${encodeURIComponent(id)}/details`)
  } catch (err) {
    if ((err as { status?: unknown }).status === 404) return null
    throw err
  }
}

/** An iterative lookup of `id`: its progress lines as they arrive, the result last. */
export async function* lookup (id: string,
  signal: AbortSignal): AsyncGenerator<LookupStep & { error?: { code: string, message: string } }> {
  yield* ndjson(await call(`/api/lookup/${encodeURIComponent(id)}`, signal))
}

export type SearchLine = { peer: Peer, via: HitSource } | { done: true, hits: number, ms: number,
  error?: { code: string, message: string } }

/** Streams the NDJSON lines of a search as they arrive. Abort `signal` to stop it. */
export async function* search (q: string, via: string, signal: AbortSignal): AsyncGenerator<SearchLine> {
  yield* ndjson<SearchLine>(await call(`/api/search?${new URLSearchParams({ q, via }).toString()}`, signal))
}

/** The JSON lines of a streamed answer, as they arrive. */
async function* ndjson<T> (res: Response): AsyncGenerator<T> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += value
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim()
        buffer = buffer.slice(nl + 1)
        if (line !== '') yield JSON.parse(line) as T
      }
    }
  } finally {
    reader.releaseLock()
  }
}

/** The WebSocket URL of the live events, with the token when there is one. */
export function eventsUrl (): string {
  const url = new URL('/api/events', location.href)
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const t = token()
  if (t !== null) url.searchParams.set('token', t)
  return url.toString()
}

async function getJson<T> (path: string): Promise<T> {
  return await (await call(path)).json() as T
}

async function call (path: string, signal?: AbortSignal): Promise<Response> {
  const t = token()
  const headers: Record<string, string> = { accept: 'application/json' }
  if (t !== null) headers.authorization = `Bearer ${t}`
  const res = await fetch(path, { headers, signal, cache: 'no-store' })
  if (res.ok) return res
  let code = 'ERR_HTTP'
  let message = `${res.status} ${res.statusText}`
  try {
    const body = await res.json() as { error?: { code?: unknown, message?: unknown } }
    if (typeof body.error?.code === 'string') code = body.error.code
    if (typeof body.error?.message === 'string') message = body.error.message
  } catch {}
  if (res.status === 401) onUnauthorized()
  throw new ApiError(res.status, code, message)
}
