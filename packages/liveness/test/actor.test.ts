import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { asyncScheduler, Observable, of, Subject } from 'rxjs'
import { idsEqual, isLivenessResult, isLivenessStatus, randomId } from '@peerconnect/protocol'
import type { LivenessCheck, LivenessResult, Message, NodeId } from '@peerconnect/protocol'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { liveness, livenessActor } from '../src/index.js'
import { testDeps } from '@peerconnect/runtime/testing'
import { harness, pong, recordingAsk, rpcError } from './fakes.js'

let cid = 0
function check (id: NodeId, port = 6881, host = '127.0.0.1'): LivenessCheck {
  return { type: 'liveness.check', cid: ++cid, id, host, port }
}

const results = (out: Message[]): LivenessResult[] => out.filter(isLivenessResult)
const statuses = (out: Message[]): Message[] => out.filter(isLivenessStatus)
const pings = (asked: Message[]): Message[] => asked.filter(m => m.type === 'transport.query')

/** An ask whose ping replies the test releases by hand. */
function heldPings (): { ask: (m: Message) => Observable<Message>, asked: Message[], answer: (m: Message) => void,
  cancelled: () => number } {
  const asked: Message[] = []
  const pending: Array<Subject<Message>> = []
  let cancelled = 0
  const ask = (m: Message): Observable<Message> => {
    asked.push(m)
    return new Observable<Message>(sub => {
      const s = new Subject<Message>()
      let settled = false
      pending.push(s)
      const inner = s.subscribe({ next: v => sub.next(v), error: e => sub.error(e), complete: () => {
        settled = true
        sub.complete()
      } })
      return () => {
        if (!settled) cancelled++
        inner.unsubscribe()
      }
    })
  }
  const answer = (m: Message): void => {
    for (const s of pending.splice(0)) {
      s.next(m)
      s.complete()
    }
  }
  return { ask, asked, answer, cancelled: () => cancelled }
}

const answers = suite('liveness actor answers')

answers('answers - a check is answered with liveness.result (re = cid, end) and a status is published', () => {
  const id = randomId()
  const { ask } = recordingAsk(() => of(pong(id, 9)))
  const h = harness(livenessActor(), testDeps({ ask, start: 42_000 }))
  const msg = check(id)
  h.in$.next(msg)
  const [r] = results(h.out)
  assert.ok(r)
  assert.equal(r, { type: 'liveness.result', id, host: '127.0.0.1', port: 6881, alive: true, via: 'udp', rtt: 9, checkedAt: 42_000,
    re: msg.cid, end: true })
  const [s] = statuses(h.out)
  assert.equal(s, { type: 'liveness.status', id, host: '127.0.0.1', port: 6881, alive: true, checkedAt: 42_000 })
  assert.is((s as { re?: number }).re, undefined, 'the status is published, not a reply')
  h.stop()
})

answers('answers - a dead peer gives alive false and a status saying so', withTimeout(5000, async () => {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise(resolve => server.close(resolve))
  const { ask } = recordingAsk(() => rpcError('ERR_RPC_TIMEOUT'))
  const h = harness(livenessActor({ udpTimeout: 50 }), testDeps({ ask }))
  h.in$.next(check(randomId(), port))
  const r = await waitFor(() => results(h.out)[0], { what: 'a result' })
  assert.equal([r.alive, r.via, r.rtt], [false, null, null])
  assert.is((statuses(h.out)[0] as { alive?: boolean }).alive, false)
  h.stop()
}))

answers('answers - udp silent, TCP listener on 127.0.0.1: alive via tcp', withTimeout(5000, async () => {
  const server = createServer(socket => socket.destroy())
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  try {
    const port = (server.address() as AddressInfo).port
    const { ask } = recordingAsk(() => rpcError('ERR_RPC_TIMEOUT'))
    const h = harness(livenessActor(), testDeps({ ask, scheduler: asyncScheduler }))
    h.in$.next(check(randomId(), port))
    const r = await waitFor(() => results(h.out)[0], { what: 'a result' })
    assert.equal([r.alive, r.via], [true, 'tcp'])
    h.stop()
  } finally {
    await new Promise(resolve => server.close(resolve))
  }
}))

answers('answers - a malformed check gets ERR_INVALID_CHECK; a published one is ignored', () => {
  const { ask, asked } = recordingAsk(() => of(pong(randomId())))
  const h = harness(livenessActor(), testDeps({ ask }))
  h.in$.next({ type: 'liveness.check', cid: 77, id: 'nope', host: '127.0.0.1', port: 1 } as Message)
  h.in$.next({ type: 'liveness.check', cid: 78, id: randomId(), host: '', port: 1 } as Message)
  h.in$.next({ type: 'liveness.check', cid: 79, id: randomId(), host: '127.0.0.1', port: 0 } as Message)
  h.in$.next({ type: 'liveness.check', id: 'nope' } as Message)
  const errors = h.out as Array<Message & { error?: { code: string, name: string } }>
  assert.equal(errors.map(e => [e.type, e.re, e.error?.code, e.error?.name]), [
    ['error', 77, 'ERR_INVALID_CHECK', 'InvalidCheckError'],
    ['error', 78, 'ERR_INVALID_CHECK', 'InvalidCheckError'],
    ['error', 79, 'ERR_INVALID_CHECK', 'InvalidCheckError']
  ])
  assert.is(asked.length, 0)
  h.stop()
})

answers('answers - a published check (no cid) runs and publishes a status but replies nothing', () => {
  const id = randomId()
  const { ask } = recordingAsk(() => of(pong(id)))
  const h = harness(livenessActor(), testDeps({ ask }))
  h.in$.next({ type: 'liveness.check', id, host: '127.0.0.1', port: 6881 } as Message)
  assert.is(results(h.out).length, 0)
  assert.is(statuses(h.out).length, 1)
  h.stop()
})

answers('answers - other message types (actor.configure) are ignored', () => {
  const { ask, asked } = recordingAsk(() => of(pong(randomId())))
  const h = harness(livenessActor(), testDeps({ ask }))
  h.in$.next({ type: 'actor.configure', patch: {} } as Message)
  h.in$.next({ type: 'constructor' })
  assert.equal(h.out, [])
  assert.is(asked.length, 0)
  h.stop()
})

answers.run()

const sharing = suite('liveness actor sharing')

sharing('sharing - concurrent checks of one peer send one ping and all get the result', () => {
  const id = randomId()
  const p = heldPings()
  const h = harness(livenessActor(), testDeps({ ask: p.ask }))
  const asks = [check(id), check(id), check(id)]
  for (const a of asks) h.in$.next(a)
  assert.is(pings(p.asked).length, 1)
  p.answer(pong(id, 3))
  const rs = results(h.out)
  assert.equal(rs.map(r => r.re).sort(), asks.map(a => a.cid).sort())
  assert.ok(rs.every(r => r.alive && r.via === 'udp' && r.rtt === 3))
  assert.is(statuses(h.out).length, 1, 'one status per check actually run')
  h.stop()
})

sharing('sharing - within the window later askers get the cached result', () => {
  const id = randomId()
  const { ask, asked } = recordingAsk(() => of(pong(id)))
  const deps = testDeps({ ask })
  const h = harness(livenessActor({ window: 5000 }), deps)
  const first = check(id)
  h.in$.next(first)
  deps.advance(4999)
  const second = check(id)
  h.in$.next(second)
  assert.is(pings(asked).length, 1)
  const rs = results(h.out)
  assert.is(rs.length, 2)
  assert.is(rs[1]!.re, second.cid)
  assert.is(rs[1]!.checkedAt, rs[0]!.checkedAt, 'the shared result keeps its check time')
  h.stop()
})

sharing('sharing - after the window expires a new check runs', () => {
  const id = randomId()
  const { ask, asked } = recordingAsk(() => of(pong(id)))
  const deps = testDeps({ ask })
  const h = harness(livenessActor({ window: 5000 }), deps)
  h.in$.next(check(id))
  deps.advance(5000)
  h.in$.next(check(id))
  assert.is(pings(asked).length, 2)
  assert.is(statuses(h.out).length, 2)
  const rs = results(h.out)
  assert.is(rs[1]!.checkedAt - rs[0]!.checkedAt, 5000)
  h.stop()
})

sharing('sharing - the same id at another address is another peer', () => {
  const id = randomId()
  const { ask, asked } = recordingAsk(() => of(pong(id)))
  const h = harness(livenessActor(), testDeps({ ask }))
  h.in$.next(check(id, 6881))
  h.in$.next(check(id, 6882))
  h.in$.next(check(id, 6881, '10.0.0.1'))
  h.in$.next(check(randomId(), 6881))
  assert.is(pings(asked).length, 4)
  h.stop()
})

sharing('sharing - a "dead" result (answered by another id) is shared like any other', () => {
  const id = randomId()
  const { ask, asked } = recordingAsk(() => of(pong(randomId())))
  const h = harness(livenessActor(), testDeps({ ask }))
  h.in$.next(check(id))
  h.in$.next(check(id))
  assert.is(pings(asked).length, 1)
  const rs = results(h.out)
  assert.is(rs.length, 2)
  assert.ok(rs.every(r => !r.alive && r.via === null))
  assert.ok(idsEqual(rs[0]!.id, id))
  h.stop()
})

sharing.run()

const lifecycle = suite('liveness actor lifecycle')

lifecycle('lifecycle - unsubscribing cancels the checks in flight', () => {
  const p = heldPings()
  const h = harness(livenessActor(), testDeps({ ask: p.ask }))
  h.in$.next(check(randomId()))
  h.in$.next(check(randomId()))
  assert.is(pings(p.asked).length, 2)
  h.stop()
  assert.is(p.cancelled(), 2)
})

lifecycle('lifecycle - actor.cancel for a check cancels its ping (the kit)', () => {
  const p = heldPings()
  const h = harness(livenessActor(), testDeps({ ask: p.ask }))
  const a = check(randomId())
  h.in$.next(a)
  h.in$.next(check(randomId()))
  h.in$.next({ type: 'actor.cancel', ask: a.cid } as Message)
  assert.is(p.cancelled(), 1, 'only the cancelled check')
  h.stop()
})

lifecycle('lifecycle - a malformed check is answered ERR_INVALID_CHECK; the actor keeps answering', () => {
  const id = randomId()
  const { ask } = recordingAsk(() => of(pong(id)))
  const h = harness(livenessActor(), testDeps({ ask }))
  h.in$.next({ type: 'liveness.check', cid: 900, id: 'nope' } as unknown as Message)
  const ok = check(id)
  h.in$.next(ok)
  const err = h.out.find(m => m.re === 900) as Message & { error?: { code?: string } }
  assert.is(err?.error?.code, 'ERR_INVALID_CHECK')
  assert.is(results(h.out)[0]?.re, ok.cid)
  h.stop()
})

lifecycle('lifecycle - when in$ completes, out$ completes after the checks in flight', () => {
  const id = randomId()
  const p = heldPings()
  const h = harness(livenessActor(), testDeps({ ask: p.ask }))
  h.in$.next(check(id))
  h.in$.complete()
  assert.not.ok(h.done())
  p.answer(pong(id))
  assert.is(results(h.out).length, 1)
  assert.ok(h.done())
})

lifecycle('lifecycle - each subscription has its own cache', () => {
  const id = randomId()
  const { ask, asked } = recordingAsk(() => of(pong(id)))
  const run = livenessActor()
  const a = harness(run, testDeps({ ask }))
  a.in$.next(check(id))
  a.stop()
  const b = harness(run, testDeps({ ask }))
  b.in$.next(check(id))
  assert.is(pings(asked).length, 2)
  b.stop()
})

lifecycle('lifecycle - the factory declares name, consumes and a worker module', () => {
  const spec = liveness({ window: 1000 })
  assert.is(spec.name, 'liveness')
  assert.equal([...spec.consumes], ['liveness.check', 'actor.cancel'], 'the handler table and actor.cancel (the kit)')
  assert.equal(spec.init, { window: 1000 })
  assert.ok(String(spec.worker).endsWith('/worker.js'))
  assert.is(liveness.actorName, 'liveness')
  assert.type(spec.run, 'function')
})

lifecycle.run()
