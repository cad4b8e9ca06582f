// The supervisor's ask and publish are typed from the catalogue (@peerconnect/protocol's
// AskCatalogue / PublishCatalogue). The `@ts-expect-error` lines are checked by `tsc -b` (pnpm
// build / pnpm test): each must be a type error, or the build fails. The uvu tests then run a
// typed ask, a catalogue extension and the untyped path against a real supervisor.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { lastValueFrom, map, toArray } from 'rxjs'
import type { Observable } from 'rxjs'
import { randomId, reply } from '@peerconnect/protocol'
import type { AskCatalogue, Contact, CrawlerProgress, CrawlerResult, Message, RoutingClosestReply, RoutingPeerAdded,
  SupervisorStatsReply } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { createSupervisor } from '../src/supervisor.js'
import type { Supervisor } from '../src/supervisor.js'
import { silentLogger } from '../src/logger.js'
import type { ActorSpec } from '../src/contract.js'

/** Never called: the checks are the compiler's. */
export function typeChecks (sup: Supervisor): void {
  const target = randomId()

  // catalogued asks: fields checked, replies typed
  const closest: Observable<RoutingClosestReply> = sup.ask({ type: 'routing.closest', target, n: 8 })
  closest.pipe(map(r => r.contacts satisfies Contact[]))
  const lookup: Observable<CrawlerProgress | CrawlerResult> = sup.ask({ type: 'crawler.lookup', target }, { timeout: 10_000 })
  lookup.pipe(map(r => r.type === 'crawler.result' ? r.found : r.queried))
  sup.ask({ type: 'search.query', q: 'ada', via: 'lists' }).pipe(map(r => r.type === 'search.hit' ? r.record.n : r.hits))
  sup.ask({ type: 'rpc.ping', method: 'ping', from: { host: '127.0.0.1', port: 1 }, id: target, args: {}, queryBytes: 40 }).pipe(
    map(r => r.r)
  )

  // @ts-expect-error n is missing
  sup.ask({ type: 'routing.closest', target })
  // @ts-expect-error target and n are missing: a catalogued type cannot take the untyped path
  sup.ask({ type: 'routing.closest' })
  // @ts-expect-error n is a number
  sup.ask({ type: 'routing.closest', target, n: '8' })
  // @ts-expect-error no such field
  sup.ask({ type: 'routing.closest', target, n: 8, limit: 3 })
  // @ts-expect-error via is 'hybrid' | 'lists' | 'gossip'
  sup.ask({ type: 'search.query', q: 'ada', via: 'dht' })
  // @ts-expect-error a reply's fields are those of its type
  sup.ask({ type: 'routing.contacts' }).pipe(map(r => r.contact))
  // @ts-expect-error rpc.<method> asks carry the transport's fields
  sup.ask({ type: 'rpc.ping' })

  // catalogued publishes
  sup.publish({ type: 'transport.seen', id: target, host: '127.0.0.1', port: 7000 })
  // @ts-expect-error port is missing
  sup.publish({ type: 'transport.seen', id: target, host: '127.0.0.1' })
  // @ts-expect-error reason is 'evicted' | 'failed' | 'replaced'
  sup.publish({ type: 'routing.peer.removed', contact: { id: target, host: 'h', port: 1, lastSeen: 0 }, reason: 'gone' })

  // published messages seen from outside: typed for catalogued types
  const added: Observable<RoutingPeerAdded> = sup.messages$(['routing.peer.added'])
  sup.messages$(['routing.peer.added', 'routing.peer.removed']).pipe(
    map(m => m.type === 'routing.peer.removed' ? m.reason : m.contact.port)
  )
  // @ts-expect-error a peer.added has no reason
  sup.messages$(['routing.peer.added']).pipe(map(m => m.reason))
  const anyType: Observable<Message> = sup.messages$(['echo.heard', 'routing.peer.added'])
  void added
  void anyType

  // the untyped path: custom types, and messages only known as Message
  const custom: Observable<Message> = sup.ask({ type: 'echo.say', text: 'hi' })
  sup.publish({ type: 'echo.heard', text: 'hi' })
  const known: Message = { type: 'routing.closest' }
  sup.ask(known).pipe(map(r => r.type satisfies string))
  sup.publish(known)
  void custom
}

// a catalogue extension for one supervisor: its own actor's ask, typed like the catalogue's
type EchoSay = { type: 'echo.say', cid?: number, text: string }
type EchoSaid = { type: 'echo.said', re?: number, end?: boolean, text: string }
type EchoAsks = AskCatalogue & { 'echo.say': { request: EchoSay, reply: EchoSaid } }

export function extensionChecks (sup: Supervisor<EchoAsks>): void {
  sup.ask({ type: 'echo.say', text: 'hi' }).pipe(map(r => r.text satisfies string))
  sup.ask({ type: 'routing.contacts' }).pipe(map(r => r.buckets))
  // @ts-expect-error text is a string
  sup.ask({ type: 'echo.say', text: 1 })
  // @ts-expect-error the extension's types are checked, not untyped
  sup.ask({ type: 'echo.say' })
}

const echo: ActorSpec = {
  name: 'echo',
  consumes: ['echo.say'],
  init: undefined,
  run: (in$) => in$.pipe(map(msg => reply(msg, { type: 'echo.said', text: 'echo: ' + (msg as EchoSay).text })))
}

const test = suite('supervisor types')

test('a catalogued ask is answered with its typed reply', withTimeout(10_000, async () => {
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(echo, { host: 'inline' })
    const stats: SupervisorStatsReply = await lastValueFrom(sup.ask({ type: 'supervisor.stats' }))
    assert.equal(stats.actors.map(a => a.name), ['echo'])
  } finally {
    await sup.stop()
  }
}))

test('an extended catalogue types a custom actor; the untyped path reaches it too', withTimeout(10_000, async () => {
  const sup = createSupervisor<EchoAsks>({ log: silentLogger })
  try {
    await sup.start(echo, { host: 'inline' })
    const said = await lastValueFrom(sup.ask({ type: 'echo.say', text: 'hi' }))
    assert.is(said.text, 'echo: hi')
    const plain = createSupervisor({ log: silentLogger })
    try {
      await plain.start(echo, { host: 'inline' })
      const untyped = await lastValueFrom(plain.ask({ type: 'echo.say', text: 'yo' }).pipe(toArray()))
      assert.equal(untyped.map(m => (m as EchoSaid).text), ['echo: yo'])
    } finally {
      await plain.stop()
    }
  } finally {
    await sup.stop()
  }
}))

test.run()
