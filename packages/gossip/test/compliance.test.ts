// The shared actor compliance suite (@peerconnect/test-helpers/actor) against the real gossip actor.
import { of } from 'rxjs'
import { reply } from '@peerconnect/protocol'
import { actorCompliance } from '@peerconnect/test-helpers/actor'
import { gossip } from '../src/index.js'

const self = new Uint8Array(20).fill(1)

actorCompliance({
  spec: () => gossip({ id: self }),
  request: { type: 'gossip.stats' },
  // A search first asks the transport for our address: held, and cancelling the search cancels that ask.
  peers: { 'routing.contacts': (m) => of(reply(m, { type: 'routing.contacts.reply', self, contacts: [], buckets: [] })) },
  cancel: { request: { type: 'gossip.search', q: 'ada' }, holds: 'transport.info' },
  worker: true
})
