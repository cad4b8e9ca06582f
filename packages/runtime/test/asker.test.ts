import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { asyncScheduler, firstValueFrom, lastValueFrom, map, toArray } from 'rxjs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Message } from '@peerconnect/protocol'
import { rejects } from '@peerconnect/test-helpers'
import { createAsker } from '../src/asker.js'

type Any = Message & Record<string, any>

function setup (timeout?: number) {
  const sent: Any[] = []
  const asker = createAsker(m => sent.push(m as Any), asyncScheduler, { timeout })
  return { sent, asker }
}

const ask = suite('asker')

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

ask('asker - each ask gets its own cid and is sent with it', () => {
  const { sent, asker } = setup()
  const a = asker.ask({ type: 'x' }).subscribe()
  const b = asker.ask({ type: 'y' }).subscribe()
  assert.equal(sent.map(m => [m.type, m.cid]), [['x', 1], ['y', 2]])
  assert.is(asker.pending, 2)
  a.unsubscribe()
  b.unsubscribe()
  assert.is(asker.pending, 0)
})

ask('asker - the original message is not changed', () => {
  const { asker } = setup()
  const msg = { type: 'x' }
  asker.ask(msg).subscribe().unsubscribe()
  assert.equal(msg, { type: 'x' })
})

ask('asker - nothing is sent until subscribed; each subscription is a new ask', () => {
  const { sent, asker } = setup()
  const ask$ = asker.ask({ type: 'x' })
  assert.is(sent.length, 0)
  ask$.subscribe().unsubscribe()
  ask$.subscribe().unsubscribe()
  assert.equal(sent.filter(m => m.type === 'x').map(m => m.cid), [1, 2])
})

ask('asker - a reply with end completes the ask', async () => {
  const { asker } = setup()
  const done = lastValueFrom(asker.ask({ type: 'x' }).pipe(toArray()))
  asker.handle({ type: 'r', re: 1, end: false })
  asker.handle({ type: 'r2', re: 1, end: true })
  assert.equal((await done).map(m => m.type), ['r', 'r2'])
  assert.is(asker.pending, 0)
})

ask('asker - an error reply errors with the remote name, code and message', async () => {
  const { asker } = setup()
  const done = firstValueFrom(asker.ask({ type: 'x' }))
  asker.handle({ type: 'error', re: 1, end: true, error: { name: 'LookupError', code: 'ERR_LOOKUP', message: 'nope' } } as Message)
  const err = await rejects(done, 'ERR_LOOKUP')
  assert.is(err.name, 'LookupError')
  assert.is(err.message, 'nope')
})

ask('asker - a malformed error reply still errors, with ERR_UNKNOWN', async () => {
  const { asker } = setup()
  const done = firstValueFrom(asker.ask({ type: 'x' }))
  asker.handle({ type: 'error', re: 1, end: true })
  await rejects(done, 'ERR_UNKNOWN')
})

ask('asker - replies to unknown cids are dropped', () => {
  const { asker } = setup()
  const got: Message[] = []
  const sub = asker.ask({ type: 'x' }).subscribe(m => got.push(m))
  asker.handle({ type: 'r', re: 99, end: true })
  assert.is(got.length, 0)
  sub.unsubscribe()
})

ask('asker - unsubscribing sends one cancel and drops later replies', () => {
  const { sent, asker } = setup()
  const got: Message[] = []
  const sub = asker.ask({ type: 'x' }).subscribe(m => got.push(m))
  asker.handle({ type: 'r', re: 1, end: false })
  sub.unsubscribe()
  sub.unsubscribe()
  asker.handle({ type: 'r', re: 1, end: true })
  assert.is(got.length, 1)
  assert.equal(sent.slice(1), [{ type: 'actor.cancel', ask: 1 }])
})

ask('asker - a timeout errors with ERR_ASK_TIMEOUT and sends a cancel', async () => {
  const { sent, asker } = setup(20)
  await rejects(firstValueFrom(asker.ask({ type: 'x' })), 'ERR_ASK_TIMEOUT')
  assert.equal(sent.slice(1), [{ type: 'actor.cancel', ask: 1 }])
  assert.is(asker.pending, 0)
})

ask('asker - failAll errors every pending ask', async () => {
  const { asker } = setup()
  const a = firstValueFrom(asker.ask({ type: 'x' }))
  const b = firstValueFrom(asker.ask({ type: 'y' }))
  asker.failAll(Object.assign(new Error('stopping'), { code: 'ERR_SUPERVISOR_STOPPED' }))
  await rejects(a, 'ERR_SUPERVISOR_STOPPED')
  await rejects(b, 'ERR_SUPERVISOR_STOPPED')
  assert.is(asker.pending, 0)
})

ask('asker - a reply that arrives while subscribing is delivered and its timer released', async () => {
  const asker: ReturnType<typeof createAsker> = createAsker(m => {
    if (m.cid !== undefined) asker.handle({ type: 'sync', re: m.cid, end: true })
  }, asyncScheduler, { timeout: 60_000 })
  const r = await firstValueFrom(asker.ask({ type: 'x' }))
  assert.is(r.type, 'sync')
  assert.is(asker.pending, 0)
  assert.not.ok(process.getActiveResourcesInfo().includes('Timeout'), 'no timer left')
})

ask('asker - an ask that ended lets go of its subscriber while another of its timeout is open', async () => {
  const { sent, asker } = setup(60_000)
  const open = asker.ask({ type: 'x' }).subscribe() // keeps the 60 s lane (and the ended ask in it) alive
  const held = ((): WeakRef<object> => {
    const big = { payload: new Uint8Array(1 << 16) }
    const sub = asker.ask({ type: 'y' }).pipe(map(m => [m, big.payload.length])).subscribe()
    asker.handle({ type: 'y.reply', re: sent[1]!.cid, end: true })
    assert.ok(sub.closed)
    return new WeakRef(big)
  })()
  await new Promise(resolve => setImmediate(resolve))
  gc()
  assert.is(held.deref(), undefined, 'the ended ask\'s operator chain (and what its closures hold) is garbage')
  assert.is(asker.pending, 1)
  open.unsubscribe()
})

ask.run()
