import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { threadId } from 'node:worker_threads'
import { firstValueFrom, last, map, mergeMap, of } from 'rxjs'
import { generateIdentity, idsEqual, isListsPageReply, isListsSelfReply, isListsStatsReply, isRpcReply, reply,
  verifyRecord } from '@peerconnect/protocol'
import type { Message, NodeId, TransportQuery } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import { rejects, waitFor, withTimeout } from '@peerconnect/test-helpers'
import { lists } from '../src/index.js'

const me = generateIdentity()
const UDP = { host: '127.0.0.1', port: 7777 }

/** Inline stand-ins: a transport that knows our address and answers nothing else, and a crawler that finds nobody. */
const fakeTransport = defineActor<null>({
  name: 'transport',
  consumes: ['transport.info', 'transport.query'],
  create: () => in$ => in$.pipe(mergeMap((m: Message) => {
    if (m.type === 'transport.info') return of(reply(m, { type: 'transport.info.reply', id: me.id, udp: UDP, stats: {} }))
    const q = m as TransportQuery
    return of(
      { type: 'error', re: m.cid ?? -1, end: true,
        error: { name: 'RpcTimeoutError', code: 'ERR_RPC_TIMEOUT', message: `no reply from ${q.to.host}` } } as Message
    )
  }))
})

const fakeCrawler = defineActor<null>({
  name: 'crawler',
  consumes: ['crawler.lookup'],
  create: () => in$ =>
    in$.pipe(
      map((m: Message) =>
        reply(m, { type: 'crawler.result', target: (m as Message & { target: NodeId }).target, closest: [], found: null, queries: 0,
          bytes: 0, ms: 0 })
      )
    )
})

const smoke = suite('lists worker')

smoke('worker - the actor runs in a worker thread: record, stats, rpc and directory through the supervisor',
  withTimeout(30_000, async () => {
    const sup = createSupervisor({ log: silentLogger })
    try {
      await sup.start(fakeTransport(null), { host: 'inline' })
      await sup.start(fakeCrawler(null), { host: 'inline' })
      await sup.start(lists({ identity: me, name: 'worker node', announceInterval: 60_000 }), { host: 'worker' })
      const self = await waitFor(async () => {
        const r = await firstValueFrom(sup.ask({ type: 'lists.self' } as Message)).catch(() => undefined)
        return r !== undefined && isListsSelfReply(r) ? r : undefined
      }, { timeout: 10_000, what: 'our record' })
      assert.ok(verifyRecord(self.record).ok, 'the record crossed the thread intact (Uint8Arrays)')
      assert.is(self.record.n, 'worker node')
      assert.equal(self.record.a, new Uint8Array([127, 0, 0, 1, 7777 >> 8, 7777 & 0xff]))

      const other = generateIdentity()
      const asked = await firstValueFrom(
        sup.ask(
          { type: 'rpc.pc_list', method: 'pc_list', from: { host: '10.0.0.2', port: 5 }, id: other.id, args: { id: other.id, list: 3 },
            queryBytes: 90 } as Message
        )
      )
      assert.ok(isRpcReply(asked) && (asked.r.token as Uint8Array).length === 8)

      const page = await firstValueFrom(sup.ask({ type: 'lists.page', limit: 10 } as Message, { timeout: 10_000 }).pipe(last()))
      assert.ok(isListsPageReply(page))
      if (isListsPageReply(page)) {
        assert.equal(page.peers.map(p => idsEqual(p.record.id, me.id)), [true], 'with no other holders, it holds and lists its own record')
        assert.is(page.next, null)
      }
      const stats = await firstValueFrom(sup.ask({ type: 'lists.stats' } as Message))
      assert.ok(isListsStatsReply(stats) && stats.records === 1 && stats.held === 1)
      await rejects(firstValueFrom(sup.ask({ type: 'lists.page', limit: 5, cursor: '%%%' } as Message)), 'ERR_BAD_CURSOR')
      const s = sup.stats().find(x => x.name === 'lists')
      assert.is(s?.host, 'worker')
      assert.ok(s !== undefined && s.threadId !== threadId)
    } finally {
      await sup.stop()
    }
  }))

smoke.run()
