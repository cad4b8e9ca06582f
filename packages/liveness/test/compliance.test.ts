// The shared actor compliance suite (@peerconnect/test-helpers/actor) against the real liveness actor.
import { actorCompliance } from '@peerconnect/test-helpers/actor'
import { liveness } from '../src/index.js'

const peer = { id: new Uint8Array(20).fill(7), host: '127.0.0.1', port: 9 }

actorCompliance({
  // No TCP fallback: without a transport the ping fails at once and the check answers alive: false.
  spec: () => liveness({ tcp: false }),
  request: { type: 'liveness.check', ...peer },
  // A check waits on the transport's ping: cancelling the check cancels the ping.
  cancel: { request: { type: 'liveness.check', ...peer, port: 10 }, holds: 'transport.query' },
  worker: true
})
