import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { takeUntil, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { reply, second } from '@peerconnect/protocol'
import type { Contact, Message, NodeId } from '@peerconnect/protocol'
import { createBridge } from '../src/bridge.js'
import type { Bridge } from '../src/bridge.js'
import { settingsOf } from '../src/init.js'
import type { UiBridgeInit } from '../src/init.js'
import type { PeerEvent } from '../src/backend.js'
import { sweep$ } from '../src/sweep.js'
import { askError, uiDeps, fakePeer } from './node-fakes.js'

const T0 = 1_700_000_000_000

interface Setup {
  bridge: Bridge
  events: Array<{ at: number, e: PeerEvent }>
  asked: Array<{ at: number, m: Message }>
}

type Answers = Record<string, (m: Message, cold: TestScheduler['createColdObservable']) => Observable<Message>>

/** A bridge whose asks answer from `answers` (cold observables in virtual time) and whose clock is virtual. */
function setup (scheduler: TestScheduler, answers: Answers, init: Partial<UiBridgeInit> = {}): Setup {
  const events: Setup['events'] = []
  const asked: Setup['asked'] = []
  const clock = { now: () => T0 + scheduler.now(), advance () {}, set () {} }
  const ask = (m: Message): Observable<Message> => {
    asked.push({ at: scheduler.now(), m })
    const answer = answers[m.type]
    return answer === undefined ? askError('ERR_NO_CONSUMER') : answer(m, scheduler.createColdObservable.bind(scheduler))
  }
  const bridge = createBridge(settingsOf({ name: 'me', ...init }), uiDeps(ask, { clock, scheduler }))
  bridge.subscribe(e => events.push({ at: scheduler.now(), e }))
  return { bridge, events, asked }
}

const table = (contacts: () => Contact[]) => (m: Message, cold: TestScheduler['createColdObservable']): Observable<Message> =>
  cold('(a|)', { a: reply(m, { type: 'routing.contacts.reply', self: new Uint8Array(20), contacts: contacts(), buckets: [] }) })

const liveness = (dead: Set<number>, delay = '500ms') => (m: Message, cold: TestScheduler['createColdObservable']): Observable<Message> => {
  const { id, host, port } = m as Message & { id: NodeId, host: string, port: number }
  return cold(`${delay} (a|)`, {
    a: reply(m, { type: 'liveness.result', id, host, port, alive: !dead.has(port), via: dead.has(port) ? null : 'udp', rtt: null,
      checkedAt: T0 + 10 * second })
  })
}

const noRecord = (): Observable<never> => askError('ERR_RPC_REMOTE', '204 method unknown')

const cadence = suite('sweep - in virtual time')

cadence('sweep - reads the routing table at once and then every checkInterval', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, { 'routing.contacts': table(() => []) })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(25 * second, scheduler)))).toBe('25s |')
  })
  assert.equal(s!.asked.filter(a => a.m.type === 'routing.contacts').map(a => a.at), [0, 10_000, 20_000])
})

cadence('sweep - the interval is configurable', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, { 'routing.contacts': table(() => []) }, { checkInterval: 3 * second })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(10 * second, scheduler)))).toBe('10s |')
  })
  assert.equal(s!.asked.filter(a => a.m.type === 'routing.contacts').map(a => a.at), [0, 3000, 6000, 9000])
})

cadence('sweep - a sweep still running when the next is due is not overlapped: the next starts after it', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, {
      'routing.contacts': (m, cold) =>
        cold('15s (a|)', { a: reply(m, { type: 'routing.contacts.reply', self: new Uint8Array(20), contacts: [], buckets: [] }) })
    })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(31 * second, scheduler)))).toBe('31s |')
  })
  assert.equal(s!.asked.filter(a => a.m.type === 'routing.contacts').map(a => a.at), [0, 20_000],
    'the 10 s tick fell inside the first sweep')
})

cadence.run()

const checks = suite('sweep - liveness checks and events')

checks('sweep - the table fills the view (peer.added at once); only peers quiet for staleAfter are checked', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const quiet = fakePeer('quiet', 4000, T0 - 60 * second)
  const busy = fakePeer('busy', 4001, T0)
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, {
      'routing.contacts': table(() => [quiet.contact, { ...busy.contact, lastSeen: T0 + scheduler.now() }]),
      'liveness.check': liveness(new Set()),
      'transport.query': noRecord
    })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(5 * second, scheduler)))).toBe('5s |')
  })
  assert.equal(s!.events.filter(x => x.e.type === 'peer.added').map(x => [x.at, x.e.peer.id]).sort(),
    [[0, quiet.hex], [0, busy.hex]].sort())
  const checked = s!.asked.filter(a => a.m.type === 'liveness.check')
  assert.equal(checked.map(a => [a.at, (a.m as Message & { port: number }).port]), [[0, 4000]])
})

checks('sweep - a peer that fails its check is shown offline when the check answers, with a peer.status', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const gone = fakePeer('gone', 4000, T0 - 60 * second)
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, {
      'routing.contacts': table(() => [gone.contact]),
      'liveness.check': liveness(new Set([4000]), '700ms'),
      'transport.query': noRecord
    })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(5 * second, scheduler)))).toBe('5s |')
  })
  const status = s!.events.filter(x => x.e.type === 'peer.status' && x.e.peer.status === 'offline')
  assert.equal(status.map(x => [x.at, x.e.peer.id]), [[700, gone.hex]])
  assert.is(s!.bridge.counters.checks, 1)
  assert.is(s!.bridge.counters.checksFailed, 1)
  assert.is(s!.bridge.view.get(gone.hex)?.status, 'offline')
})

checks('sweep - a checked peer is not checked again before staleAfter has passed since its check', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const quiet = fakePeer('quiet', 4000, T0 - 60 * second)
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, { 'routing.contacts': table(() => [quiet.contact]),
      'liveness.check': (m, cold) => {
        const { id, host, port } = m as Message & { id: NodeId, host: string, port: number }
        return cold('(a|)', {
          a: reply(m, { type: 'liveness.result', id, host, port, alive: false, via: null, rtt: null, checkedAt: T0 + scheduler.now() })
        })
      }, 'transport.query': noRecord }, { checkInterval: 10 * second, staleAfter: 25 * second })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(45 * second, scheduler)))).toBe('45s |')
  })
  assert.equal(s!.asked.filter(a => a.m.type === 'liveness.check').map(a => a.at), [0, 30_000])
})

checks('sweep - at most maxChecks peers per sweep, least recently seen first', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const peers = Array.from({ length: 5 }, (_, i) => fakePeer(`p${i}`, 4000 + i, T0 - (60 - i) * second))
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, { 'routing.contacts': table(() => peers.map(p => p.contact)), 'liveness.check': liveness(new Set()),
      'transport.query': noRecord }, { maxChecks: 2 })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(1 * second, scheduler)))).toBe('1s |')
  })
  assert.equal(s!.asked.filter(a => a.m.type === 'liveness.check').map(a => (a.m as Message & { port: number }).port), [4000, 4001])
})

checks('sweep - routing not answering: failure counted, the peers already known are still checked', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const quiet = fakePeer('quiet', 4000, T0 - 60 * second)
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, { 'liveness.check': liveness(new Set([4000])), 'transport.query': noRecord })
    s.bridge.emit(s.bridge.view.add(quiet.contact))
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(3 * second, scheduler)))).toBe('3s |')
  })
  assert.is(s!.bridge.counters.askFailures['routing.contacts'], 1)
  assert.is(s!.asked.filter(a => a.m.type === 'liveness.check').length, 1)
  assert.is(s!.bridge.view.get(quiet.hex)?.status, 'offline')
})

checks('sweep - a failing liveness check is counted and the sweep goes on to the next peer', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const peers = [fakePeer('a', 4000, T0 - 60 * second), fakePeer('b', 4001, T0 - 50 * second)]
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, {
      'routing.contacts': table(() => peers.map(p => p.contact)),
      'liveness.check': (m, cold) =>
        (m as Message & { port: number }).port === 4000 ? askError('ERR_ASK_TIMEOUT') : liveness(new Set([4001]))(m, cold),
      'transport.query': noRecord
    })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(3 * second, scheduler)))).toBe('3s |')
  })
  assert.is(s!.bridge.counters.askFailures['liveness.check'], 1)
  assert.equal([s!.bridge.view.get(peers[0]!.hex)?.status, s!.bridge.view.get(peers[1]!.hex)?.status], ['online', 'offline'])
})

checks('sweep - a contact gone from the table is removed from the view with a peer.removed', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const a = fakePeer('a', 4000, T0)
  const b = fakePeer('b', 4001, T0)
  let s: Setup | undefined
  scheduler.run(({ expectObservable }) => {
    s = setup(scheduler, {
      'routing.contacts': table(() => scheduler.now() < 10 * second ? [a.contact, b.contact] : [b.contact]),
      'transport.query': noRecord
    })
    expectObservable(sweep$(s.bridge).pipe(takeUntil(timer(15 * second, scheduler)))).toBe('15s |')
  })
  assert.equal(s!.events.filter(x => x.e.type === 'peer.removed').map(x => [x.at, x.e.peer.id]), [[10_000, a.hex]])
})

checks.run()
