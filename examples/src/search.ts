/**
 * Searching from a script: a node of our own (createNode, every actor inline, no HTTP API) joins
 * the network, searches peers by name and prints the verified hits as they stream in. Without
 * `--bootstrap` it first starts a local swarm of 12 named nodes to search.
 *
 *   pnpm build && node examples/dist/src/search.js ada [--via hybrid|lists|gossip] [--host 127.0.0.1] [--bootstrap host:port]
 *
 * A search streams `search.hit` replies (a signed record each, already verified) and ends with
 * `search.done`; see docs/PROTOCOL.md for what it sends on the wire and docs/API.md for the same
 * search over HTTP (`GET /api/search`).
 */
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { lastValueFrom, tap } from 'rxjs'
import { generateIdentity, idToHex, isSearchVia, recordAddress } from '@peerconnect/protocol'
import type { Address, SearchVia } from '@peerconnect/protocol'
import { createNode, createSwarm, parseHostPort } from '@peerconnect/node'
import type { Swarm } from '@peerconnect/node'

export const LOCAL_NAMES = ['ada', 'ada-byron', 'alan', 'grace', 'barbara', 'donald', 'edsger', 'frances', 'leslie', 'radia', 'vint',
  'hedy']

export interface SearchOptions {
  readonly query: string
  readonly via?: SearchVia
  readonly host?: string
  /** Nodes to join; none: a local swarm of LOCAL_NAMES is started first. */
  readonly bootstrap?: readonly Address[]
  /** The search's time bound (ms). */
  readonly timeout?: number
}

export interface Hit {
  readonly name: string
  readonly id: string
  readonly via: string
}

export async function searchPeers (opts: SearchOptions): Promise<Hit[]> {
  const host = opts.host ?? '127.0.0.1'
  let swarm: Swarm | undefined
  let seeds = opts.bootstrap ?? []
  if (seeds.length === 0) {
    swarm = await createSwarm(LOCAL_NAMES.length, { host, names: LOCAL_NAMES })
    seeds = [swarm.nodes[0]!.udp]
    console.log(`started a local swarm: ${LOCAL_NAMES.join(', ')}`)
  }
  const node = await createNode({ name: 'searcher', identity: generateIdentity(), host, inline: true })
  try {
    const joined = await node.bootstrap(seeds)
    console.log(`joined: ${joined.contacts} contacts`)
    const hits: Hit[] = []
    const done = await lastValueFrom(node.supervisor.ask(
      { type: 'search.query', q: opts.query, via: opts.via ?? 'hybrid', timeout: opts.timeout ?? 2000 },
      { timeout: (opts.timeout ?? 2000) + 10_000 }
    ).pipe(tap(m => {
      if (m.type !== 'search.hit') return
      const at = recordAddress(m.record)
      hits.push({ name: m.record.n, id: idToHex(m.record.id), via: m.via })
      console.log(
        `hit ${m.record.n}  ${idToHex(m.record.id).slice(0, 12)}  ${at === undefined ? '?' : `${at.host}:${at.port}`}  via ${m.via}`
      )
    })))
    if (done.type === 'search.done') console.log(`done: ${done.hits} hit(s) in ${done.ms} ms`)
    return hits
  } finally {
    await node.stop()
    await swarm?.stop()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { via: { type: 'string' }, host: { type: 'string' }, bootstrap: { type: 'string', multiple: true },
        timeout: { type: 'string' } }
    })
    const query = positionals[0]
    if (query === undefined) throw new Error('usage: search.ts <query> [--via hybrid|lists|gossip] [--host h] [--bootstrap host:port]')
    if (values.via !== undefined && !isSearchVia(values.via)) throw new Error('--via: expected hybrid, lists or gossip')
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout)
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 100 && timeout <= 60_000)) {
      throw new Error('--timeout: expected ms from 100 to 60000')
    }
    await searchPeers({ query, via: values.via, host: values.host, bootstrap: values.bootstrap?.map(b => parseHostPort(b)), timeout })
  } catch (err) {
    console.error(`search: ${(err as Error).message}`)
    process.exitCode = 1
  }
}
