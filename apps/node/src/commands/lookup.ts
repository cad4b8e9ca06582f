/** `peerconnect lookup <id>`: find one peer by its 40-hex id (the node asks the network if it must). */
import { parseCommand, helpText, UsageError } from '../cli-args.js'
import type { CommandSpec } from '../cli-args.js'
import { isApiPeer } from './api-shapes.js'
import type { ApiPeer } from './api-shapes.js'
import { CLIENT_OPTIONS, clientFrom, printJson } from './client-options.js'
import { ago, clean, fields, nameOf } from './format.js'

/** A lookup may walk the network: give it longer than a plain request. */
export const LOOKUP_TIMEOUT = 30_000

const spec: CommandSpec = {
  name: 'lookup',
  usage: 'lookup <id> [--api URL] [--token T] [--json]',
  summary: 'Find a peer by its id (40 hex characters): name, address, status.',
  options: { ...CLIENT_OPTIONS },
  positionals: { min: 1, max: 1 }
}

export const lookupCommand = { spec, run }

async function run (argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(spec, argv)
  if (values.help === true) {
    process.stdout.write(helpText(spec) + '\n')
    return 0
  }
  const id = positionals[0]!.trim()
  if (!/^[0-9a-fA-F]{40}$/.test(id)) {
    throw new UsageError(`an id is 40 hex characters, got ${JSON.stringify(clean(id.length > 60 ? `${id.slice(0, 60)}…` : id))}`)
  }
  const client = clientFrom(values)
  const peer = await client.get(`/api/peers/${encodeURIComponent(id)}`, isApiPeer, { timeout: LOOKUP_TIMEOUT })
  if (values.json === true) printJson(peer)
  else process.stdout.write(formatPeer(peer, Date.now()) + '\n')
  return 0
}

export function formatPeer (p: ApiPeer, now: number): string {
  return fields([
    ['name', nameOf(p.name)],
    ['id', p.id],
    ['address', p.address],
    ['status', p.status],
    ['last seen', ago(p.lastSeen, now)]
  ])
}
