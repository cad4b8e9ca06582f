/**
 * `peerconnect start`: run one node until SIGINT/SIGTERM. Its options come from the command line,
 * else from the config file (`--config`, or `peerconnect.json` in the data dir: config.ts), else
 * from the defaults; the name, when neither gives it, is the one the data dir's node last ran
 * under (saved-name.ts).
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseCommand, helpText, list, str, UsageError } from '../cli-args.js'
import type { CommandSpec, Parsed } from '../cli-args.js'
import { parseHostPort, formatHostPort } from '../address.js'
import type { HostPort } from '../address.js'
import { catchSignals } from '../signals.js'
import type { NodeOptions, PeerNode } from '../node.js'
import { DEFAULT_HOST, DEFAULT_API, TOKEN_ENV } from '../constants.js'
import { CONFIG_FILE, checkHost, configIn, loadConfig } from '../config.js'
import type { NodeConfig } from '../config.js'
import { readSavedName } from '../saved-name.js'
import { apiOption, notifyExposed } from './api-option.js'
import type { ApiOption } from './api-option.js'
import { explainListenError } from './listen-error.js'

const spec: CommandSpec = {
  name: 'start',
  usage: 'start [--name <name>] [--host H] [--port P] [--bootstrap host:port]… [--api host:port | --no-api] [--api-token T] [--data-dir ' +
    'D] [--config F] [--ip-limits default|strict|off] [--no-mdns] [--inline] [--json] [--verbose]',
  summary: 'Run a node: join the network through the bootstrap nodes and stay until SIGINT/SIGTERM.',
  options: {
    name: { type: 'string', value: 'name',
      help:
        'this node\'s name, shown to other peers (1–64 UTF-8 bytes); default: the config\'s, else the one the data dir last ran under' },
    host: { type: 'string', value: 'host', help: `UDP address to bind (default ${DEFAULT_HOST})` },
    port: { type: 'string', value: 'port', help: 'UDP port (default 0: a free one; TCP liveness uses the same number)' },
    bootstrap: { type: 'string', multiple: true, value: 'host:port',
      help: 'a node to join through (repeatable; replaces the config\'s list)' },
    api: { type: 'string', value: 'host:port', help: `HTTP API address (default ${DEFAULT_API})` },
    'no-api': { type: 'boolean', help: 'run without the HTTP API' },
    'api-token': { type: 'string', value: 'token',
      help: `bearer token the API requires (or set ${TOKEN_ENV}); needed when --api is not a loopback address` },
    'data-dir': { type: 'string', value: 'dir',
      help: 'identity key, routing table, saved name and config (default ~/.peerconnect/<name>)' },
    config: { type: 'string', value: 'file',
      help: 'a config file (JSON: name, host, port, bootstrap, api, mdns, ipLimits); ' +
        `default: ${CONFIG_FILE} in the data dir, if there is one` },
    'ip-limits': { type: 'string', value: 'mode',
      help: 'contacts per /24 (/64): 2 per bucket, 10 per table, 2 per lookup and list; default exempts loopback and private ranges, ' +
        'strict does not, off has no limits (default: the config\'s ipLimits, else default)' },
    'no-mdns': { type: 'boolean',
      help: 'do not find peers on the LAN by mDNS (it finds them with no --bootstrap; the config\'s "mdns": false does the same)' },
    inline: { type: 'boolean', help: 'run every actor on the main thread instead of worker threads' },
    'exempt-loopback': { type: 'boolean', help: 'do not rate-limit queries from 127.0.0.0/8 and ::1 (local testnets)' },
    'api-allow-host': { type: 'string', multiple: true, value: 'name',
      help: 'a Host name the API answers to besides its address and localhost (e.g. a reverse proxy\'s; repeatable)' },
    json: { type: 'boolean', help: 'print events as JSON lines (and log lines as JSON on stderr)' },
    verbose: { type: 'boolean', help: 'log info lines too, as JSON on stderr' }
  }
}

export const startCommand = { spec, run: async (argv: readonly string[]): Promise<number> => await runStart(argv) }

/**
 * What a test entry may add to a run of `start` (apps/node/test/fixtures/fault-node.ts): extra node
 * options (faults allowed) and the node once it is made. The binary never passes any.
 */
export interface StartSeams {
  readonly node?: Pick<NodeOptions, 'allowFaults' | 'transport'>
  readonly onNode?: (node: PeerNode) => void
}

export interface StartOptions {
  name: string
  host: string
  port: number
  bootstrap: HostPort[]
  api: ApiOption | null
  dataDir: string
  /** The config file read, if any. */
  config: string | undefined
  /** The per-IP admission limits: --ip-limits, else the config's, else createNode's default. */
  ipLimits: NodeConfig['ipLimits']
  /** LAN discovery by mDNS: on unless --no-mdns or the config's "mdns": false. */
  mdns: boolean
  inline: boolean
  json: boolean
  verbose: boolean
  /** --exempt-loopback: queries from loopback are not rate-limited (off by default for `start`). */
  exemptLoopback: boolean
  /** --api-allow-host: Host names the API answers to besides its address and localhost. */
  allowHosts: string[]
}

export async function runStart (argv: readonly string[], seams: StartSeams = {}): Promise<number> {
  const { values } = parseCommand(spec, argv)
  if (values.help === true) {
    process.stdout.write(helpText(spec) + '\n')
    return 0
  }
  const opts = await resolveStart(values)
  const signals = catchSignals()
  // Loaded here, not at the top: `peerconnect status` and `--help` should not load every actor.
  const [{ createCliLogger }, { loadOrCreateIdentity }, { createNode }, { probeUdp }, { saveName }] = await Promise.all([
    import('../cli-log.js'),
    import('../identity-store.js'),
    import('../node.js'),
    import('../udp-probe.js'),
    import('../saved-name.js')
  ])
  const logger = createCliLogger({ json: opts.json, verbose: opts.verbose })
  const log = logger.log
  try {
    await probeUdp(opts.host, opts.port)
    const { identity, created, warning } = await loadOrCreateIdentity(opts.dataDir)
    if (warning !== undefined) log.warn('identity key exposed', { message: warning })
    let node: PeerNode
    try {
      node = await createNode({
        name: opts.name,
        identity,
        host: opts.host,
        port: opts.port,
        dataDir: opts.dataDir,
        inline: opts.inline,
        ipLimits: opts.ipLimits,
        log,
        api: opts.api ?? false,
        lan: opts.mdns,
        transport: { rateLimit: { exemptLoopback: opts.exemptLoopback }, ...seams.node?.transport },
        ui: { allowedHosts: opts.allowHosts },
        allowFaults: seams.node?.allowFaults
      })
    } catch (err) {
      throw explainListenError(err, '--api')
    }
    seams.onNode?.(node)
    try {
      await saveName(opts.dataDir, opts.name)
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
    } catch (err) {
      await node.stop().catch(() => {})
      throw err
    }
    logger.release()
    return await stopOn(await signals.first, node, opts.json)
  } catch (err) {
    logger.drop()
    throw err
  } finally {
    signals.dispose()
  }
}

function ready (node: PeerNode, opts: StartOptions, created: boolean, joined: { seedsAnswered: number, contacts: number }): void {
  const udp = formatHostPort(node.udp)
  const api = node.api
  if (opts.json) {
    emit({ event: 'ready', id: node.idHex, name: opts.name, udp, api, dataDir: opts.dataDir, config: opts.config ?? null,
      identityCreated: created, seedsAnswered: joined.seedsAnswered, contacts: joined.contacts })
  } else {
    process.stdout.write(
      `ready ${node.idHex} udp=${udp} api=${api ?? 'none'} name=${JSON.stringify(opts.name)} contacts=${joined.contacts}\n`
    )
  }
}

/**
 * The options of a run: each from its flag, else the config file, else the default. Reads the
 * config file and the saved name; throws UsageError (bad flags) or ConfigError (bad config).
 */
export async function resolveStart (values: Parsed['values'], env: NodeJS.ProcessEnv = process.env): Promise<StartOptions> {
  const flagName = str(values.name)
  if (flagName !== undefined) checkName(flagName, '--name')
  const flagDir = str(values['data-dir'])
  if (flagDir === '') throw new UsageError('--data-dir is empty')
  const configFlag = str(values.config)
  if (configFlag === '') throw new UsageError('--config is empty')
  let configFile = configFlag === undefined ? undefined : resolve(configFlag)
  let config: NodeConfig = configFile === undefined ? {} : (await loadConfig(configFile))!

  const dirName = flagName ?? config.name
  if (flagDir === undefined && dirName === undefined) {
    throw new UsageError('--name is required (or --data-dir of a node that ran before, or a config file with a "name")')
  }
  const dataDir = flagDir !== undefined ? resolve(flagDir) : defaultDataDir(dirName!)
  if (configFile === undefined) {
    const inDir = await loadConfig(configIn(dataDir), { optional: true })
    if (inDir !== undefined) {
      config = inDir
      configFile = configIn(dataDir)
    }
  }
  const name = flagName ?? config.name ?? await readSavedName(dataDir)
  if (name === undefined) throw new UsageError(`--name is required: ${dataDir} has no node that ran before, and no config gives a "name"`)

  const flagHost = str(values.host)
  if (flagHost !== undefined) {
    try {
      checkHost(flagHost)
    } catch (err) {
      throw new UsageError(`--host ${(err as Error).message}`)
    }
  }
  const host = flagHost ?? config.host ?? DEFAULT_HOST
  const portText = str(values.port)
  if (portText !== undefined && (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)) {
    throw new UsageError(`--port must be 0..65535, got ${JSON.stringify(portText)}`)
  }
  const port = portText !== undefined ? Number(portText) : config.port ?? 0
  const flagSeeds = list(values.bootstrap).map(s => parseHostPort(s))
  const bootstrap = flagSeeds.length > 0 ? flagSeeds : [...(config.bootstrap ?? [])]
  if (values['no-api'] === true && values.api !== undefined) throw new UsageError('--api and --no-api cannot be used together')
  let api: ApiOption | null
  if (values['no-api'] === true) api = null
  else if (values.api === undefined && config.api === false) api = null
  else if (config.api === undefined || config.api === false) api = apiOption(values, DEFAULT_API, env)
  else api = apiOption(values, formatHostPort(config.api), env, `"api" of ${configFile!},`)
  const allowHosts = list(values['api-allow-host'])
  for (const h of allowHosts) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9.])?$/.test(h)) {
      throw new UsageError(`--api-allow-host must be a host name, got ${JSON.stringify(h)}`)
    }
  }
  return {
    name,
    host,
    port,
    bootstrap,
    api,
    dataDir,
    config: configFile,
    ipLimits: ipLimitsFlag(values) ?? config.ipLimits,
    mdns: values['no-mdns'] !== true && config.mdns !== false,
    inline: values.inline === true,
    json: values.json === true,
    verbose: values.verbose === true,
    exemptLoopback: values['exempt-loopback'] === true,
    allowHosts
  }
}

function ipLimitsFlag (values: Parsed['values']): NodeConfig['ipLimits'] {
  const v = str(values['ip-limits'])
  if (v === undefined) return undefined
  if (v !== 'default' && v !== 'strict' && v !== 'off') {
    throw new UsageError(`--ip-limits must be default, strict or off, got ${JSON.stringify(v)}`)
  }
  return v
}

function checkName (name: string, what: string): void {
  if (name.length === 0) throw new UsageError(`${what} is required`)
  if (Buffer.byteLength(name, 'utf8') > 64) throw new UsageError(`${what} is longer than 64 UTF-8 bytes`)
}

function defaultDataDir (name: string): string {
  return join(homedir(), '.peerconnect', name.replace(/[^\w.-]+/g, '_'))
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
