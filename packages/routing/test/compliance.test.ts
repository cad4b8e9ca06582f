// The shared actor compliance suite (@peerconnect/test-helpers/actor) against the real routing actor.
import { actorCompliance } from '@peerconnect/test-helpers/actor'
import { routing } from '../src/index.js'

actorCompliance({
  spec: () => routing({ id: new Uint8Array(20).fill(1) }),
  // routing.contacts is answered from the table alone (no asks).
  request: { type: 'routing.contacts' },
  worker: true
})
