import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { NEVER, Observable, of } from 'rxjs'
import { createRecord, generateIdentity, isTransportQuery, recordToWire, reply } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import { withTimeout } from '@peerconnect/test-helpers'
import { createNameBook } from '../src/names.js'
import { NAME_RETRY, NAME_TTL, RECORD_QUERY_PAD } from '../src/constants.js'
import { askError, fakeClock, fakeNode, fakePeer } from './node-fakes.js'
import type { FakePeer } from './node-fakes.js'

const T = 5000
const target = (p: FakePeer): { id: Uint8Array, host: string, port: number } => ({ id: p.id, host: '127.0.0.1', port: p.contact.port })

const verified = suite('names - verified records')

verified('names - a peer\'s name comes from its verified pc_record answer', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada] })
  const book = createNameBook({ ask: node.ask, now: Date.now })
  assert.is(await book.resolve(target(ada), ada.hex), 'ada')
  assert.is(book.known(ada.hex), 'ada')
  assert.equal(book.counters, { queries: 1, verified: 1, none: 0, rejected: 0, failed: 0 })
}))

verified('names - the query is a padded pc_record to the peer\'s address (an unproven querier must pad)', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada] })
  const book = createNameBook({ ask: node.ask, now: Date.now, timeout: 1234 })
  await book.resolve(target(ada), ada.hex)
  const [q] = node.asks('transport.query')
  assert.ok(isTransportQuery(q))
  assert.equal([q.q, q.to, q.timeout], ['pc_record', { host: '127.0.0.1', port: 4000 }, 1234])
  assert.ok(q.a.pad instanceof Uint8Array && q.a.pad.length === RECORD_QUERY_PAD)
}))

verified('names - a record of another id is not believed: the name stays empty', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const mallory = fakePeer('ada-but-not', 4000)
  const node = fakeNode({ peers: [mallory] })
  const book = createNameBook({ ask: node.ask, now: Date.now })
  assert.is(await book.resolve(target(ada), ada.hex), '')
  assert.is(book.counters.rejected, 1)
}))

verified('names - a record with a bad signature is not believed', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const forged = { ...recordToWire(ada.record), n: new TextEncoder().encode('admin') }
  const ask = (m: Message): Observable<Message> =>
    of(
      reply(m, { type: 'transport.response', from: { host: '127.0.0.1', port: 4000 }, id: ada.id, r: { id: ada.id, record: forged }, rtt: 1,
        bytes: 300 })
    )
  const book = createNameBook({ ask, now: Date.now })
  assert.is(await book.resolve(target(ada), ada.hex), '')
  assert.is(book.counters.rejected, 1)
}))

verified('names - a malformed record (not a record at all) gives an empty name, never a throw', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const ask = (m: Message): Observable<Message> =>
    of(
      reply(m, { type: 'transport.response', from: { host: '127.0.0.1', port: 4000 }, id: ada.id, r: { id: ada.id, record: 'nope' }, rtt: 1,
        bytes: 30 })
    )
  const book = createNameBook({ ask, now: Date.now })
  assert.is(await book.resolve(target(ada), ada.hex), '')
}))

verified('names - a name with markup is kept as text (the page renders it as text)', withTimeout(T, async () => {
  const hostile = fakePeer('<img src=x onerror="window.__pwned=1">', 4000)
  const node = fakeNode({ peers: [hostile] })
  const book = createNameBook({ ask: node.ask, now: Date.now })
  assert.is(await book.resolve(target(hostile), hostile.hex), '<img src=x onerror="window.__pwned=1">')
}))

verified.run()

const failures = suite('names - nodes without records, silence, retries')

failures('names - a node that does not know pc_record (204, a plain BEP 5 node) keeps an empty name, and is not asked again',
  withTimeout(T, async () => {
    const bep5 = fakePeer('x', 4000)
    const node = fakeNode()
    const book = createNameBook({ ask: node.ask, now: Date.now })
    assert.is(await book.resolve(target(bep5), bep5.hex), '')
    assert.is(await book.resolve(target(bep5), bep5.hex), '')
    assert.is(node.asks('transport.query').length, 1)
    assert.is(book.counters.none, 1)
  }))

failures(
  'names - a node the transport knows speaks BEP 5 only (ERR_RPC_UNSUPPORTED: nothing sent) keeps an empty name, and is not asked again',
  withTimeout(T, async () => {
    const bep5 = fakePeer('x', 4000)
    const node = fakeNode()
    node.answers.set('transport.query', () => askError('ERR_RPC_UNSUPPORTED', '127.0.0.1:4000 speaks BEP 5 only'))
    const book = createNameBook({ ask: node.ask, now: Date.now })
    assert.is(await book.resolve(target(bep5), bep5.hex), '')
    assert.is(await book.resolve(target(bep5), bep5.hex), '')
    assert.is(node.asks('transport.query').length, 1)
    assert.is(book.counters.none, 1)
    assert.is(book.counters.failed, 0)
  })
)

failures('names - a silent node gives undefined, is not asked again within NAME_RETRY, and is after it', withTimeout(T, async () => {
  const clock = fakeClock()
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada], clock })
  node.silent.add(4000)
  const book = createNameBook({ ask: node.ask, now: clock.now })
  assert.is(await book.resolve(target(ada), ada.hex), undefined)
  assert.is(book.known(ada.hex), undefined)
  clock.advance(NAME_RETRY - 1)
  assert.is(await book.resolve(target(ada), ada.hex), undefined)
  assert.is(node.asks('transport.query').length, 1)
  node.silent.delete(4000)
  clock.advance(1)
  assert.is(await book.resolve(target(ada), ada.hex), 'ada')
  assert.is(node.asks('transport.query').length, 2)
  assert.is(book.counters.failed, 1)
}))

failures('names - another KRPC error (202: the node has no record yet) is retried later too', withTimeout(T, async () => {
  const clock = fakeClock()
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada], clock })
  node.answers.set('transport.query', () => askError('ERR_RPC_REMOTE', '202 server error'))
  const book = createNameBook({ ask: node.ask, now: clock.now })
  assert.is(await book.resolve(target(ada), ada.hex), undefined)
  node.answers.delete('transport.query')
  clock.advance(NAME_RETRY)
  assert.is(await book.resolve(target(ada), ada.hex), 'ada')
}))

failures('names - a known name is asked again after NAME_TTL (peers rename)', withTimeout(T, async () => {
  const clock = fakeClock()
  const identity = generateIdentity()
  const node = fakeNode({ clock })
  const peer = { ...fakePeer('old', 4000), id: identity.id, hex: Buffer.from(identity.id).toString('hex') }
  node.peers.set(4000, { ...peer, record: createRecord(identity, { name: 'old', host: '127.0.0.1', port: 4000, seq: 1 }) })
  const book = createNameBook({ ask: node.ask, now: clock.now })
  assert.is(await book.resolve(target(peer), peer.hex), 'old')
  node.peers.set(4000, { ...peer, record: createRecord(identity, { name: 'new', host: '127.0.0.1', port: 4000, seq: 2 }) })
  clock.advance(NAME_TTL - 1)
  assert.is(await book.resolve(target(peer), peer.hex), 'old')
  clock.advance(1)
  assert.is(book.known(peer.hex), undefined, 'expired')
  assert.is(await book.resolve(target(peer), peer.hex), 'new')
}))

failures.run()

const sharing = suite('names - sharing, limits, learning, closing')

sharing('names - resolves of one id while its query runs share it', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const node = fakeNode({ peers: [ada] })
  const book = createNameBook({ ask: node.ask, now: Date.now })
  const all = await Promise.all([book.resolve(target(ada), ada.hex), book.resolve(target(ada), ada.hex),
    book.resolve(target(ada), ada.hex)])
  assert.equal(all, ['ada', 'ada', 'ada'])
  assert.is(node.asks('transport.query').length, 1)
}))

sharing('names - at most `concurrency` queries run at once; the rest wait their turn', withTimeout(T, async () => {
  const peers = Array.from({ length: 6 }, (_, i) => fakePeer(`p${i}`, 4000 + i))
  let running = 0
  let most = 0
  const ask = (m: Message): Observable<Message> => new Observable<Message>(sub => {
    running++
    most = Math.max(most, running)
    const port = (m as Message & { to: { port: number } }).to.port
    const peer = peers[port - 4000]!
    const t = setTimeout(() => {
      running--
      sub.next(
        reply(m, { type: 'transport.response', from: { host: '127.0.0.1', port }, id: peer.id,
          r: { id: peer.id, record: recordToWire(peer.record) }, rtt: 1, bytes: 300 })
      )
      sub.complete()
    }, 5)
    return () => clearTimeout(t)
  })
  const book = createNameBook({ ask, now: Date.now, concurrency: 2 })
  const names = await Promise.all(peers.map(p => book.resolve(target(p), p.hex)))
  assert.equal(names, peers.map(p => p.name))
  assert.is(most, 2)
}))

sharing('names - learn() fills the book without a query; the oldest entries go past `max`', withTimeout(T, async () => {
  const node = fakeNode()
  const book = createNameBook({ ask: node.ask, now: Date.now, max: 2 })
  const [a, b, c] = [fakePeer('a', 1), fakePeer('b', 2), fakePeer('c', 3)]
  book.learn(a.hex, a.record)
  book.learn(b.hex, b.record)
  assert.is(await book.resolve(target(a), a.hex), 'a')
  assert.equal(book.sizes(), { entries: 2, inFlight: 0 })
  book.learn(c.hex, c.record)
  assert.equal([book.known(a.hex), book.known(b.hex), book.known(c.hex)], [undefined, 'b', 'c'])
  assert.equal(book.sizes(), { entries: 2, inFlight: 0 }, 'never more than max')
  assert.is(node.asked.length, 0)
  assert.is(book.record(c.hex), c.record)
}))

sharing('names - the newer record wins; a failed query keeps the record, a 204 forgets it', withTimeout(T, async () => {
  let now = 1_000
  const ada = fakePeer('ada', 4100)
  const renamed = createRecord(ada.identity, { name: 'ada-2', host: '127.0.0.1', port: 4100, seq: 2 })
  let answer: 'timeout' | '204' = 'timeout'
  const ask = (): Observable<Message> =>
    answer === 'timeout'
      ? askError('ERR_RPC_TIMEOUT')
      : askError('ERR_RPC_REMOTE', '204 Method Unknown')
  const book = createNameBook({ ask, now: () => now, retry: 10 })
  book.learn(ada.hex, renamed)
  book.learn(ada.hex, ada.record)
  assert.is(book.known(ada.hex), 'ada-2')
  assert.is(book.record(ada.hex)?.s, 2)
  now += NAME_TTL
  assert.is(await book.resolve(target(ada), ada.hex), undefined)
  assert.is(book.record(ada.hex)?.s, 2, 'no answer: the record it had stays for the details view')
  now += 10
  answer = '204'
  assert.is(await book.resolve(target(ada), ada.hex), '')
  assert.is(book.record(ada.hex), undefined)
}))

sharing('names - close() cancels the queries in flight (they resolve undefined) and later resolves ask nothing',
  withTimeout(T, async () => {
    const ada = fakePeer('ada', 4000)
    let unsubscribed = 0
    let asked = 0
    const ask = (): Observable<Message> => new Observable<Message>(() => {
      asked++
      return () => {
        unsubscribed++
      }
    })
    const book = createNameBook({ ask, now: Date.now })
    const pending = book.resolve(target(ada), ada.hex)
    book.close()
    assert.is(await pending, undefined)
    assert.is(unsubscribed, 1)
    assert.is(await book.resolve(target(ada), ada.hex), undefined)
    assert.is(asked, 1)
    assert.is(book.counters.failed, 0, 'a cancelled query is not a failure')
  }))

sharing('names - an ask that never answers is bounded by the ask timeout it is given', withTimeout(T, async () => {
  const ada = fakePeer('ada', 4000)
  const timeouts: Array<number | undefined> = []
  const book = createNameBook({
    ask: (_m, o) => {
      timeouts.push(o?.timeout)
      return NEVER
    },
    now: Date.now,
    timeout: 500
  })
  void book.resolve(target(ada), ada.hex)
  assert.equal(timeouts, [1500], 'the ask gets the query timeout plus a second')
  book.close()
}))

sharing.run()
