import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { firstValueFrom, map, take, toArray } from 'rxjs'
import { decodeNodes, idsEqual, randomId, randomIdWithPrefix, reply } from '@peerconnect/protocol'
import type { LivenessCheck, Message, RoutingContactsReply, RpcReply } from '@peerconnect/protocol'
import { createSupervisor, defineActor, silentLogger } from '@peerconnect/runtime'
import type { Supervisor } from '@peerconnect/runtime'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { parseRoutingFile, routing, routingFilePath } from '../src/index.js'

/** A stand-in liveness actor that declares every checked contact dead. */
const deadLiveness = defineActor<Record<string, never>>({
  name: 'liveness',
  consumes: ['liveness.check'],
  create: () => (in$) => in$.pipe(map((m: Message) => {
    const c = m as LivenessCheck
    return reply(m, { type: 'liveness.result', id: c.id, host: c.host, port: c.port, alive: false, via: null, rtt: null,
      checkedAt: Date.now() })
  }))
})

async function contacts (sup: Supervisor): Promise<RoutingContactsReply> {
  return await firstValueFrom(sup.ask({ type: 'routing.contacts' } as Message)) as RoutingContactsReply
}

const smoke = suite('routing worker')

smoke('worker - runs in a worker: learns contacts, answers find_node, saves the table on stop', withTimeout(30_000, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-routing-worker-'))
  const self = randomId()
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(routing({ id: self, dataDir: dir }), { host: 'worker' })
    const added = firstValueFrom(sup.messages$(['routing.peer.added']).pipe(take(3), toArray()))
    const ids = [randomId(), randomId(), randomId()]
    ids.forEach((id, i) => sup.publish({ type: 'transport.seen', id, host: '127.0.0.1', port: 7000 + i } as Message))
    assert.is((await added).length, 3)
    const table = await contacts(sup)
    assert.ok(idsEqual(table.self, self))
    assert.is(table.contacts.length, 3)
    const q = { type: 'rpc.find_node', method: 'find_node', from: { host: '10.0.0.1', port: 1 }, id: randomId(), args: { target: ids[0] },
      queryBytes: 92 }
    const r = await firstValueFrom(sup.ask(q as Message)) as RpcReply
    const nodes = decodeNodes(r.r.nodes) ?? []
    assert.is(nodes.length, 3)
    assert.ok(idsEqual(nodes[0]!.id, ids[0]!))
    const stats = sup.stats().find(s => s.name === 'routing')
    assert.is(stats?.host, 'worker')
  } finally {
    await sup.stop()
  }
  try {
    const saved = parseRoutingFile(readFileSync(routingFilePath(dir), 'utf8'))
    assert.ok(saved.ok, 'the worker saved the table as it stopped')
    if (saved.ok) assert.is(saved.contacts.length, 3)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}))

smoke('worker - a full bucket asks liveness through the supervisor and evicts a dead contact', withTimeout(30_000, async () => {
  const self = randomId()
  const sup = createSupervisor({ log: silentLogger })
  try {
    await sup.start(deadLiveness({}), { host: 'inline' })
    await sup.start(routing({ id: self, k: 1 }), { host: 'worker' })
    const removed = firstValueFrom(sup.messages$(['routing.peer.removed']).pipe(take(1)))
    const old = randomIdWithPrefix(self, 0)
    const newcomer = randomIdWithPrefix(self, 0)
    sup.publish({ type: 'transport.seen', id: old, host: '127.0.0.1', port: 7001 } as Message)
    await waitFor(async () => (await contacts(sup)).contacts.length === 1, { what: 'the first contact' })
    sup.publish({ type: 'transport.seen', id: newcomer, host: '127.0.0.1', port: 7002 } as Message)
    const r = await removed
    assert.is(r.reason, 'failed')
    assert.ok(idsEqual(r.contact.id, old))
    await waitFor(async () => {
      const t = await contacts(sup)
      return t.contacts.length === 1 && idsEqual(t.contacts[0]!.id, newcomer)
    }, { what: 'the newcomer admitted' })
  } finally {
    await sup.stop()
  }
}))

smoke.run()
