import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { packageFile, resolveWorkerEntry, typeScriptSource } from '../src/worker-entry.js'

const dir = mkdtempSync(join(tmpdir(), 'pc-entry-'))
const file = (name: string): URL => pathToFileURL(join(dir, name))
for (const name of ['only-ts.ts', 'both.ts', 'both.js', 'only-js.js', 'mod.mts']) writeFileSync(join(dir, name), '')

const entry = suite('worker entry')

entry('entry - compiled JavaScript starts directly', () => {
  assert.equal(resolveWorkerEntry(file('both.js')), { start: file('both.js') })
  assert.equal(resolveWorkerEntry(file('only-js.js')), { start: file('only-js.js') })
})

entry('entry - a .ts URL starts the tsx bootstrap with the .ts entry', () => {
  const r = resolveWorkerEntry(file('only-ts.ts'))
  assert.ok(r.start.href.endsWith('/bootstrap/tsx-worker.mjs'))
  assert.is(r.entry, file('only-ts.ts').href)
})

entry('entry - a missing .js beside an existing .ts runs the .ts (sources run by tsx)', () => {
  assert.is(resolveWorkerEntry(file('only-ts.js')).entry, file('only-ts.ts').href)
  assert.is(typeScriptSource(file('mod.mjs'))?.href, file('mod.mts').href)
})

entry('entry - a missing .js with no .ts is started as is (the Worker reports it)', () => {
  assert.equal(resolveWorkerEntry(file('ghost.js')), { start: file('ghost.js') })
})

entry('entry - paths and URL strings are accepted', () => {
  assert.is(resolveWorkerEntry(join(dir, 'both.js')).start.href, file('both.js').href)
  assert.is(resolveWorkerEntry(file('only-ts.ts').href).entry, file('only-ts.ts').href)
})

entry('entry - the bootstrap files ship in the package', () => {
  assert.ok(packageFile('bootstrap/tsx-worker.mjs').pathname.endsWith('/packages/runtime/bootstrap/tsx-worker.mjs'))
  assert.ok(packageFile('bootstrap/pool-task.mjs').pathname.endsWith('/packages/runtime/bootstrap/pool-task.mjs'))
})

entry.after(() => rmSync(dir, { recursive: true, force: true }))
entry.run()
