/**
 * A demo-like network for the API, browser and CLI tests: a named swarm on 127.0.0.1 (inline
 * nodes, real UDP) plus one full node with the API, joined to it, with quick liveness sweeps so
 * a stopped peer shows offline within seconds. Also an events-socket mirror and HTTP helpers.
 */
import { generateIdentity } from '@peerconnect/protocol'
import { silentLogger } from '@peerconnect/runtime'
import { waitFor } from '@peerconnect/test-helpers'
import type { LiveMirror } from '@peerconnect/test-helpers/live-mirror'
import { createNode, createSwarm } from '../src/index.js'
import type { NodeOptions, PeerNode, Swarm } from '../src/index.js'
import { LOOPBACK } from './fixtures/loopback.js'

/** A hostile name: markup that would run script if the page rendered names as HTML. */
export const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">'

export interface UiNet {
  readonly swarm: Swarm
  readonly full: PeerNode
  /** The full node's API URL. */
  readonly url: string
  stop(): Promise<void>
}

export interface UiNetOptions {
  readonly names: readonly string[]
  /** Actors of the full node in workers (default) or inline. */
  readonly inline?: boolean
  readonly token?: string
  readonly fullName?: string
  /** ui-bridge sweep (default: every 1 s, peers quiet for 2 s are checked). */
  readonly checkInterval?: number
  readonly staleAfter?: number
}

export async function startUiNet (opts: UiNetOptions): Promise<UiNet> {
  const quick: Partial<NodeOptions> = { lists: { announceInterval: 2000 }, liveness: { udpTimeout: 500, tcpTimeout: 500 } }
  const swarm = await createSwarm(opts.names.length, { host: LOOPBACK, names: opts.names, node: quick })
  let full: PeerNode | undefined
  try {
    full = await createNode({
      name: opts.fullName ?? 'you',
      host: LOOPBACK,
      identity: generateIdentity(),
      log: silentLogger,
      inline: opts.inline,
      ...quick,
      api: { port: 0, ...(opts.token === undefined ? {} : { token: opts.token }) },
      ui: { checkInterval: opts.checkInterval ?? 1000, staleAfter: opts.staleAfter ?? 2000, processMetrics: false }
    })
    await full.bootstrap([swarm.nodes[0]!.udp])
  } catch (err) {
    await full?.stop()
    await swarm.stop()
    throw err
  }
  const node = full
  return {
    swarm,
    full: node,
    url: node.api!,
    stop: async () => {
      await node.stop()
      await swarm.stop()
    }
  }
}

export interface Answer {
  status: number
  headers: Headers
  text: string
  json: unknown
}

export async function get (url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { headers })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

/** The `{error: {code}}` of an error answer. */
export function errorCode (a: Answer): unknown {
  return (a.json as { error?: { code?: unknown } } | undefined)?.error?.code
}

/** Waits until the full node's live list names every swarm node (names come from their records). */
export async function waitForNames (net: UiNet, mirror: LiveMirror, timeout = 30_000): Promise<void> {
  await waitFor(() => net.swarm.nodes.every(n => mirror.get(n.idHex)?.name === n.name), { timeout, interval: 50,
    what: 'every swarm node named on the live list' })
}

/** Waits until the directory (all pages) lists every swarm node by name. */
export async function waitForDirectory (net: UiNet, timeout = 30_000): Promise<void> {
  await waitFor(async () => {
    const names = new Map<string, string>()
    let cursor: string | null = null
    for (let page = 0; page < 50; page++) {
      const a = await get(`${net.url}/api/peers?limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
      if (a.status !== 200) return false
      const body = a.json as { peers: Array<{ id: string, name: string }>, next: string | null }
      for (const p of body.peers) names.set(p.id, p.name)
      cursor = body.next
      if (cursor === null) break
    }
    return net.swarm.nodes.every(n => names.get(n.idHex) === n.name)
  }, { timeout, interval: 250, what: 'every swarm node in the directory' })
}
