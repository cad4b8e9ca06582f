/**
 * A custom pipeline: PeerConnect's transport, routing and crawler actors under one supervisor,
 * and an actor of our own (`peerLog`) that prints every peer routing adds or drops. The node joins
 * the given bootstrap nodes — or, without `--bootstrap`, a local swarm of 8 nodes it starts for
 * itself — looks up a random id, prints what it knows for `--seconds`, and stops.
 *
 *   pnpm build && node examples/dist/src/custom-pipeline.js [--host 127.0.0.1] [--bootstrap host:port] [--seconds 5]
 *
 * Every actor runs inline here (one thread); `{ host: 'worker' }` puts the packaged actors in
 * worker threads instead (see packages/runtime/README.md). Messages and their fields:
 * docs/PROTOCOL.md and @peerconnect/protocol's catalogue.
 */
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { EMPTY, lastValueFrom, mergeMap, timer } from 'rxjs'
import { idToHex, isRoutingPeerAdded, isRoutingPeerRemoved, randomId } from '@peerconnect/protocol'
import type { Address, Contact } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import { transport } from '@peerconnect/transport'
import { routing } from '@peerconnect/routing'
import { crawler } from '@peerconnect/crawler'
import { createSwarm, parseHostPort } from '@peerconnect/node'
import type { Swarm } from '@peerconnect/node'

export interface PeerLogInit {
  readonly prefix: string
}

/**
 * Our own actor: consumes two published types and emits nothing (no replies, no messages). With
 * no `worker` module it runs on the inline host only; a package would add one (see the runtime
 * README's actor contract).
 */
export const peerLog = defineActor({
  name: 'peer-log',
  consumes: ['routing.peer.added', 'routing.peer.removed'],
  create: (init: PeerLogInit) => (in$) => in$.pipe(mergeMap(msg => {
    if (isRoutingPeerAdded(msg)) console.log(`${init.prefix} + ${describe(msg.contact)}`)
    else if (isRoutingPeerRemoved(msg)) console.log(`${init.prefix} - ${describe(msg.contact)} (${msg.reason})`)
    return EMPTY
  }))
})

function describe (c: Contact): string {
  return `${idToHex(c.id).slice(0, 12)} at ${c.host}:${c.port}`
}

export interface PipelineOptions {
  /** The address to bind (and of the local swarm): a loopback address by default. */
  readonly host?: string
  /** Nodes to join; none: a local swarm of 8 is started first. */
  readonly bootstrap?: readonly Address[]
  /** How long to keep running after the lookup (s). */
  readonly seconds?: number
}

export async function runPipeline (opts: PipelineOptions = {}): Promise<{ contacts: number }> {
  const host = opts.host ?? '127.0.0.1'
  let swarm: Swarm | undefined
  let seeds = opts.bootstrap ?? []
  if (seeds.length === 0) {
    swarm = await createSwarm(8, { host })
    seeds = [swarm.nodes[0]!.udp]
    console.log(`started a local swarm of ${swarm.nodes.length} nodes; joining through ${seeds[0]!.host}:${seeds[0]!.port}`)
  }
  const id = randomId()
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(transport({ id, host, port: 0 }), { host: 'inline' })
    await sup.start(routing({ id }), { host: 'inline' })
    await sup.start(crawler({ id }), { host: 'inline' })
    await sup.start(peerLog({ prefix: 'peer' }), { host: 'inline' })

    // Every ask below is typed from the catalogue: its fields are checked, its replies known.
    const info = await lastValueFrom(sup.ask({ type: 'transport.info' }))
    console.log(`node ${idToHex(id).slice(0, 12)} on ${info.udp.host}:${info.udp.port}`)
    const joined = await lastValueFrom(
      sup.ask({ type: 'crawler.bootstrap', seeds: seeds.map(s => ({ host: s.host, port: s.port })) }, { timeout: 30_000 })
    )
    console.log(`joined: ${joined.seedsAnswered} seed(s) answered, ${joined.contacts} contacts`)
    const result = await lastValueFrom(sup.ask({ type: 'crawler.lookup', target: randomId() }, { timeout: 30_000 }))
    if (result.type === 'crawler.result') {
      console.log(`lookup: ${result.closest.length} closest in ${result.queries} queries, ${result.ms} ms`)
    }
    await lastValueFrom(timer((opts.seconds ?? 5) * 1000))
    const table = await lastValueFrom(sup.ask({ type: 'routing.contacts' }))
    console.log(`routing table: ${table.contacts.length} contacts`)
    return { contacts: table.contacts.length }
  } finally {
    await sup.stop()
    await swarm?.stop()
    console.log('stopped')
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { host: { type: 'string' }, bootstrap: { type: 'string', multiple: true }, seconds: { type: 'string' } }
  })
  const seconds = values.seconds === undefined ? undefined : Number(values.seconds)
  if (seconds !== undefined && !(seconds >= 0 && seconds <= 3600)) {
    console.error('--seconds: expected a number of seconds from 0 to 3600')
    process.exit(2)
  }
  try {
    await runPipeline({ host: values.host, bootstrap: values.bootstrap?.map(b => parseHostPort(b)), seconds })
  } catch (err) {
    console.error(`custom-pipeline: ${(err as Error).message}`)
    process.exitCode = 1
  }
}
