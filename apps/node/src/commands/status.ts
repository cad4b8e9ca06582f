/** `peerconnect status`: a running node's identity, addresses, uptime, table size, lists and actors. */
import { parseCommand, helpText } from '../cli-args.js'
import type { CommandSpec } from '../cli-args.js'
import { isApiStatus } from './api-shapes.js'
import type { ApiStatus } from './api-shapes.js'
import { CLIENT_OPTIONS, clientFrom, printJson } from './client-options.js'
import { duration, fields, plural, table } from './format.js'

const spec: CommandSpec = {
  name: 'status',
  usage: 'status [--api URL] [--token T] [--json]',
  summary: 'Show a running node: its id, addresses, uptime, routing table, lists held and actors.',
  options: { ...CLIENT_OPTIONS }
}

export const statusCommand = { spec, run }

async function run (argv: readonly string[]): Promise<number> {
  const { values } = parseCommand(spec, argv)
  if (values.help === true) {
    process.stdout.write(helpText(spec) + '\n')
    return 0
  }
  const client = clientFrom(values)
  const status = await client.get('/api/status', isApiStatus)
  if (values.json === true) printJson(status)
  else process.stdout.write(formatStatus(status) + '\n')
  return 0
}

export function formatStatus (s: ApiStatus): string {
  const about = fields([
    ['node', s.name === '' ? '(unnamed)' : s.name],
    ['id', s.id],
    ['udp', s.udp],
    ...(s.api === undefined ? [] : [['api', s.api] as const]),
    ...(s.uptime === undefined ? [] : [['uptime', duration(s.uptime)] as const]),
    ['peers', `${plural(s.peers, 'contact')} in the routing table`],
    ['lists', `${plural(s.lists.held, 'list')} held, ${plural(s.lists.records, 'record')}`]
  ])
  if (s.actors.length === 0) return about
  const actors = table(['ACTOR', 'HOST', 'THREAD', 'RESTARTS'], s.actors.map(a => [a.name, a.host, String(a.threadId), String(a.restarts)]),
    { right: [2, 3] })
  return `${about}\n\n${actors}`
}
