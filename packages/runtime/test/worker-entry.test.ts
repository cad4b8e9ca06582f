import { mkdtempSync, writeFileSync, rmSync, statSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { packageFile, resolveWorkerEntry, typeScriptSource } from '../src/worker-entry.js'
import { forgetBundles } from '../src/worker-bundle.js'

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

entry('entry - a compiled entry with a fresh bundle starts the bundle; a changed input, a missing bundle or manifest start the entry',
  () => {
    const sub = mkdtempSync(join(dir, 'bundled-'))
    const at = (name: string): string => join(sub, name)
    writeFileSync(at('worker.js'), 'import "./dep.js"\n')
    writeFileSync(at('dep.js'), 'export const x = 1\n')
    writeFileSync(at('worker.bundle.mjs'), '// bundle\n')
    const manifest = (): string =>
      JSON.stringify({ entry: 'worker.js',
        inputs: ['worker.js', 'dep.js'].map(p => ({ path: p, mtimeMs: statSync(at(p)).mtimeMs, size: statSync(at(p)).size })) })
    writeFileSync(at('worker.bundle.json'), manifest())
    const url = pathToFileURL(at('worker.js'))
    const bundle = pathToFileURL(at('worker.bundle.mjs'))
    forgetBundles()
    assert.equal(resolveWorkerEntry(url), { start: bundle }, 'fresh: the bundle')
    // an input rebuilt since (same size, another mtime)
    utimesSync(at('dep.js'), new Date(), new Date(Date.now() + 5000))
    forgetBundles()
    assert.equal(resolveWorkerEntry(url), { start: url }, 'an input changed: the entry')
    writeFileSync(at('worker.bundle.json'), manifest())
    forgetBundles()
    assert.equal(resolveWorkerEntry(url), { start: bundle }, 'rebundled: the bundle again')
    writeFileSync(at('dep.js'), 'export const x = 22\n')
    forgetBundles()
    assert.equal(resolveWorkerEntry(url), { start: url }, 'an input of another size: the entry')
    writeFileSync(at('worker.bundle.json'), manifest())
    rmSync(at('worker.bundle.mjs'))
    forgetBundles()
    assert.equal(resolveWorkerEntry(url), { start: url }, 'no bundle: the entry')
    writeFileSync(at('worker.bundle.mjs'), '// bundle\n')
    writeFileSync(at('worker.bundle.json'), '{ not json')
    forgetBundles()
    assert.equal(resolveWorkerEntry(url), { start: url }, 'an unreadable manifest: the entry')
    writeFileSync(at('worker.bundle.json'), JSON.stringify({ entry: 'other.js', inputs: [] }))
    forgetBundles()
    assert.equal(resolveWorkerEntry(url), { start: url }, 'a manifest of another entry: the entry')
    forgetBundles()
  })

entry.after(() => rmSync(dir, { recursive: true, force: true }))
entry.run()
