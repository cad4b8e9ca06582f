// The shared actor compliance suite (@peerconnect/test-helpers/actor) against the real ui-bridge
// actor: its server listens on a free port of 127.0.0.1 and must be closed (no socket left) at stop.
import * as assert from 'uvu/assert'
import { lastValueFrom } from 'rxjs'
import type { Message } from '@peerconnect/protocol'
import type { Supervisor } from '@peerconnect/runtime'
import { actorCompliance } from '@peerconnect/test-helpers/actor'
import { uiBridge } from '../src/index.js'

const urlOf = async (sup: Supervisor): Promise<string> =>
  ((await lastValueFrom(sup.ask({ type: 'ui.info' } as Message))) as Message & { url: string }).url

actorCompliance({
  spec: () => uiBridge({ name: 'compliance', host: '127.0.0.1', port: 0, processMetrics: false }),
  // ui.info waits for the server to listen, then answers its URL.
  request: { type: 'ui.info' },
  // Started on port 0, it keeps the port it got in its snapshot and listens there again after a restart.
  snapshot: {
    prepare: async (sup) => {
      await urlOf(sup)
    },
    verify: async (sup, state) => {
      assert.is(Number(new URL(await urlOf(sup)).port), (state as { port: number }).port)
    }
  },
  worker: true
})
