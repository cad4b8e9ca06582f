import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { asyncScheduler, map, throwError, mergeMap, of, EMPTY } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import { threadId } from 'node:worker_threads'
import { startInlineHost } from '../src/inline-host.js'
import type { HostEvents } from '../src/host.js'
import type { ActorSpec } from '../src/contract.js'
import { silentLogger } from '../src/logger.js'

const tick = async (): Promise<void> => new Promise(resolve => setImmediate(resolve))

function start (run: ActorSpec['run']) {
  const log: string[] = []
  const sent: Message[] = []
  const events: HostEvents = {
    send: (m) => {
      sent.push(m)
      log.push(`send:${m.type}`)
    },
    ready: () => log.push('ready'),
    crash: (e) => log.push(`crash:${(e as Error).message}`),
    complete: () => log.push('complete')
  }
  const host = startInlineHost({ name: 'h', consumes: ['x'], init: undefined, run }, { snapshot: undefined,
    deps: { clock: { now: Date.now }, random: Math.random, scheduler: asyncScheduler, log: silentLogger,
      pool: { run: async () => undefined as never } }, log: silentLogger, events })
  return { host, log, sent }
}

const inline = suite('inline host')

inline('inline host - ready comes on a microtask; the host runs on this thread', async () => {
  const { host, log } = start((in$) => in$)
  assert.equal(log, [])
  await Promise.resolve()
  assert.equal(log, ['ready'])
  assert.is(host.kind, 'inline')
  assert.is(host.threadId, threadId)
})

inline('inline host - deliveries queue in the mailbox and drain in order on a microtask', async () => {
  const { host, sent } = start((in$) => in$.pipe(map(m => ({ type: `got.${m.type}` }))))
  host.deliver({ type: 'a' })
  host.deliver({ type: 'b' })
  assert.is(host.queueDepth(), 2)
  assert.is(sent.length, 0)
  await tick()
  assert.equal(sent.map(m => m.type), ['got.a', 'got.b'])
  assert.is(host.queueDepth(), 0)
})

inline('inline host - a delivery made while draining is taken in the same drain', async () => {
  let host: ReturnType<typeof start>['host'] | undefined
  const started = start((in$) => in$.pipe(mergeMap(m => {
    if (m.type === 'a') host!.deliver({ type: 'b' })
    return of({ type: `got.${m.type}` })
  })))
  host = started.host
  host.deliver({ type: 'a' })
  await Promise.resolve()
  assert.equal(started.sent.map(m => m.type), ['got.a', 'got.b'])
})

inline('inline host - a fatal error is reported on a microtask, once, and the mailbox stops', async () => {
  const { host, log, sent } = start((in$) =>
    in$.pipe(mergeMap(m => m.type === 'boom' ? throwError(() => new Error('boom')) : of({ type: 'ok' })))
  )
  await Promise.resolve()
  host.deliver({ type: 'boom' })
  host.deliver({ type: 'after' })
  await tick()
  assert.equal(log, ['ready', 'crash:boom'])
  assert.is(sent.length, 0)
  host.deliver({ type: 'later' })
  assert.is(host.queueDepth(), 0, 'a dead host takes nothing')
})

inline('inline host - a run that throws crashes before ready', async () => {
  const { log } = start(() => {
    throw new Error('no')
  })
  await tick()
  assert.equal(log, ['crash:no'])
})

inline('inline host - an out$ that completes is reported as complete', async () => {
  const { log } = start(() => EMPTY)
  await tick()
  assert.ok(log.includes('complete'))
})

inline('inline host - stop drops the mailbox and sends nothing more; control works before it', async () => {
  const { host, sent } = start((in$) => in$)
  await host.control.configure({ a: 1 })
  await tick()
  assert.equal(sent, [{ type: 'actor.configure', patch: { a: 1 } }])
  host.deliver({ type: 'x' })
  await host.stop()
  await tick()
  assert.is(sent.length, 1)
  assert.is(host.queueDepth(), 0)
})

inline.run()
