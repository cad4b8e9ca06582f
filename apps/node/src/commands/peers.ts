/** `peerconnect peers`: the directory of a running node, one page or (`--all`) every page. */
import { parseCommand, helpText, str, UsageError } from '../cli-args.js'
import type { CommandSpec } from '../cli-args.js'
import { isApiPage } from './api-shapes.js'
import type { ApiPeer } from './api-shapes.js'
import { CLIENT_OPTIONS, clientFrom, printJson } from './client-options.js'
import { ago, clean, nameOf, plural, table } from './format.js'
import { DEFAULT_API_URL } from '../constants.js'
import { invocation } from './invocation.js'

/** Pages `--all` reads at most (a runaway cursor must not loop forever). */
export const MAX_PAGES = 1000

const spec: CommandSpec = {
  name: 'peers',
  usage: 'peers [--limit n] [--cursor c | --all] [--api URL] [--token T] [--json]',
  summary: 'List the peers in the network\'s directory, page by page.',
  options: {
    limit: { type: 'string', value: 'n', help: 'peers per page (1–200)', default: '50' },
    cursor: { type: 'string', value: 'cursor', help: 'start after this cursor (printed under the previous page)' },
    all: { type: 'boolean', help: 'read every page' },
    ...CLIENT_OPTIONS
  }
}

export const peersCommand = { spec, run }

async function run (argv: readonly string[]): Promise<number> {
  const { values } = parseCommand(spec, argv)
  if (values.help === true) {
    process.stdout.write(helpText(spec) + '\n')
    return 0
  }
  const limitText = str(values.limit) ?? '50'
  const limit = Number(limitText)
  if (!/^\d{1,3}$/.test(limitText) || limit < 1 || limit > 200) {
    throw new UsageError(`--limit must be 1..200, got ${JSON.stringify(limitText)}`)
  }
  const all = values.all === true
  let cursor = str(values.cursor)
  if (all && cursor !== undefined) throw new UsageError('--all reads from the first page: leave out --cursor')
  const client = clientFrom(values)

  const peers: ApiPeer[] = []
  let next: string | null = null
  for (let page = 0; page < (all ? MAX_PAGES : 1); page++) {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor === undefined ? {} : { cursor }) })
    const answer = await client.get(`/api/peers?${query.toString()}`, isApiPage)
    peers.push(...answer.peers)
    next = answer.next
    if (next === null) break
    cursor = next
  }
  if (values.json === true) {
    printJson({ peers, next })
    return 0
  }
  process.stdout.write(formatPeers(peers, Date.now()) + '\n')
  const more = next === null
    ? ''
    : ` · more: ${invocation()} peers --cursor ${clean(next)}${client.url === DEFAULT_API_URL ? '' : ` --api ${client.url}`}`
  process.stdout.write(`${plural(peers.length, 'peer')}${more}\n`)
  return 0
}

export function formatPeers (peers: readonly ApiPeer[], now: number): string {
  if (peers.length === 0) return 'No peers in the directory yet.'
  return table(['NAME', 'ID', 'ADDRESS', 'STATUS', 'LAST SEEN'],
    peers.map(p => [nameOf(p.name), p.id, p.address, p.status, ago(p.lastSeen, now)]))
}
