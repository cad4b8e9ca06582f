// The shared actor compliance suite (@peerconnect/test-helpers/actor) against the real crawler actor.
import { of } from 'rxjs'
import { reply } from '@peerconnect/protocol'
import type { Contact } from '@peerconnect/protocol'
import { actorCompliance } from '@peerconnect/test-helpers/actor'
import { crawler } from '../src/index.js'

const seed: Contact = { id: new Uint8Array(20).fill(9), host: '127.0.0.1', port: 9, lastSeen: 0 }

actorCompliance({
  spec: () => crawler({ id: new Uint8Array(20).fill(1) }),
  request: { type: 'crawler.stats' },
  // Routing gives one seed; the lookup's find_node to it is held: cancelling the lookup cancels the query.
  peers: { 'routing.closest': (m) => of(reply(m, { type: 'routing.closest.reply', contacts: [seed] })) },
  cancel: { request: { type: 'crawler.lookup', target: new Uint8Array(20).fill(3) }, holds: 'transport.query' },
  worker: true
})
