/** `peerconnect start`: run one node until SIGINT/SIGTERM. */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseCommand, helpText, list, str, UsageError } from '../cli-args.js'
import type { CommandSpec } from '../cli-args.js'
import { parseHostPort, formatHostPort } from '../address.js'
import type { HostPort } from '../address.js'
import { catchSignals } from '../signals.js'
import type { PeerNode } from '../node.js'
import { DEFAULT_HOST, DEFAULT_API, TOKEN_ENV } from '../constants.js'
import { apiOption, notifyExposed } from './api-option.js'
import { explainListenError } from './listen-error.js'

const spec: CommandSpec = {
  name: 'start',
  usage: 'start --name <name> [--host H] [--port P] [--bootstrap host:port]… [--api host:port | --no-api] [--api-token T] [--data-dir D] [--inline] [--json]',
  summary: 'Run a node: join the network through the bootstrap nodes and stay until SIGINT/SIGTERM.',
  options: {
    name: { type: 'string', value: 'name', help: 'this node\'s name, shown to other peers (1–64 UTF-8 bytes)' },
    host: { type: 'string', value: 'host', help: 'UDP address to bind', default: DEFAULT_HOST },
    port: { type: 'string', value: 'port', help: 'UDP port (0 picks a free one; TCP liveness uses the same number)', default: '0' },
    bootstrap: { type: 'string', multiple: true, value: 'host:port', help: 'a node to join through (repeatable)' },
    api: { type: 'string', value: 'host:port', help: 'HTTP API address', default: DEFAULT_API },
    'no-api': { type: 'boolean', help: 'run without the HTTP API' },
    'api-token': { type: 'string', value: 'token', help: `bearer token the API requires (or set ${TOKEN_ENV}); needed when --api is not a loopback address` },
    'data-dir': { type: 'string', value: 'dir', help: 'identity key and routing table (default ~/.peerconnect/<name>)' },
    inline: { type: 'boolean', help: 'run every actor on the main thread instead of worker threads' },
    'exempt-loopback': { type: 'boolean', help: 'do not rate-limit queries from 127.0.0.0/8 and ::1 (local testnets)' },
    'api-allow-host': { type: 'string', multiple: true, value: 'name', help: 'a Host name the API answers to besides its address and localhost (e.g. a reverse proxy\'s; repeatable)' },
    json: { type: 'boolean', help: 'print events as JSON lines' }
  }
}

export const startCommand = { spec, run }

async function run (argv: readonly string[]): Promise<number> {
  const { values } = parseCommand(spec, argv)
  if (values.help === true) { process.stdout.write(helpText(spec) + '\n'); return 0 }
  const opts = validate(values)
  const signals = catchSignals()
  try {
    // Loaded here, not at the top: `peerconnect status` and `--help` should not load every actor.
    const [{ createLogger }, { loadOrCreateIdentity }, { createNode }] = await Promise.all([import('@peerconnect/runtime'), import('../identity-store.js'), import('../node.js')])
    const log = createLogger('peerconnect')
    const { identity, created, warning } = await loadOrCreateIdentity(opts.dataDir)
    if (warning !== undefined) log.warn('identity key exposed', { message: warning })
    let node: PeerNode
    try {
      node = await createNode({ name: opts.name, identity, host: opts.host, port: opts.port, dataDir: opts.dataDir, inline: opts.inline, log, api: opts.api ?? false, transport: { rateLimit: { exemptLoopback: opts.exemptLoopback } }, ui: { allowedHosts: opts.allowHosts } })
    } catch (err) {
      throw explainListenError(err, '--api')
    }
    if (signals.received() === undefined) {
      if (node.api !== null && opts.api !== null) notifyExposed(opts.api.host, node.api)
      const joined = await Promise.race([
        node.bootstrap(opts.bootstrap).catch((err: unknown) => {
          log.warn('bootstrap failed', { error: (err as Error).message })
          return { seedsAnswered: 0, contacts: 0 }
        }),
        signals.first.then(() => undefined)
      ])
      if (joined !== undefined) ready(node, opts, created, joined)
    }
    return await stopOn(await signals.first, node, opts.json)
  } finally {
    signals.dispose()
  }
}

function ready (node: PeerNode, opts: StartOptions, created: boolean, joined: { seedsAnswered: number, contacts: number }): void {
  const udp = formatHostPort(node.udp)
  const api = node.api
  if (opts.json) {
    emit({ event: 'ready', id: node.idHex, name: opts.name, udp, api, dataDir: opts.dataDir, identityCreated: created, seedsAnswered: joined.seedsAnswered, contacts: joined.contacts })
  } else {
    process.stdout.write(`ready ${node.idHex} udp=${udp} api=${api ?? 'none'} name=${JSON.stringify(opts.name)} contacts=${joined.contacts}\n`)
  }
}

interface StartOptions {
  name: string
  host: string
  port: number
  bootstrap: HostPort[]
  api: { host: string, port: number, token?: string } | null
  dataDir: string
  inline: boolean
  json: boolean
  exemptLoopback: boolean
  allowHosts: string[]
}

function validate (values: ReturnType<typeof parseCommand>['values']): StartOptions {
  const name = str(values.name)
  if (name === undefined || name.length === 0) throw new UsageError('--name is required')
  if (Buffer.byteLength(name, 'utf8') > 64) throw new UsageError('--name is longer than 64 UTF-8 bytes')
  const host = str(values.host) ?? DEFAULT_HOST
  const port = Number(str(values.port))
  if (!/^\d{1,5}$/.test(str(values.port) ?? '') || port > 65535) throw new UsageError(`--port must be 0..65535, got ${JSON.stringify(values.port)}`)
  parseHostPort(`${host.includes(':') ? `[${host}]` : host}:1`)
  const bootstrap = list(values.bootstrap).map(s => parseHostPort(s))
  const api = values['no-api'] === true ? null : apiOption(values, DEFAULT_API)
  const allowHosts = list(values['api-allow-host'])
  for (const h of allowHosts) if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9.])?$/.test(h)) throw new UsageError(`--api-allow-host must be a host name, got ${JSON.stringify(h)}`)
  const dataDir = resolve(str(values['data-dir']) ?? join(homedir(), '.peerconnect', name.replace(/[^\w.-]+/g, '_')))
  return { name, host, port, bootstrap, api, dataDir, inline: values.inline === true, json: values.json === true, exemptLoopback: values['exempt-loopback'] === true, allowHosts }
}

/** Stops the node (actors stopped, table and identity saved) and reports it; 0 when clean. */
async function stopOn (signal: NodeJS.Signals, node: PeerNode, json: boolean): Promise<number> {
  try {
    await node.stop()
  } catch (err) {
    process.stderr.write(`peerconnect start: stop failed: ${(err as Error).message}\n`)
    return 1
  }
  if (json) emit({ event: 'stopped', signal })
  else process.stdout.write(`stopped (${signal})\n`)
  return 0
}

function emit (obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n')
}
