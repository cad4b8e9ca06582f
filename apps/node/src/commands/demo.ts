/**
 * `peerconnect demo`: a local swarm of named nodes on 127.0.0.1 (inline, real UDP) plus one full
 * node (actors in worker threads) that joins it and serves the web page and the API. Prints
 * progress while they join, then the `ready` line with the page's URL, then the full node's peer
 * count (its routing table) each time it changes, until SIGINT/SIGTERM.
 */
import { parseCommand, helpText, str, UsageError } from '../cli-args.js'
import type { CommandSpec } from '../cli-args.js'
import { formatHostPort } from '../address.js'
import type { PeerNode } from '../node.js'
import type { Swarm } from '../swarm.js'
import { DEMO_NAMES } from '../demo-names.js'
import { DEFAULT_API, DEFAULT_API_URL, TOKEN_ENV } from '../constants.js'
import { apiOption, notifyExposed } from './api-option.js'
import { explainListenError } from './listen-error.js'
import { invocation } from './invocation.js'

const spec: CommandSpec = {
  name: 'demo',
  usage: 'demo [--nodes 24] [--api host:port] [--api-token T] [--json] [--verbose]',
  summary: 'Start a local swarm on 127.0.0.1 plus one full node with the web page, and keep it running.',
  options: {
    nodes: { type: 'string', value: 'n', help: 'swarm size (1–500)', default: '24' },
    api: { type: 'string', value: 'host:port', help: 'HTTP API and web page of the full node (port 0 picks a free one)',
      default: DEFAULT_API },
    'api-token': { type: 'string', value: 'token',
      help: `bearer token the API requires (or set ${TOKEN_ENV}); needed when --api is not a loopback address` },
    json: { type: 'boolean', help: 'print events as JSON lines (and log lines as JSON on stderr)' },
    verbose: { type: 'boolean', help: 'log info lines too, as JSON on stderr' }
  }
}

export const demoCommand = { spec, run }

async function run (argv: readonly string[]): Promise<number> {
  const { values } = parseCommand(spec, argv)
  if (values.help === true) {
    process.stdout.write(helpText(spec) + '\n')
    return 0
  }
  const n = Number(str(values.nodes))
  if (!/^\d+$/.test(str(values.nodes) ?? '') || n < 1 || n > 500) {
    throw new UsageError(`--nodes must be 1..500, got ${JSON.stringify(values.nodes)}`)
  }
  const api = apiOption(values, DEFAULT_API)
  const json = values.json === true
  const say = (event: Record<string, unknown>, text: string): void => {
    process.stdout.write((json ? JSON.stringify(event) : text) + '\n')
  }
  // Loaded here, not at the top: `peerconnect status` and `--help` should not load every actor.
  const [{ generateIdentity, isRoutingContactsReply }, { createCliLogger }, { createNode }, { createSwarm }, { peerCountChanges },
    { concat, of }] = await Promise.all([import('@peerconnect/protocol'), import('../cli-log.js'), import('../node.js'),
      import('../swarm.js'), import('./peer-count.js'), import('rxjs')])
  const logger = createCliLogger({ json, verbose: values.verbose === true })
  const log = logger.log
  const t0 = Date.now()
  // The full node starts first: a taken API address fails at once, and the page is up while the swarm joins.
  let full: PeerNode
  try {
    full = await createNode({ name: 'you', identity: generateIdentity(), log, api })
  } catch (err) {
    logger.drop()
    throw explainListenError(err, '--api')
  }
  notifyExposed(api.host, full.api!)
  if (!json) process.stdout.write(`page   ${full.api!}/  (open it now to watch the swarm join)\n`)
  let early: Promise<unknown> = Promise.resolve()
  let swarm: Swarm
  try {
    swarm = await createSwarm(n, {
      names: Array.from({ length: n },
        (_, i) => DEMO_NAMES[i % DEMO_NAMES.length]! + (i >= DEMO_NAMES.length ? `-${Math.floor(i / DEMO_NAMES.length)}` : '')),
      onJoined: (node, i) => {
        // Join the full node as soon as the first swarm node is up, so later joiners meet it too.
        if (i === 0) early = full.bootstrap([node.udp]).catch(() => {})
        say({ event: 'joined', index: i, name: node.name, id: node.idHex, udp: formatHostPort(node.udp) },
          `joined ${String(i + 1).padStart(3)}/${n}  ${node.name.padEnd(12)} ${node.idHex.slice(0, 12)}…  udp=${formatHostPort(node.udp)}`)
      }
    })
  } catch (err) {
    logger.drop()
    await full.stop()
    throw err
  }
  const stop = async (): Promise<void> => {
    await full.stop()
    await swarm.stop()
  }
  let contacts: number
  try {
    await early
    const joined = await full.bootstrap([swarm.nodes[0]!.udp])
    contacts = joined.contacts
    say({ event: 'ready', id: full.idHex, udp: formatHostPort(full.udp), api: full.api, nodes: n, contacts, ms: Date.now() - t0 },
      `ready ${full.idHex} udp=${formatHostPort(full.udp)} api=${full.api!} nodes=${n} contacts=${contacts} (${Date.now() - t0} ms)`)
    if (!json) process.stdout.write(welcome(full.api!))
  } catch (err) {
    logger.drop()
    await stop()
    throw err
  }
  logger.release()
  // The peer count when the routing table changes (settled for a moment), not on a timer.
  const count = async (): Promise<number | undefined> => {
    const reply = await full.request({ type: 'routing.contacts' }).catch(() => undefined)
    return reply !== undefined && isRoutingContactsReply(reply) ? reply.contacts.length : undefined
  }
  const changes = peerCountChanges(concat(of('ready'), full.supervisor.messages$(['routing.peer.added', 'routing.peer.removed'])), count, {
    initial: contacts,
    settle: PEERS_SETTLE
  })
    .subscribe(c => {
      say({ event: 'peers', peers: c }, `peers ${c} in the routing table`)
    })
  return await new Promise<number>(resolve => {
    const onSignal = (signal: NodeJS.Signals): void => {
      changes.unsubscribe()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      stop().then(() => {
        say({ event: 'stopped', signal }, `stopped (${signal})`)
        resolve(0)
      }, () => resolve(1))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

/** How long the routing table must be still before the demo prints its new size. */
export const PEERS_SETTLE = 1_000

function welcome (url: string): string {
  const api = url === DEFAULT_API_URL ? '' : ` --api ${url}`
  const cmd = invocation()
  return [
    '',
    `  Open ${url}/ in a browser to watch the network.`,
    '  From another terminal:',
    `    ${cmd} peers${api}`,
    `    ${cmd} search grace${api}`,
    `    ${cmd} status${api}`,
    '  Stop with Ctrl-C.',
    '',
    ''
  ].join('\n')
}
