import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { distinctUntilChanged, filter, map, of, takeUntil, throwError, timer } from 'rxjs'
import type { Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { closest, closestListId, createRecord, generateIdentity, isTransportQuery, LIST_IDS, randomId, recordFromWire, recordToWire, reply,
  second } from '@peerconnect/protocol'
import type { Contact, Message, NodeId } from '@peerconnect/protocol'
import type { ActorDeps } from '@peerconnect/runtime'
import { testDeps } from '@peerconnect/runtime/testing'
import { listsActor } from '../../src/actor.js'
import { ANNOUNCE_INTERVAL } from '../../src/constants.js'
import { identityIn } from '../fixtures.js'

const me = generateIdentity()
const CONTACTS: Contact[] = Array.from({ length: 12 }, (_, i) => ({ id: randomId(), host: '10.0.0.2', port: 2000 + i, lastSeen: 0 }))

interface Sent {
  at: number
  q: string
  to: number
  seq?: number
  name?: string
  ro?: 1
}

/** Deps whose asks answer at once (in virtual time) and record what was sent when. */
function deps (scheduler: TestScheduler,
  opts: { silent?: ReadonlySet<number>, readOnlyFrom?: number } = {}): { deps: ActorDeps, sent: Sent[], lookups: number[] } {
  const sent: Sent[] = []
  const lookups: number[] = []
  const ask = (m: Message): Observable<Message> => {
    const now = scheduler.now()
    if (m.type === 'transport.info') {
      const readOnly = opts.readOnlyFrom !== undefined && now >= opts.readOnlyFrom ? { readOnly: true } : {}
      return of(reply(m, { type: 'transport.info.reply', id: me.id, udp: { host: '10.0.0.1', port: 7000 }, ...readOnly, stats: {} }))
    }
    if (m.type === 'crawler.lookup') {
      lookups.push(now)
      const target = (m as Message & { target: NodeId }).target
      return of(
        reply(m, { type: 'crawler.result', target, closest: closest(CONTACTS, target, 8, c => c.id), found: null, queries: 8, bytes: 0,
          ms: 1 })
      )
    }
    if (isTransportQuery(m)) {
      const rec = m.a.record === undefined ? undefined : recordFromWire(m.a.record)
      sent.push({ at: now, q: m.q, to: m.to.port, ...(rec === undefined ? {} : { seq: rec.s, name: rec.n }),
        ...(rec?.ro === undefined ? {} : { ro: rec.ro }) })
      if (opts.silent?.has(m.to.port) === true) return throwError(() => Object.assign(new Error('timeout'), { code: 'ERR_RPC_TIMEOUT' }))
      const r = m.q === 'pc_list' ? { id: randomId(), token: new Uint8Array(8) } : { id: randomId() }
      return of(reply(m, { type: 'transport.response', from: m.to, id: randomId(), r, rtt: 1, bytes: 100 }))
    }
    return throwError(() => Object.assign(new Error('no consumer'), { code: 'ERR_NO_CONSUMER' }))
  }
  return {
    sent,
    lookups,
    // the marble scheduler's time starts at 0; the clock reads it as ms since the epoch, late 2023
    deps: { ...testDeps({ name: 'lists', scheduler, ask }), clock: { now: () => 1_700_000_000_000 + scheduler.now() } }
  }
}

const configure = { type: 'actor.configure', patch: { name: 'renamed' } } as Message

const cadence = suite('marble - the announce loop in virtual time')

cadence('marble - snapshots: the name at start, the new name when it changes at 15 s', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  scheduler.run(({ hot, expectObservable }) => {
    const d = deps(scheduler)
    const in$ = hot<Message>('15s a', { a: configure })
    const out$ = listsActor({ identity: me, name: 'ada' })(in$, d.deps).pipe(takeUntil(timer(25 * second, scheduler)))
    expectObservable(
      out$.pipe(filter(m => m.type === 'actor.snapshot'), map(m => (m as Message & { state: { name: string } }).state.name),
        distinctUntilChanged())
    ) // the records held are snapshotted too
      .toBe('a 14999ms b 9999ms |', { a: 'ada', b: 'renamed' })
  })
})

cadence('marble - pc_announce to the 8 holders at 0, 10 s, 20 s; the renamed record goes out at once at 15 s with a newer sequence', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  let sent: Sent[] = []
  scheduler.run(({ hot, expectObservable }) => {
    const d = deps(scheduler)
    sent = d.sent
    const in$ = hot<Message>('15s a', { a: configure })
    expectObservable(
      listsActor({ identity: me, name: 'ada' })(in$, d.deps).pipe(takeUntil(timer(25 * second, scheduler)), filter(() => false))
    ).toBe('25s |')
  })
  const announces = sent.filter(s => s.q === 'pc_announce')
  const times = [...new Set(announces.map(s => s.at))]
  assert.equal(times, [0, 10_000, 15_000, 20_000])
  for (const t of times) assert.is(announces.filter(s => s.at === t).length, 8, `8 holders at ${t}`)
  const seqs = [...new Set(announces.map(s => s.seq))]
  assert.equal(seqs, [1_700_000_000, 1_700_000_015], 'sequences follow the clock (seconds), so they grow across restarts too')
  assert.ok(announces.filter(s => s.at >= 15_000).every(s => s.name === 'renamed' && s.seq === seqs[1]))
  assert.equal(sent.filter(s => s.q === 'pc_list').map(s => s.at), new Array(8).fill(0), 'tokens fetched once, at start')
})

cadence('marble - the transport goes read-only (behind a NAT) at 12 s: from the next round the record signs ro: 1, with a newer sequence',
  () => {
    const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
    let sent: Sent[] = []
    scheduler.run(({ hot, expectObservable }) => {
      const d = deps(scheduler, { readOnlyFrom: 12_000 })
      sent = d.sent
      expectObservable(
        listsActor({ identity: me, name: 'ada' })(hot<Message>(''), d.deps).pipe(takeUntil(timer(25 * second, scheduler)),
          filter(() => false))
      ).toBe('25s |')
    })
    const announces = sent.filter(s => s.q === 'pc_announce')
    assert.ok(announces.filter(s => s.at < 12_000).every(s => s.ro === undefined && s.seq === 1_700_000_000))
    const after = announces.filter(s => s.at >= 12_000)
    assert.is(after.length, 8)
    assert.ok(after.every(s => s.ro === 1 && s.seq === 1_700_000_020), 'a new record, signed with ro')
  })

cadence('marble - the interval is configurable; lookups run early and then every lookupEvery rounds', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  let d: ReturnType<typeof deps> | undefined
  scheduler.run(({ hot, expectObservable }) => {
    d = deps(scheduler)
    const out$ = listsActor({ identity: me, name: 'ada', announceInterval: 2 * second, lookupEvery: 4 })(hot<Message>('-'), d.deps)
    expectObservable(out$.pipe(takeUntil(timer(30 * second, scheduler)), filter(() => false))).toBe('30s |')
  })
  const at = [...new Set(d!.sent.filter(s => s.q === 'pc_announce').map(s => s.at))]
  assert.equal(at, Array.from({ length: 15 }, (_, i) => i * 2 * second))
  assert.equal(d!.lookups, [0, 2, 4, 12, 20, 28].map(s => s * second), 'rounds 0, 1, 2, then every 4th round')
})

cadence('marble - a silent holder makes the next round look the holders up again', () => {
  const nearest = closest(CONTACTS, LIST_IDS[closestListId(me.id).index]!, 1, c => c.id)[0]!
  const run = (silent: Set<number>): number[] => {
    const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
    let d: ReturnType<typeof deps> | undefined
    scheduler.run(({ hot, expectObservable }) => {
      d = deps(scheduler, { silent })
      const out$ = listsActor({ identity: me, name: 'ada', lookupEvery: 100 })(hot<Message>('-'), d.deps)
      expectObservable(out$.pipe(takeUntil(timer(65 * second, scheduler)), filter(() => false))).toBe('65s |')
    })
    return d!.lookups
  }
  assert.equal(run(new Set()), [0, 10, 20].map(s => s * second), 'all answer: the early lookups only')
  assert.equal(run(new Set([nearest.port])), [0, 10, 20, 30, 40, 50, 60].map(s => s * second), 'one silent: every round')
})

cadence('marble - expiry runs on the scheduler: a held record is dropped RECORD_TTL (3 intervals) after it was last seen', () => {
  const scheduler = new TestScheduler((a, b) => assert.equal(a, b))
  const peer = identityIn(4)
  const record = recordToWire(createRecord(peer, { name: 'p', host: '10.0.0.9', port: 9, seq: 1 }))
  scheduler.run(({ expectObservable }) => {
    const d = deps(scheduler)
    // held at 0 (restored from a snapshot)
    const held = { seq: 1, name: 'ada', held: [{ list: 4, records: [record], seen: [1_700_000_000_000] }] }
    const stats = (cid: number): Message => ({ type: 'lists.stats', cid })
    const in$ = scheduler.createHotObservable<Message>('a 29998ms b 1ms c', { a: stats(1), b: stats(2), c: stats(3) })
    const records = listsActor({ identity: me, name: 'ada', announce: false })(in$, { ...d.deps, snapshot: held }).pipe(
      filter(m => m.type === 'lists.stats.reply'),
      map(m => (m as Message & { records: number }).records),
      takeUntil(timer(31 * second, scheduler))
    )
    expectObservable(records).toBe('a 29998ms b 1ms c 998ms |', { a: 1, b: 1, c: 0 })
  })
  assert.is(3 * ANNOUNCE_INTERVAL, 30 * second)
})

cadence.run()
