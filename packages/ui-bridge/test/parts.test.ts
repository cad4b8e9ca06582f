import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { NEVER, Observable, Subject, of, throwError } from 'rxjs'
import { createRecord, generateIdentity, isTransportInfoReply, isUiInfo, isUiInfoReply, isUiReady, randomId } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import { rejects, withTimeout } from '@peerconnect/test-helpers'
import { askFor } from '../src/ask.js'
import { toAsyncIterable } from '../src/async-iterable.js'
import { settingsOf } from '../src/init.js'
import { snake } from '../src/node-metrics.js'
import { contactPeer, directoryPeer, formatAddress, recordPeer } from '../src/to-peer.js'
import { CHECK_INTERVAL, STALE_AFTER } from '../src/constants.js'
import { sha256Fingerprint } from './node-fakes.js'

const catalogue = suite('parts - the ui catalogue')

catalogue('catalogue - ui.ready / ui.info / ui.info.reply guards accept the real shapes', () => {
  assert.ok(isUiReady({ type: 'ui.ready', url: 'http://127.0.0.1:7070' }))
  assert.ok(isUiInfo({ type: 'ui.info', cid: 3 }))
  assert.ok(isUiInfoReply({ type: 'ui.info.reply', re: 3, end: true, url: 'https://[::1]:8443' }))
})

catalogue('catalogue - and refuse everything else, never throwing', () => {
  for (const x of [
    null,
    undefined,
    7,
    'ui.ready',
    {},
    { type: 'ui.ready' },
    { type: 'ui.ready', url: 42 },
    { type: 'ui.ready', url: 'ftp://x' },
    { type: 'ui.ready', url: 'http://a b' },
    { type: 'ui.ready', url: 'http://' + 'x'.repeat(400) },
    { type: 'ui.info.reply', url: '' },
    { type: 'ui.info.reply' },
    { type: 'ui.info.other', url: 'http://x' }
  ]) {
    assert.not.ok(isUiReady(x) || isUiInfoReply(x), JSON.stringify(x))
  }
  assert.not.ok(isUiInfo({ type: 'ui.ready' }))
  assert.not.ok(isUiInfo(null))
})

catalogue.run()

const peers = suite('parts - peers from contacts, records and directory entries')

peers('to-peer - formatAddress brackets IPv6 only', () => {
  assert.is(formatAddress('10.0.0.1', 1), '10.0.0.1:1')
  assert.is(formatAddress('::1', 6881), '[::1]:6881')
})

peers('to-peer - a contact with a name; online unless told', () => {
  const id = randomId()
  const p = contactPeer({ id, host: '127.0.0.1', port: 9, lastSeen: 5 }, { name: 'ada' })
  assert.equal(p, { id: Buffer.from(id).toString('hex'), name: 'ada', address: '127.0.0.1:9', status: 'online', lastSeen: 5 })
  assert.is(contactPeer({ id, host: '::1', port: 9, lastSeen: 5 }, { name: '', status: 'offline' }).status, 'offline')
})

peers('to-peer - a record: name, id and the address from its compact form; a bad address gives undefined', () => {
  const identity = generateIdentity()
  const record = createRecord(identity, { name: 'grace', host: '192.168.1.20', port: 7000, seq: 3 })
  assert.equal(recordPeer(record, { lastSeen: 9 }), { id: Buffer.from(identity.id).toString('hex'), name: 'grace',
    address: '192.168.1.20:7000', status: 'online', lastSeen: 9, key: sha256Fingerprint(record.k) })
  assert.is(recordPeer({ ...record, a: new Uint8Array(3) }, { lastSeen: 9 }), undefined)
  const natted = createRecord(identity, { name: 'grace', host: '10.231.0.200', port: 7000, seq: 4, readOnly: true })
  assert.is(recordPeer(natted, { lastSeen: 9 })?.behindNat, true, 'a read-only record: behind NAT')
  assert.not.ok('behindNat' in recordPeer(record, { lastSeen: 9 })!)
})

peers('to-peer - a directory entry: online, last seen at its announce, unless the live list knows better', () => {
  const record = createRecord(generateIdentity(), { name: 'x', host: '127.0.0.1', port: 1, seq: 1 })
  assert.equal([directoryPeer({ record, list: 0, seenAt: 100 }, undefined)?.status,
    directoryPeer({ record, list: 0, seenAt: 100 }, undefined)?.lastSeen], ['online', 100])
  const live = { id: '', name: 'x', address: '', status: 'offline' as const, lastSeen: 300 }
  const p = directoryPeer({ record, list: 0, seenAt: 100 }, live)
  assert.equal([p?.status, p?.lastSeen], ['offline', 300])
})

peers.run()

const asking = suite('parts - askFor')

asking('askFor - resolves with the last reply when it passes the guard', withTimeout(2000, async () => {
  const info = { type: 'transport.info.reply', re: 1, end: true, id: randomId(), udp: { host: '127.0.0.1', port: 1 }, stats: {} }
  const got = await askFor(() => of({ type: 'x', re: 1, end: false } as Message, info as Message), { type: 'transport.info' }, {
    guard: isTransportInfoReply,
    timeout: 100
  })
  assert.is(got, info)
}))

asking('askFor - passes the timeout on; the ask\'s error rejects with its code', withTimeout(2000, async () => {
  const seen: Array<number | undefined> = []
  const p = askFor((_m, o) => {
    seen.push(o?.timeout)
    return throwError(() => Object.assign(new Error('x'), { code: 'ERR_ASK_TIMEOUT' }))
  }, { type: 'a' }, { guard: isUiReady, timeout: 1234 })
  await rejects(p, 'ERR_ASK_TIMEOUT')
  assert.equal(seen, [1234])
}))

asking('askFor - a reply that fails the guard, or no reply, is ERR_UNEXPECTED_REPLY', withTimeout(2000, async () => {
  await rejects(askFor(() => of({ type: 'wrong', re: 1, end: true } as Message), { type: 'a' }, { guard: isUiReady, timeout: 100 }),
    'ERR_UNEXPECTED_REPLY')
  await rejects(askFor(() => of(), { type: 'a' }, { guard: isUiReady, timeout: 100 }), 'ERR_UNEXPECTED_REPLY')
}))

asking('askFor - aborting unsubscribes and rejects ERR_ABORTED; an already aborted signal asks nothing', withTimeout(2000, async () => {
  let unsubscribed = false
  let asked = 0
  const ask = (): Observable<Message> =>
    new Observable<Message>(() => {
      asked++
      return () => {
        unsubscribed = true
      }
    })
  const controller = new AbortController()
  const p = askFor(ask, { type: 'a' }, { guard: isUiReady, timeout: 100, signal: controller.signal })
  controller.abort()
  await rejects(p, 'ERR_ABORTED')
  assert.ok(unsubscribed)
  await rejects(askFor(ask, { type: 'a' }, { guard: isUiReady, timeout: 100, signal: controller.signal }), 'ERR_ABORTED')
  assert.is(asked, 1)
}))

asking.run()

const iterable = suite('parts - Observable as AsyncIterable')

iterable('iterable - values in order, then done; values that arrive before they are read are kept', withTimeout(2000, async () => {
  const got: number[] = []
  for await (const v of toAsyncIterable(of(1, 2, 3))) got.push(v)
  assert.equal(got, [1, 2, 3])
}))

iterable('iterable - an error before the first value is thrown by the first next()', withTimeout(2000, async () => {
  const it = toAsyncIterable(throwError(() => Object.assign(new Error('no'), { code: 'ERR_NO_CONSUMER' })))[Symbol.asyncIterator]()
  await rejects(it.next(), 'ERR_NO_CONSUMER')
}))

iterable('iterable - values pushed later wake the reader; leaving the loop early unsubscribes', withTimeout(2000, async () => {
  const source = new Subject<number>()
  let unsubscribed = false
  const tracked = new Observable<number>(sub => {
    const inner = source.subscribe(sub)
    return () => {
      unsubscribed = true
      inner.unsubscribe()
    }
  })
  const got: number[] = []
  const reading = (async () => {
    for await (const v of toAsyncIterable(tracked)) {
      got.push(v)
      if (v === 2) break
    }
  })()
  setTimeout(() => {
    source.next(1)
    source.next(2)
    source.next(3)
  }, 5)
  await reading
  assert.equal(got, [1, 2])
  assert.ok(unsubscribed)
}))

iterable('iterable - the signal ends the iteration and unsubscribes', withTimeout(2000, async () => {
  const controller = new AbortController()
  let unsubscribed = false
  const it = toAsyncIterable(new Observable<number>(() => () => {
    unsubscribed = true
  }), controller.signal)[Symbol.asyncIterator]()
  const next = it.next()
  controller.abort()
  assert.equal(await next, { value: undefined, done: true })
  assert.ok(unsubscribed)
  const ended = toAsyncIterable(NEVER, controller.signal)[Symbol.asyncIterator]()
  assert.equal(await ended.next(), { value: undefined, done: true }, 'an already aborted signal ends at once')
}))

iterable.run()

const misc = suite('parts - settings and names of metrics')

misc('settings - defaults, and bad numbers fall back to them', () => {
  const s = settingsOf({ name: 'x' })
  assert.equal([s.host, s.port, s.token, s.checkInterval, s.staleAfter, s.processMetrics], ['127.0.0.1', 0, undefined, CHECK_INTERVAL,
    STALE_AFTER, true])
  const bad = settingsOf({ name: 'x', checkInterval: -1, staleAfter: Number.NaN, maxChecks: 0, processMetrics: false })
  assert.equal([bad.checkInterval, bad.staleAfter, bad.maxChecks > 0, bad.processMetrics], [CHECK_INTERVAL, STALE_AFTER, true, false])
  assert.is(settingsOf({ name: 42 as unknown as string }).name, '')
})

misc('snake - camelCase counter names become snake_case', () => {
  assert.equal(['queriesSent', 'droppedRateLimited', 'sent', 'rttContacts', 'hitsReceived'].map(snake), ['queries_sent',
    'dropped_rate_limited', 'sent', 'rtt_contacts', 'hits_received'])
})

misc.run()
