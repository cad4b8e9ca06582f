/** Merging a search's parts, in virtual time (rxjs TestScheduler marbles): dedupe, tags, complete vs bound, unsubscription. */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { TestScheduler } from 'rxjs/testing'
import type { RunHelpers } from 'rxjs/testing'
import type { Observable } from 'rxjs'
import { of, toArray, lastValueFrom } from 'rxjs'
import { generateIdentity } from '@peerconnect/protocol'
import type { PeerRecord } from '@peerconnect/protocol'
import { distinctHits, mergeHits, tagged } from '../../src/search/merge.js'
import type { Found, MergeEvent } from '../../src/search/merge.js'
import { recordOf } from '../fixtures.js'

const people = ['ada', 'bob', 'cyd', 'dee'].map(name => recordOf(generateIdentity(), { name }))
const [ada, bob, cyd, dee] = people as [PeerRecord, PeerRecord, PeerRecord, PeerRecord]
/** A second record of ada's id (a newer sequence): still the same peer. */
const adaAgain: PeerRecord = { ...ada, s: ada.s + 1 }

type Cold = Observable<Found> & { readonly subscriptions: Parameters<RunHelpers['expectSubscriptions']>[0] }

const REC: Record<string, PeerRecord> = { a: ada, b: bob, c: cyd, d: dee, A: adaAgain }

function scheduler (): TestScheduler {
  const ts = new TestScheduler((actual, expected) => assert.equal(actual, expected))
  current = ts
  return ts
}

/** The scheduler of the running test: the bound's timer runs in its virtual time. */
let current: TestScheduler

/** A part's marble: each letter a record of REC, tagged with `via`. */
function part (cold: RunHelpers['cold'], marble: string, via: Found['via']): Cold {
  const values = Object.fromEntries(Object.entries(REC).map(([k, record]) => [k, { record, via }]))
  return cold<Found>(marble, values)
}

/** Expected events: letters are hits of REC with the given source, C/B the end. */
function events (spec: Record<string, [keyof typeof REC, Found['via']] | 'complete' | 'bound'>): Record<string, MergeEvent> {
  return Object.fromEntries(
    Object.entries(spec).map(([k, v]) => [k, typeof v === 'string' ? { end: v } : { hit: { record: REC[v[0]]!, via: v[1] } }])
  )
}

const merge = suite('search merge - mergeHits')

merge('search merge - hits stream as they come, each peer once, the first part to find it wins', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const local = part(cold, 'a|', 'local')
    const lists = part(cold, '-b-A-c|', 'lists')
    const gossip = part(cold, '--a-b-d|', 'gossip')
    const out = mergeHits([local, lists, gossip], { bound: 100, scheduler: current })
    expectObservable(out).toBe('ab---cd(x|)',
      events({ a: ['a', 'local'], b: ['b', 'lists'], c: ['c', 'lists'], d: ['d', 'gossip'], x: 'complete' }))
  })
})

merge('search merge - every part ended before the bound: the end is `complete`, at once', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const out = mergeHits([part(cold, '-a|', 'lists'), part(cold, '---|', 'gossip')], { bound: 10, scheduler: current })
    expectObservable(out).toBe('-a-(x|)', events({ a: ['a', 'lists'], x: 'complete' }))
  })
})

merge('search merge - a part still running at the bound: the end is `bound`, at the bound, and the parts are unsubscribed', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const lists = cold<Found>('-a 7ms b|', { a: { record: ada, via: 'lists' }, b: { record: bob, via: 'lists' } })
    const gossip = cold<Found>('--c----------d|', { c: { record: cyd, via: 'gossip' }, d: { record: dee, via: 'gossip' } })
    const out = mergeHits([lists, gossip], { bound: 5, scheduler: current })
    expectObservable(out).toBe('-ac--(x|)', events({ a: ['a', 'lists'], c: ['c', 'gossip'], x: 'bound' }))
    expectSubscriptions(lists.subscriptions).toBe('^----!')
    expectSubscriptions(gossip.subscriptions).toBe('^----!')
  })
})

merge('search merge - a bound of 0 ends at once with nothing', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const out = mergeHits([part(cold, 'a|', 'local'), part(cold, '-b|', 'lists')], { bound: 0, scheduler: current })
    expectObservable(out).toBe('(x|)', events({ x: 'bound' }))
  })
})

merge('search merge - no parts (or only empty ones): `complete` at once', () => {
  scheduler().run(({ cold, expectObservable }) => {
    expectObservable(mergeHits([], { bound: 10, scheduler: current })).toBe('(x|)', events({ x: 'complete' }))
    expectObservable(mergeHits([cold<Found>('|')], { bound: 10, scheduler: current })).toBe('(x|)', events({ x: 'complete' }))
  })
})

merge('search merge - a part that errors fails the merge (callers catch their parts\' errors)', () => {
  scheduler().run(({ cold, expectObservable }) => {
    const out = mergeHits([part(cold, '-a#', 'lists')], { bound: 10, scheduler: current })
    expectObservable(out).toBe('-a#', events({ a: ['a', 'lists'] }))
  })
})

merge('search merge - unsubscribing early unsubscribes every part (a cancelled search stops its traffic)', () => {
  scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
    const lists = part(cold, '-a-----b|', 'lists')
    const gossip = part(cold, '----------c|', 'gossip')
    expectObservable(mergeHits([lists, gossip], { bound: 100, scheduler: current }), '^--!').toBe('-a-', events({ a: ['a', 'lists'] }))
    expectSubscriptions(lists.subscriptions).toBe('^--!')
    expectSubscriptions(gossip.subscriptions).toBe('^--!')
  })
})

merge.run()

const parts = suite('search merge - helpers')

parts('search merge - distinctHits lets the first hit of each id through, whatever the record\'s sequence or source', async () => {
  const hits: Found[] = [
    { record: ada, via: 'local' },
    { record: adaAgain, via: 'lists' },
    { record: bob, via: 'gossip' },
    { record: ada, via: 'gossip' },
    { record: cyd, via: 'lists' }
  ]
  const out = await lastValueFrom(of(...hits).pipe(distinctHits(), toArray()))
  assert.equal(out, [hits[0], hits[2], hits[4]])
})

parts('search merge - distinctHits keeps no state between subscriptions', async () => {
  const once = of<Found>({ record: ada, via: 'local' }).pipe(distinctHits())
  assert.is((await lastValueFrom(once.pipe(toArray()))).length, 1)
  assert.is((await lastValueFrom(once.pipe(toArray()))).length, 1)
})

parts('search merge - tagged marks every record with its source', async () => {
  const out = await lastValueFrom(tagged(of(ada, bob), 'gossip').pipe(toArray()))
  assert.equal(out, [{ record: ada, via: 'gossip' }, { record: bob, via: 'gossip' }])
})

parts.run()
