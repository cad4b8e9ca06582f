import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { filter, map, of, Subject } from 'rxjs'
import type { Observable } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { commonPrefixLength, idsEqual, isViewContact, minute, randomId, second } from '@peerconnect/protocol'
import type { Contact, CrawlerLookup, Message, RoutingView } from '@peerconnect/protocol'
import { SNAPSHOT_TYPE } from '@peerconnect/runtime'
import { routingActor } from '../src/index.js'
import type { RoutingInit } from '../src/index.js'
import { fakeDeps, idIn, seen } from './fakes.js'

const self = randomId()

function scheduler (): TestScheduler {
  return new TestScheduler((actual, expected) => assert.equal(actual, expected))
}

/**
 * Runs the actor in virtual time; `script` schedules inputs; returns the bucket refresh lookups it asked for as [time,
 * bucket], and the lookups of our own id as [time, k].
 */
function runVirtual (init: Partial<RoutingInit>, until: number, script: (ts: TestScheduler, in$: Subject<Message>) => void,
  opts: { snapshot?: unknown } = {}) {
  const ts = scheduler()
  const lookups: Array<[number, number]> = []
  const selfLookups: Array<[number, number | undefined]> = []
  const out: Array<[number, Message]> = []
  ts.run(({ expectObservable }) => {
    const ask = (m: Message): Observable<Message> => {
      if (m.type === 'crawler.lookup') {
        const { target, k } = m as CrawlerLookup
        if (idsEqual(target, self)) selfLookups.push([ts.now(), k])
        else lookups.push([ts.now(), commonPrefixLength(target, self)])
      }
      return of({ type: 'crawler.result', re: 1, end: true } as Message)
    }
    const in$ = new Subject<Message>()
    const deps = fakeDeps(ask, { clock: { now: () => ts.now() }, scheduler: ts, snapshot: opts.snapshot })
    const out$ = routingActor({ id: self, ...init })(in$, deps)
    script(ts, in$)
    ts.schedule(() => {}, until)
    expectObservable(out$.pipe(map(m => {
      out.push([ts.now(), m])
      return m
    }), filter(() => false)), `^ ${until}ms !`).toBe('')
  })
  return { lookups, selfLookups, out }
}

const refresh = suite('routing refresh (virtual time)')

refresh('refresh - an untouched table refreshes bucket 0 every refreshAfter', () => {
  const { lookups } = runVirtual({}, 50 * minute, () => {})
  assert.equal(lookups, [[15 * minute, 0], [30 * minute, 0], [45 * minute, 0]])
})

refresh('refresh - a contact seen in a bucket postpones its refresh', () => {
  // (no self-lookups: with one contact, our own bucket is bucket 0, and they would refresh it)
  const { lookups } = runVirtual({ selfLookupFirst: 0 }, 50 * minute, (ts, in$) => {
    ts.schedule(() => in$.next(seen(idIn(self, 0))), 10 * minute)
  })
  assert.equal(lookups, [[25 * minute, 0], [40 * minute, 0]])
})

refresh('refresh - each bucket is refreshed on its own schedule, with a target in its range', () => {
  const { lookups } = runVirtual({ k: 2, selfLookupFirst: 0 }, 24 * minute, (ts, in$) => {
    ts.schedule(() => {
      in$.next(seen(idIn(self, 0)))
      in$.next(seen(idIn(self, 0)))
      in$.next(seen(idIn(self, 1)))
    }, 1)
    ts.schedule(() => in$.next(seen(idIn(self, 3))), 5 * minute)
  })
  // bucket 0 (touched at 1 ms, so stale from the 16th minute's check) and bucket 1, our own
  // bucket (every prefix >= 1, touched at 5 min)
  assert.equal(lookups, [[16 * minute, 0], [20 * minute, 1]])
})

refresh('refresh - refreshInterval and refreshAfter are configurable', () => {
  const { lookups } = runVirtual({ refreshInterval: 10 * second, refreshAfter: 1 * minute }, 2 * minute + 5 * second, () => {})
  assert.equal(lookups, [[1 * minute, 0], [2 * minute, 0]])
})

refresh('refresh - a failing lookup does not stop the timer', () => {
  const ts = scheduler()
  const times: number[] = []
  ts.run(({ cold, expectObservable }) => {
    const ask = (): Observable<Message> => {
      times.push(ts.now())
      return cold<Message>('10ms #', {}, Object.assign(new Error('nope'), { code: 'ERR_NO_CONSUMER' }))
    }
    const deps = fakeDeps(ask, { clock: { now: () => ts.now() }, scheduler: ts })
    const out$ = routingActor({ id: self, refreshAfter: 1 * minute })(new Subject<Message>(), deps)
    expectObservable(out$.pipe(filter(m => m.type !== 'routing.view')), `^ ${3 * minute + 1}ms !`).toBe('')
  })
  assert.equal(times, [1 * minute, 2 * minute, 3 * minute])
})

refresh('self-lookups - a wide lookup of our own id 1, 3, 7 and 15 minutes after the start, then every 15 minutes', () => {
  const { selfLookups } = runVirtual({}, 50 * minute, (ts, in$) => {
    ts.schedule(() => in$.next(seen(idIn(self, 0))), 1)
  })
  assert.equal(selfLookups, [[1, 3, 7, 15, 30, 45].map(m => [m * minute, 20])].flat())
})

refresh('self-lookups - none while the table is empty; k follows the table\'s k; they count as activity in our own bucket', () => {
  const { selfLookups, lookups } = runVirtual({ k: 4 }, 20 * minute, (ts, in$) => {
    ts.schedule(() => in$.next(seen(idIn(self, 0))), 5 * minute)
  })
  assert.equal(selfLookups, [[7 * minute, 4], [15 * minute, 4]])
  // bucket 0 (seen at 5 min) is not stale by 20 min; our own bucket (1…) was touched by the self-lookups
  assert.equal(lookups, [])
})

refresh('self-lookups - selfLookupFirst and selfLookupEvery are configurable; selfLookupFirst 0 turns them off', () => {
  const withContact = (ts: TestScheduler, in$: Subject<Message>): void => {
    ts.schedule(() => in$.next(seen(idIn(self, 0))), 1)
  }
  const tuned = runVirtual({ selfLookupFirst: 10 * second, selfLookupEvery: 30 * second }, 2 * minute, withContact)
  assert.equal(tuned.selfLookups.map(([t]) => t / second), [10, 30, 60, 90, 120])
  assert.equal(runVirtual({ selfLookupFirst: 0 }, 50 * minute, withContact).selfLookups, [])
})

refresh.run()

const snapshots = suite('routing snapshots (virtual time)')

snapshots('snapshots - changes are snapshotted at most once per snapshotDelay, with everything since', () => {
  const ts = scheduler()
  const a = idIn(self, 0)
  ts.run(({ expectObservable }) => {
    const in$ = new Subject<Message>()
    const deps = fakeDeps(() => of(), { clock: { now: () => ts.now() }, scheduler: ts })
    const out$ = routingActor({ id: self, snapshotDelay: 5 * second })(in$, deps)
    ts.schedule(() => in$.next(seen(a)), 1)
    ts.schedule(() => in$.next(seen(idIn(self, 1))), 2 * second)
    ts.schedule(() => in$.next(seen(idIn(self, 2))), 20 * second)
    const sizes$ = out$.pipe(
      filter(m => m.type === SNAPSHOT_TYPE),
      map(m => String((m as unknown as { state: { contacts: Contact[] } }).state.contacts.length))
    )
    // auditTime: the first change opens a 5 s window, the snapshot at its end has everything since
    expectObservable(sizes$, '^ 30s !').toBe('5001ms 2 19998ms 3', { 2: '2', 3: '3' })
  })
})

snapshots('snapshots - no change, no snapshot', () => {
  const { out } = runVirtual({}, 10 * minute, () => {})
  assert.is(out.filter(([, m]) => m.type === SNAPSHOT_TYPE).length, 0)
})

snapshots('snapshots - the state restores into a new run without announcing the contacts again', () => {
  const contacts = [idIn(self, 0), idIn(self, 1), idIn(self, 2)].map((id, i): Contact => ({ id, host: '10.0.0.1', port: 7000 + i,
    lastSeen: 0 })
  )
  const first = runVirtual({}, 1 * minute, (ts, in$) => {
    ts.schedule(() => {
      for (const c of contacts) in$.next(seen(c.id, { host: c.host, port: c.port }))
    }, 1)
  })
  const snap = first.out.map(([, m]) => m).filter(m => m.type === SNAPSHOT_TYPE).pop() as unknown as { state: unknown }
  assert.ok(snap)
  const second = runVirtual({}, 1 * minute, (ts, in$) => {
    ts.schedule(() => in$.next({ type: 'routing.contacts', cid: 1 }), 10)
  }, { snapshot: snap.state })
  const reply = second.out.map(([, m]) => m).find(m => m.re === 1) as unknown as { contacts: Contact[] }
  assert.is(reply.contacts.length, 3)
  for (const c of contacts) assert.ok(reply.contacts.some(r => idsEqual(r.id, c.id) && r.port === c.port))
  assert.is(second.out.filter(([, m]) => m.type === 'routing.peer.added').length, 0)
})

snapshots('snapshots - hold the table\'s contact objects: an unchanged contact is one object in successive snapshots, no copy', () => {
  const a = idIn(self, 0)
  const run = runVirtual({}, 1 * minute, (ts, in$) => {
    ts.schedule(() => in$.next(seen(a)), 1)
    ts.schedule(() => in$.next(seen(idIn(self, 1))), 20 * second)
  })
  const states = run.out.map(([, m]) => m).filter(m => m.type === SNAPSHOT_TYPE)
    .map(m => (m as unknown as { state: { contacts: Contact[] } }).state)
  assert.is(states.length, 2)
  const first = states[0]?.contacts.find(c => idsEqual(c.id, a))
  assert.ok(first)
  assert.ok(states[1]?.contacts.find(c => idsEqual(c.id, a)) === first)
})

snapshots('snapshots - a malformed snapshot is ignored', () => {
  for (const bad of [null, 42, 'x', { contacts: 'no' }, { contacts: [{ id: 'x' }, null, 3] }]) {
    const run = runVirtual({}, 1000, (ts, in$) => {
      ts.schedule(() => in$.next({ type: 'routing.contacts', cid: 1 }), 10)
    }, { snapshot: bad })
    const reply = run.out.map(([, m]) => m).find(m => m.re === 1) as unknown as { contacts: Contact[] }
    assert.is(reply.contacts.length, 0, JSON.stringify(bad))
  }
})

snapshots.run()

const views = suite('routing view (virtual time)')

const viewsOf = (out: Array<[number, Message]>): Array<[number, RoutingView]> =>
  out.filter((e): e is [number, RoutingView] => e[1].type === 'routing.view')

views('view - one at the start; a change to the answers goes out at once, a burst as one more (within 20 ms); a heartbeat every 5 s',
  () => {
    const a = idIn(self, 0)
    const { out } = runVirtual({}, 12 * second, (ts, in$) => {
      ts.schedule(() => in$.next(seen(a, { port: 7001 })), 100)
      ts.schedule(() => in$.next(seen(idIn(self, 1), { port: 7002 })), 105)
      ts.schedule(() => in$.next(seen(idIn(self, 2), { port: 7003 })), 110)
      ts.schedule(() => in$.next(seen(a, { port: 7001 })), 3 * second) // a good contact seen again: answers unchanged
    })
    const got = viewsOf(out).map(([t, v]) => [t, v.contacts.length])
    assert.equal(got, [[0, 0], [100, 1], [120, 3], [5000, 3], [10000, 3]])
    assert.ok(viewsOf(out).every(([, v]) => idsEqual(v.self, self)))
  })

views('view - every contact that has not failed, with the ms it stays good; failed ones are left out', () => {
  const [a, b, c] = [idIn(self, 0), idIn(self, 1), idIn(self, 2)]
  const { out } = runVirtual({ goodWindow: 10 * second, viewHeartbeat: 4 * second, failAfterTimeouts: 1 }, 8 * second + 1, (ts, in$) => {
    ts.schedule(() => {
      in$.next(seen(a, { port: 7001 }))
      in$.next(seen(b, { port: 7002 }))
      in$.next(seen(c, { port: 7003 }))
    }, 1)
    ts.schedule(() => in$.next({ type: 'transport.failed', id: b, host: '127.0.0.1', port: 7002, reason: 'timeout' } as Message),
      2 * second)
  })
  const failedAt = viewsOf(out).find(([t]) => t >= 2 * second)!
  assert.is(failedAt[0], 2 * second, 'a failure goes out at once (the view before it was at 1 ms)')
  assert.is(failedAt[1].contacts.length, 2)
  const last = viewsOf(out).at(-1)!
  assert.is(last[0], 8 * second)
  const hex = (id: Uint8Array): string => Buffer.from(id).toString('hex')
  assert.equal(last[1].contacts.map(v => [hex(v.id), v.goodFor]).sort(),
    [[hex(a), 10 * second - (8 * second - 1)], [hex(c), 10 * second - (8 * second - 1)]].sort())
  assert.ok(last[1].contacts.every(isViewContact))
})

views('view - viewHeartbeat 0 publishes none', () => {
  const { out } = runVirtual({ viewHeartbeat: 0 }, 20 * second, (ts, in$) => {
    ts.schedule(() => in$.next(seen(idIn(self, 0))), 100)
  })
  assert.is(viewsOf(out).length, 0)
})

views.run()
