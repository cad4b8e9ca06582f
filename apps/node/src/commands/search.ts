/** `peerconnect search <q>`: a keyword search through a node; hits are printed as they arrive. */
import { parseCommand, helpText, str, UsageError } from '../cli-args.js'
import type { CommandSpec } from '../cli-args.js'
import { validateQuery } from '@peerconnect/protocol'
import { BadAnswerError } from './api-client.js'
import { isApiDone, isApiHit } from './api-shapes.js'
import type { ApiDone, ApiHit } from './api-shapes.js'
import { CLIENT_OPTIONS, clientFrom, printJson } from './client-options.js'
import { clean, nameOf, plural } from './format.js'

export const VIAS = ['hybrid', 'lists', 'gossip'] as const
/** The HTTP request gets this much longer than the search's own time bound. */
export const SEARCH_MARGIN = 5_000

const spec: CommandSpec = {
  name: 'search',
  usage: 'search <q> [--via hybrid|lists|gossip] [--timeout ms] [--api URL] [--token T] [--json]',
  summary: 'Search the network for peers by name; hits are printed as they arrive.',
  options: {
    via: { type: 'string', value: 'how', help: 'hybrid (local, lists and gossip), lists or gossip', default: 'hybrid' },
    timeout: { type: 'string', value: 'ms', help: 'how long the search runs (100–30000 ms)', default: '3000' },
    ...CLIENT_OPTIONS
  },
  positionals: { min: 1, max: 1 }
}

export const searchCommand = { spec, run }

async function run (argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand(spec, argv)
  if (values.help === true) {
    process.stdout.write(helpText(spec) + '\n')
    return 0
  }
  const via = str(values.via) ?? 'hybrid'
  if (!(VIAS as readonly string[]).includes(via)) throw new UsageError(`--via must be hybrid, lists or gossip, got ${JSON.stringify(via)}`)
  const timeoutText = str(values.timeout) ?? '3000'
  const timeout = Number(timeoutText)
  if (!/^\d{1,6}$/.test(timeoutText) || timeout < 100 || timeout > 30_000) {
    throw new UsageError(`--timeout must be 100..30000 ms, got ${JSON.stringify(timeoutText)}`)
  }
  const checked = validateQuery(positionals[0])
  if (!checked.ok) throw new UsageError(`the ${checked.error.message}`)
  const q = checked.query
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(q)) throw new UsageError('the query contains control characters')
  const client = clientFrom(values)
  const json = values.json === true
  const query = new URLSearchParams({ q, via, timeout: String(timeout) })

  if (!json) process.stdout.write(`searching for ${JSON.stringify(clean(q))} (${via}, up to ${timeout} ms)…\n`)
  let done: ApiDone | undefined
  for await (const line of client.lines(`/api/search?${query.toString()}`, { timeout: timeout + SEARCH_MARGIN })) {
    if (isApiHit(line)) {
      if (json) printJson(line)
      else process.stdout.write(formatHit(line) + '\n')
    } else if (isApiDone(line)) {
      done = line
      if (json) printJson(line)
    } else {
      throw new BadAnswerError(`the node at ${client.url} sent a search line of an unexpected shape`)
    }
  }
  if (done === undefined) throw new BadAnswerError(`the search stream from ${client.url} ended without its done line`)
  if (!json) process.stdout.write(formatDone(done) + '\n')
  return 0
}

export function formatHit (h: ApiHit): string {
  return `  ${clean(nameOf(h.peer.name)).padEnd(20)} ${h.peer.id}  ${clean(h.peer.address).padEnd(21)} ${h.peer.status.padEnd(7)}  via ` +
    `${clean(h.via)}`
}

export function formatDone (d: ApiDone): string {
  const from = typeof d.holders === 'number' && Number.isSafeInteger(d.holders) ? `, ${plural(d.holders, 'list holder')} answered` : ''
  const summary = `${d.hits === 0 ? 'no hits' : plural(d.hits, 'hit')} in ${d.ms} ms${from}`
  return d.error === undefined ? summary : `${summary} (the search stopped early: ${clean(String(d.error.message))})`
}
