import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { Subject, filter, firstValueFrom, map, merge } from 'rxjs'
import { isUiInfoReply, isUiReady, randomId } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import { createSupervisor, silentLogger } from '@peerconnect/runtime'
import type { ActorDeps, ActorSpec, Logger, Supervisor } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { uiBridge, uiBridgeActor, UI_CONSUMES } from '../src/index.js'
import type { UiBridgeInit } from '../src/index.js'
import { uiDeps, fakeNode, fakePeer, T0 } from './node-fakes.js'
import type { FakeNode } from './node-fakes.js'
import { errorCode, get } from './http.js'
import { liveMirror } from '@peerconnect/test-helpers/live-mirror'

const T = 10_000

interface Running {
  in$: Subject<Message>
  out: Message[]
  url: string
  stop(): void
}

/** Runs the actor in-process over a fake node until its server listens. */
async function run (node: FakeNode, init: Partial<UiBridgeInit> = {}, deps: Partial<ActorDeps> = {}): Promise<Running> {
  const in$ = new Subject<Message>()
  const out: Message[] = []
  const sub = uiBridgeActor({ name: 'me', processMetrics: false, ...init })(in$, { ...uiDeps(node.ask), ...deps }).subscribe({
    next: m => out.push(m)
  })
  const ready = await waitFor(() => out.find(isUiReady), { what: 'ui.ready' })
  return { in$, out, url: ready.url, stop: () => sub.unsubscribe() }
}

async function info (r: Running, cid: number): Promise<Message> {
  r.in$.next({ type: 'ui.info', cid })
  return await waitFor(() => r.out.find(m => m.re === cid), { what: `reply to ${cid}` })
}

const life = suite('ui-bridge actor - lifecycle')

life('actor - the factory names the actor, its worker and the messages it consumes', () => {
  const spec = uiBridge({ name: 'me', port: 0 })
  assert.is(spec.name, 'ui-bridge')
  assert.is(uiBridge.actorName, 'ui-bridge')
  assert.equal([...spec.consumes].sort(), ['actor.cancel', 'liveness.status', 'routing.peer.added', 'routing.peer.removed', 'ui.info'])
  assert.equal(spec.consumes, UI_CONSUMES)
  assert.match(String(spec.worker), /worker\.js$/)
  assert.equal(spec.init, { name: 'me', port: 0 })
})

life('actor - publishes ui.ready with the URL it listens on, on 127.0.0.1 by default', withTimeout(T, async () => {
  const r = await run(fakeNode())
  try {
    assert.match(r.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.is(r.out.filter(isUiReady).length, 1)
    assert.is((r.out.find(isUiReady) as Message).re, undefined, 'published, not a reply')
    assert.is((await get(r.url + '/')).status, 200, 'the page is served')
  } finally {
    r.stop()
  }
}))

life('actor - answers ui.info with the URL', withTimeout(T, async () => {
  const r = await run(fakeNode())
  try {
    const reply = await info(r, 7)
    assert.ok(isUiInfoReply(reply))
    assert.equal([reply.url, reply.re, reply.end], [r.url, 7, true])
  } finally {
    r.stop()
  }
}))

life('actor - ui.info asked before the server listens is answered once it does', withTimeout(T, async () => {
  const in$ = new Subject<Message>()
  const out: Message[] = []
  const sub = uiBridgeActor({ name: 'me', processMetrics: false })(in$, uiDeps(fakeNode().ask)).subscribe(m => out.push(m))
  in$.next({ type: 'ui.info', cid: 1 })
  try {
    const reply = await waitFor(() => out.find(m => m.re === 1), { what: 'ui.info reply' })
    assert.ok(isUiInfoReply(reply))
    assert.ok(out.findIndex(isUiReady) >= 0)
  } finally {
    sub.unsubscribe()
  }
}))

life('actor - unsubscribing closes the server: the port refuses connections', withTimeout(T, async () => {
  const r = await run(fakeNode())
  assert.is((await get(r.url + '/api/status')).status, 200)
  r.stop()
  await waitFor(async () => {
    try {
      await fetch(r.url + '/api/status')
      return false
    } catch {
      return true
    }
  }, { what: 'server closed' })
}))

life('actor - unsubscribing before the server listens closes it as soon as it does', withTimeout(T, async () => {
  const port = await freePort()
  const logged: string[] = []
  const log: Logger = { debug () {}, info (msg) {
    logged.push(msg)
  }, warn () {}, error () {}, child () {
    return log
  } }
  const sub = uiBridgeActor({ name: 'me', port, processMetrics: false })(new Subject<Message>(), { ...uiDeps(fakeNode().ask), log })
    .subscribe()
  sub.unsubscribe()
  await waitFor(() => logged.includes('api listening'), { what: 'the server listened' })
  await waitFor(async () => await canListen(port), { what: `port ${port} released` })
  const again = await run(fakeNode(), { port })
  again.stop()
  assert.ok(again.url.endsWith(`:${port}`), 'the port was released')
}))

life('actor - a taken port does not crash the actor: ui.info answers ERR_ADDRESS_IN_USE, nothing is published', withTimeout(T, async () => {
  const blocker = createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as AddressInfo).port
  const in$ = new Subject<Message>()
  const out: Message[] = []
  let failed: unknown
  const sub = uiBridgeActor({ name: 'me', port })(in$, uiDeps(fakeNode().ask)).subscribe({ next: m => out.push(m), error: err => {
    failed = err
  } })
  try {
    in$.next({ type: 'ui.info', cid: 3 })
    const reply = await waitFor(() => out.find(m => m.re === 3), { what: 'ui.info reply' }) as Message & {
      error?: { code: string, message: string }
    }
    assert.is(reply.type, 'error')
    assert.is(reply.error?.code, 'ERR_ADDRESS_IN_USE')
    assert.match(reply.error?.message ?? '', `127.0.0.1:${port}`)
    assert.is(out.filter(isUiReady).length, 0)
    assert.is(failed, undefined, 'the stream did not error')
    in$.next({ type: 'routing.peer.added', contact: fakePeer('a', 4000).contact } as Message)
    assert.is(failed, undefined)
  } finally {
    sub.unsubscribe()
    blocker.close()
  }
}))

life('actor - restarted by its supervisor with port 0, the API comes back on the port it had', withTimeout(T, async () => {
  const node = fakeNode()
  const init: UiBridgeInit = { name: 'me', port: 0, processMetrics: false, checkInterval: 60_000 }
  // The ui-bridge actor plus a way to crash it: a `probe.crash` makes its stream error.
  const spec: ActorSpec = {
    name: 'ui-bridge',
    consumes: [...UI_CONSUMES, 'probe.crash'],
    init,
    run: (in$, deps) =>
      merge(
        uiBridgeActor(init)(in$.pipe(filter(m => m.type !== 'probe.crash')), { ...deps, ask: node.ask }),
        in$.pipe(filter(m => m.type === 'probe.crash'), map((): Message => {
          throw new Error('crash')
        }))
      )
  }
  const sup = createSupervisor({ log: silentLogger, restart: { min: 10, max: 10 } })
  try {
    await sup.start(spec, { host: 'inline' })
    const url = await urlOf(sup)
    assert.is((await get(url + '/api/status')).status, 200)
    sup.publish({ type: 'probe.crash' })
    await waitFor(() => sup.stats().find(a => a.name === 'ui-bridge')?.restarts === 1, { what: 'a restart' })
    const again = await waitFor(async () => await urlOf(sup).catch(() => undefined), { what: 'the API back' })
    assert.is(again, url, 'the same port')
    assert.is((await get(again + '/api/status')).status, 200)
  } finally {
    await sup.stop()
  }
}))

life('actor - the port it had is taken after a restart: it takes a free one instead of failing', withTimeout(T, async () => {
  const blocker = createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  const taken = (blocker.address() as AddressInfo).port
  const r = await run(fakeNode(), { port: 0 }, { snapshot: { port: taken } })
  try {
    assert.not.ok(r.url.endsWith(`:${taken}`))
    assert.equal(r.out.find(m => m.type === 'actor.snapshot'), { type: 'actor.snapshot', state: { port: Number(new URL(r.url).port) } })
    assert.is((await get(r.url + '/')).status, 200)
  } finally {
    r.stop()
    blocker.close()
  }
}))

life('actor - a non-loopback host without a token is refused: ui.info answers ERR_TOKEN_REQUIRED', withTimeout(T, async () => {
  const in$ = new Subject<Message>()
  const out: Message[] = []
  const sub = uiBridgeActor({ name: 'me', host: '0.0.0.0' })(in$, uiDeps(fakeNode().ask)).subscribe(m => out.push(m))
  try {
    in$.next({ type: 'ui.info', cid: 4 })
    const reply = await waitFor(() => out.find(m => m.re === 4), { what: 'reply' }) as Message & { error?: { code: string } }
    assert.is(reply.error?.code, 'ERR_TOKEN_REQUIRED')
  } finally {
    sub.unsubscribe()
  }
}))

life('actor - with a token the API needs it (401 without), the page does not', withTimeout(T, async () => {
  const r = await run(fakeNode(), { token: 's3cret' })
  try {
    const denied = await get(r.url + '/api/status')
    assert.is(denied.status, 401)
    assert.is(errorCode(denied), 'ERR_UNAUTHORIZED')
    assert.is((await get(r.url + '/api/status', { authorization: 'Bearer s3cret' })).status, 200)
    assert.is((await get(r.url + '/')).status, 200)
  } finally {
    r.stop()
  }
}))

life('actor - another request type gets an error reply (ERR_UNKNOWN_TYPE, the kit); a malformed published message is dropped',
  withTimeout(T, async () => {
    const r = await run(fakeNode())
    try {
      r.in$.next({ type: 'routing.peer.added', contact: { id: 'nope' } } as Message)
      r.in$.next({ type: 'liveness.status', id: randomId() } as Message)
      r.in$.next({ type: 'ui.bogus', cid: 9 })
      const reply = await waitFor(() => r.out.find(m => m.re === 9), { what: 'reply' }) as Message & { error?: { code: string } }
      assert.is(reply.error?.code, 'ERR_UNKNOWN_TYPE')
      assert.is((await get(r.url + '/api/status')).status, 200, 'still serving')
    } finally {
      r.stop()
    }
  }))

life.run()

const live = suite('ui-bridge actor - the live peer list from published messages')

live('actor - routing.peer.added / liveness.status / routing.peer.removed reach the events socket (and names are looked up)',
  withTimeout(T, async () => {
    const ada = fakePeer('ada', 4000, T0)
    const node = fakeNode({ peers: [ada] })
    node.contacts = []
    const r = await run(node, { checkInterval: 60_000 })
    const mirror = await liveMirror(r.url)
    try {
      r.in$.next({ type: 'routing.peer.added', contact: ada.contact } as Message)
      await waitFor(() => mirror.get(ada.hex)?.name === 'ada', { what: 'ada named' })
      assert.equal(mirror.events.map(e => e.type), ['peer.added', 'peer.status'], 'added unnamed, then named')
      r.in$.next({ type: 'liveness.status', id: ada.id, host: '127.0.0.1', port: 4000, alive: false, checkedAt: T0 + 1 } as Message)
      await waitFor(() => mirror.get(ada.hex)?.status === 'offline', { what: 'ada offline' })
      r.in$.next({ type: 'routing.peer.removed', contact: ada.contact, reason: 'failed' } as Message)
      await waitFor(() => mirror.peers().length === 0, { what: 'ada gone' })
      assert.is(mirror.events.at(-1)?.type, 'peer.removed')
    } finally {
      mirror.close()
      r.stop()
    }
  }))

live('actor - the first sweep loads the routing table: names resolved, a BEP 5 node unnamed, a silent one unnamed for now',
  withTimeout(T, async () => {
    const ada = fakePeer('ada', 4000, T0)
    const bep5 = fakePeer('ignored', 4001, T0)
    const quiet = fakePeer('quiet', 4002, T0)
    const node = fakeNode({ peers: [ada, quiet] })
    node.contacts = [ada.contact, bep5.contact, quiet.contact]
    node.silent.add(4002)
    const r = await run(node, { checkInterval: 60_000 })
    const mirror = await liveMirror(r.url)
    try {
      await waitFor(() => mirror.peers().length === 3 && mirror.get(ada.hex)?.name === 'ada', { what: 'three peers, ada named' })
      await waitFor(() => node.asks('transport.query').length === 3, { what: 'three pc_record queries' })
      assert.is(mirror.get(bep5.hex)?.name, '')
      assert.is(mirror.get(quiet.hex)?.name, '')
      assert.ok(mirror.peers().every(p => p.status === 'online'))
    } finally {
      mirror.close()
      r.stop()
    }
  }))

live('actor - a second events client gets the same list as its snapshot', withTimeout(T, async () => {
  const peers = [fakePeer('ada', 4000, T0), fakePeer('alan', 4001, T0)]
  const node = fakeNode({ peers })
  const r = await run(node, { checkInterval: 60_000 })
  const first = await liveMirror(r.url)
  try {
    await waitFor(() => first.peers().filter(p => p.name !== '').length === 2, { what: 'both named' })
    const second = await liveMirror(r.url)
    try {
      await waitFor(() => second.peers().length === 2, { what: 'snapshot' })
      assert.equal(second.peers().map(p => p.name).sort(), ['ada', 'alan'])
      assert.ok(second.events.every(e => e.type === 'peer.added'))
    } finally {
      second.close()
    }
  } finally {
    first.close()
    r.stop()
  }
}))

live.run()

// ── helpers ──────────────────────────────────────────────────────────────────────────────────

async function canListen (port: number): Promise<boolean> {
  const s = createServer()
  const ok = await new Promise<boolean>(resolve => {
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => resolve(true))
  })
  if (ok) await new Promise(resolve => s.close(resolve))
  return ok
}

async function urlOf (sup: Supervisor): Promise<string> {
  const r = await firstValueFrom(sup.ask({ type: 'ui.info' }, { timeout: 2000 }))
  if (!isUiInfoReply(r)) throw new Error('no ui.info reply')
  return r.url
}

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise(resolve => s.close(resolve))
  return port
}
