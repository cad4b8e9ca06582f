/**
 * `peerconnect demo`: a local swarm of named nodes on 127.0.0.1 (inline, real UDP) plus one full
 * node (actors in worker threads) that joins it and serves the web page and the API. Prints
 * progress while they join, then the `ready` line with the page's URL, then the full node's peer
 * count every few seconds until SIGINT/SIGTERM.
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

const spec: CommandSpec = {
  name: 'demo',
  usage: 'demo [--nodes 24] [--api host:port] [--api-token T] [--json]',
  summary: 'Start a local swarm on 127.0.0.1 plus one full node with the web page, and keep it running.',
  options: {
    nodes: { type: 'string', value: 'n', help: 'swarm size (1–500)', default: '24' },
    api: { type: 'string', value: 'host:port', help: 'HTTP API and web page of the full node (port 0 picks a free one)', default: DEFAULT_API },
    'api-token': { type: 'string', value: 'token', help: `bearer token the API requires (or set ${TOKEN_ENV}); needed when --api is not a loopback address` },
    json: { type: 'boolean', help: 'print events as JSON lines' }
  }
}

export const demoCommand = { spec, run }

async function run (argv: readonly string[]): Promise<number> {
  const { values } = parseCommand(spec, argv)
  if (values.help === true) { process.stdout.write(helpText(spec) + '\n'); return 0 }
  const n = Number(str(values.nodes))
  if (!/^\d+$/.test(str(values.nodes) ?? '') || n < 1 || n > 500) throw new UsageError(`--nodes must be 1..500, got ${JSON.stringify(values.nodes)}`)
  const api = apiOption(values, DEFAULT_API)
  const json = values.json === true
  const say = (event: Record<string, unknown>, text: string): void => { process.stdout.write((json ? JSON.stringify(event) : text) + '\n') }
  // Loaded here, not at the top: `peerconnect status` and `--help` should not load every actor.
  const [{ generateIdentity, isRoutingContactsReply }, { createLogger }, { createNode }, { createSwarm }] =
    await Promise.all([import('@peerconnect/protocol'), import('@peerconnect/runtime'), import('../node.js'), import('../swarm.js')])
  const log = createLogger('peerconnect')
  const t0 = Date.now()
  // The full node starts first: a taken API address fails at once, and the page is up while the swarm joins.
  let full: PeerNode
  try {
    full = await createNode({ name: 'you', identity: generateIdentity(), log, api })
  } catch (err) {
    throw explainListenError(err, '--api')
  }
  notifyExposed(api.host, full.api!)
  if (!json) process.stdout.write(`page   ${full.api!}/  (open it now to watch the swarm join)\n`)
  let early: Promise<unknown> = Promise.resolve()
  let swarm: Swarm
  try {
    swarm = await createSwarm(n, {
      names: Array.from({ length: n }, (_, i) => DEMO_NAMES[i % DEMO_NAMES.length]! + (i >= DEMO_NAMES.length ? `-${Math.floor(i / DEMO_NAMES.length)}` : '')),
      onJoined: (node, i) => {
        // Join the full node as soon as the first swarm node is up, so later joiners meet it too.
        if (i === 0) early = full.bootstrap([node.udp]).catch(() => {})
        say({ event: 'joined', index: i, name: node.name, id: node.idHex, udp: formatHostPort(node.udp) }, `joined ${String(i + 1).padStart(3)}/${n}  ${node.name.padEnd(12)} ${node.idHex.slice(0, 12)}…  udp=${formatHostPort(node.udp)}`)
      }
    })
  } catch (err) {
    await full.stop()
    throw err
  }
  const stop = async (): Promise<void> => { await full.stop(); await swarm.stop() }
  try {
    await early
    const joined = await full.bootstrap([swarm.nodes[0]!.udp])
    say({ event: 'ready', id: full.idHex, udp: formatHostPort(full.udp), api: full.api, nodes: n, contacts: joined.contacts, ms: Date.now() - t0 },
      `ready ${full.idHex} udp=${formatHostPort(full.udp)} api=${full.api!} nodes=${n} contacts=${joined.contacts} (${Date.now() - t0} ms)`)
    if (!json) process.stdout.write(welcome(full.api!))
  } catch (err) {
    await stop()
    throw err
  }
  return await new Promise<number>(resolve => {
    const timer = setInterval(() => {
      full.request({ type: 'routing.contacts' }).then(reply => {
        if (isRoutingContactsReply(reply)) say({ event: 'status', peers: reply.contacts.length }, `peers ${reply.contacts.length}`)
      }, () => {})
    }, 10_000)
    const onSignal = (signal: NodeJS.Signals): void => {
      clearInterval(timer)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      stop().then(() => { say({ event: 'stopped', signal }, `stopped (${signal})`); resolve(0) }, () => resolve(1))
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

function welcome (url: string): string {
  const api = url === DEFAULT_API_URL ? '' : ` --api ${url}`
  return [
    '',
    `  Open ${url}/ in a browser to watch the network.`,
    `  From another terminal: peerconnect peers${api}   ·   peerconnect search grace${api}   ·   peerconnect status${api}`,
    '  Stop with Ctrl-C.',
    '',
    ''
  ].join('\n')
}
