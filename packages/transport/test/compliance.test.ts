// The shared actor compliance suite (@peerconnect/test-helpers/actor) against the real transport actor.
import { actorCompliance } from '@peerconnect/test-helpers/actor'
import { transport } from '../src/index.js'

actorCompliance({
  // A loopback socket on a free port, no TCP listener.
  spec: () => transport({ id: new Uint8Array(20).fill(1), host: '127.0.0.1', port: 0, tcp: false }),
  // transport.info is answered once the socket is bound (no asks).
  request: { type: 'transport.info' },
  worker: true
})
