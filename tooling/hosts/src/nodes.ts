/**
 * A full `peerconnect start` node (worker mode) in a testbed host: UDP on the host's data
 * address, the HTTP API on its management address with a token, its data dir in the run's
 * scratch directory. The driver talks to it only through that API, as a person would.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Host, Spawned, Testbed } from './testbed.js'

export const UDP_PORT = 7000
export const API_PORT = 7070
export const TOKEN = 'testbed-token'

/** `behindNat`: the node found it cannot be reached from outside and runs read-only (BEP 43). */
export interface NodeStatus {
  id: string
  name: string
  udp: string
  peers: number
  lists: { held: number, records: number }
  behindNat?: true
}
/** `behindNat`: its signed record says it runs read-only (behind a NAT). */
export interface ApiPeer {
  id: string
  name: string
  address: string
  status: string
  behindNat?: true
}
export interface LookupDone {
  done: true
  peer: ApiPeer | null
  closest: string[]
  queries: number
  ms: number
}

export interface HostNode {
  readonly host: Host
  readonly name: string
  readonly proc: Spawned
  /** `http://<mgmt>:7070` */
  readonly api: string
  /** Parsed JSON of a GET on the API; throws on a non-2xx answer. */
  get<T>(path: string): Promise<T>
  status(): Promise<NodeStatus>
  /** Every id in the directory (all pages). */
  directory(): Promise<string[]>
  /** An iterative lookup through the API: its last line. */
  lookup(idHex: string): Promise<LookupDone>
  /** `/metrics` (Prometheus text) as name (without the `peerconnect_` prefix) → value; a series labelled `key` as `name.key`. */
  metrics(): Promise<Record<string, number>>
  /** Search hits' ids (NDJSON through the API). */
  search(q: string, via?: 'hybrid' | 'lists' | 'gossip'): Promise<ApiPeer[]>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | string>
}

export interface StartOptions {
  readonly name?: string
  readonly bootstrap?: readonly string[]
  /** UDP address to bind (default the host's IPv4 data address). */
  readonly bind?: string
  /** Its own data dir name under the testbed's scratch dir (default the host's name): the same name keeps the identity and table. */
  readonly dataDir?: string
  /** LAN discovery by mDNS (default off here, so that the other suites prove joining through the DHT alone). */
  readonly mdns?: boolean
  /** UDP port (default 7000). */
  readonly port?: number
  /** The API's port on the host's management address (default 7070; a second node on a host needs another). */
  readonly apiPort?: number
  readonly args?: readonly string[]
}

export function startNode (bed: Testbed, host: Host, opts: StartOptions = {}): HostNode {
  const name = opts.name ?? host.name
  const argv = [
    process.execPath,
    cliPath(),
    'start',
    '--name',
    name,
    '--host',
    opts.bind ?? host.ip4,
    '--port',
    String(opts.port ?? UDP_PORT),
    '--api',
    `${host.mgmt}:${opts.apiPort ?? API_PORT}`,
    '--api-token',
    TOKEN,
    '--data-dir',
    join(bed.dir, opts.dataDir ?? host.name),
    '--json',
    ...(opts.mdns === true ? [] : ['--no-mdns']),
    ...(opts.bootstrap ?? []).flatMap(b => ['--bootstrap', b]),
    ...(opts.args ?? [])
  ]
  const proc = bed.spawn(host, argv)
  const api = `http://${host.mgmt}:${opts.apiPort ?? API_PORT}`
  const call = async (path: string): Promise<Response> => {
    const res = await fetch(api + path, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(20_000) })
    if (!res.ok) throw new Error(`${name}: GET ${path} → ${res.status} ${await res.text()}`)
    return res
  }
  const lines = async (path: string): Promise<unknown[]> => {
    const text = await (await call(path)).text()
    return text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as unknown)
  }
  const node: HostNode = {
    host,
    name,
    proc,
    api,
    get: async <T>(path: string): Promise<T> => await (await call(path)).json() as T,
    status: async () => await node.get<NodeStatus>('/api/status'),
    async directory () {
      const ids: string[] = []
      let cursor: string | null = ''
      while (cursor !== null) {
        const page: { peers: ApiPeer[], next: string | null } = await node.get(
          `/api/peers?limit=200${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`
        )
        ids.push(...page.peers.map(p => p.id))
        cursor = page.next
      }
      return ids
    },
    async lookup (idHex) {
      const all = await lines(`/api/lookup/${idHex}`)
      const done = all.at(-1) as LookupDone | undefined
      if (done?.done !== true) throw new Error(`${name}: the lookup of ${idHex} gave no result line`)
      return done
    },
    async metrics () {
      const text = await (await call('/metrics')).text()
      const out: Record<string, number> = {}
      for (const line of text.split('\n')) {
        const m = /^peerconnect_([a-z0-9_]+)(?:\{key="([^"]*)"\})? (\S+)$/.exec(line)
        if (m !== null) out[m[2] === undefined ? m[1]! : `${m[1]!}.${m[2]}`] = Number(m[3])
      }
      return out
    },
    async search (q, via = 'hybrid') {
      const all = await lines(`/api/search?q=${encodeURIComponent(q)}&via=${via}&timeout=3000`) as Array<{ peer?: ApiPeer }>
      return all.flatMap(l => l.peer === undefined ? [] : [l.peer])
    },
    async stop () {
      if (proc.child.exitCode === null && proc.child.pid !== undefined) proc.child.kill('SIGTERM')
      return await proc.exited
    }
  }
  return node
}

/** Polls `fn` until it returns a value other than undefined/false, or throws after `ms` with `what`. */
export async function within<T> (ms: number, what: string, fn: () => Promise<T | undefined | false>, every = 500): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > end) {
      throw new Error(`${what}: not within ${ms} ms${last === undefined ? '' : ` (last error: ${(last as Error).message})`}`)
    }
    await new Promise(resolve => setTimeout(resolve, every))
  }
}

/** The ids sorted by XOR distance to `target` (all 40-hex), nearest first. */
export function byDistance (target: string, ids: readonly string[]): string[] {
  const t = BigInt('0x' + target)
  return [...ids].sort((a, b) => {
    const da = BigInt('0x' + a) ^ t
    const db = BigInt('0x' + b) ^ t
    return da < db ? -1 : da > db ? 1 : 0
  })
}

function cliPath (): string {
  const here = fileURLToPath(new URL('.', import.meta.url))
  for (const rel of ['../../../apps/node/dist/src/cli.js', '../../../../apps/node/dist/src/cli.js']) {
    const p = join(here, rel)
    if (existsSync(p)) return p
  }
  throw new Error('apps/node/dist/src/cli.js is missing: run `pnpm build` first')
}
