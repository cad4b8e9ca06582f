// The shared actor compliance suite (@peerconnect/test-helpers/actor) against the real lists actor.
import * as assert from 'uvu/assert'
import { lastValueFrom, of, throwError } from 'rxjs'
import { generateIdentity, isListsSelfReply, reply } from '@peerconnect/protocol'
import type { Message } from '@peerconnect/protocol'
import type { Supervisor } from '@peerconnect/runtime'
import { actorCompliance } from '@peerconnect/test-helpers/actor'
import { waitFor } from '@peerconnect/test-helpers'
import { lists } from '../src/index.js'
import type { ListsState } from '../src/index.js'

const identity = generateIdentity()
/**
 * Whether the transport stand-in tells our address. The suite checks that the host kept the
 * snapshot across a crash by comparing it with the restarted actor's: a lists actor that knows
 * its address makes a record (and a snapshot) as soon as it starts, so the address is told only
 * while a check wants a record.
 */
let telling = false

/** Our record's sequence, once the actor has one. */
async function seqOf (sup: Supervisor): Promise<number> {
  let seq: number | undefined
  await waitFor(async () => {
    const r = await lastValueFrom(sup.ask({ type: 'lists.self' } as Message)).catch(() => undefined)
    seq = r !== undefined && isListsSelfReply(r) ? r.record.s : undefined
    return seq !== undefined
  }, { what: 'our record' })
  return seq ?? -1
}

actorCompliance({
  spec: () => lists({ identity, name: 'ada' }),
  request: { type: 'lists.stats' },
  // The transport tells our address when asked to (the announcer makes our record from it); lookups and queries fail at once (no consumer).
  peers: {
    'transport.info': (m) =>
      telling
        ? of(reply(m, { type: 'transport.info.reply', id: identity.id, udp: { host: '127.0.0.1', port: 9 }, stats: {} }))
        : throwError(() => Object.assign(new Error('no address yet'), { code: 'ERR_NO_ADDRESS' }))
  },
  // A page waits on the crawler's lookups of the first lists' holders: cancelling the page cancels them.
  cancel: { request: { type: 'lists.page', limit: 10 }, holds: 'crawler.lookup' },
  snapshot: {
    // A new name makes a new record at once, and its snapshot (name and sequence).
    prepare: async (sup) => {
      telling = true
      try {
        await sup.control('lists').configure({ name: 'renamed' })
        await waitFor(async () => (await sup.control('lists').snapshot()) !== undefined, { what: 'a snapshot' })
      } finally {
        telling = false
      }
    },
    // The restarted actor took its sequence back: its next record is one past the snapshot's, not a fresh count.
    verify: async (sup, state) => {
      const kept = state as ListsState
      assert.is(kept.name, 'renamed')
      telling = true
      try {
        await sup.control('lists').configure({ name: 'again' })
        assert.is(await seqOf(sup), kept.seq + 1)
      } finally {
        telling = false
      }
    }
  },
  worker: true
})
