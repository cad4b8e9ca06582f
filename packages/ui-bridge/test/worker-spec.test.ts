/**
 * `@peerconnect/ui-bridge/worker-spec`: the spec a node's main thread starts the ui-bridge on a
 * worker thread with, without loading the server. It must stay the spec `uiBridge(init)` makes,
 * and stay free of run-time imports (its point).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readFileSync } from 'node:fs'
import { uiBridge } from '../src/index.js'
import { UI_WORKER_CONSUMES, uiBridgeWorker } from '../src/worker-spec.js'

const spec = suite('ui-bridge worker spec')

spec('worker-spec - the same name, message types, worker module, init and probe as uiBridge(init)', () => {
  const init = { name: 'n1', host: '127.0.0.1', port: 0, checkInterval: 5_000 }
  const full = uiBridge(init)
  const light = uiBridgeWorker(init)
  assert.is(light.name, full.name)
  assert.equal([...light.consumes].sort(), [...full.consumes].sort())
  assert.equal([...UI_WORKER_CONSUMES].sort(), [...full.consumes].sort())
  assert.is(String(light.worker), String(full.worker))
  assert.equal(light.init, full.init)
  assert.is(light.probe, full.probe)
})

spec('worker-spec - its run throws: it is for the worker host only', () => {
  assert.throws(() => uiBridgeWorker({ name: 'n1' }).run(undefined as never, undefined as never), /worker thread only/)
})

spec('worker-spec - it imports types only (nothing is loaded at run time)', () => {
  const text = readFileSync(new URL('../src/worker-spec.ts', import.meta.url), 'utf8')
  const imports = text.split('\n').filter(l => /^import\s/.test(l))
  assert.ok(imports.length > 0)
  assert.equal(imports.filter(l => !/^import type\s/.test(l)), [])
})

spec.run()
