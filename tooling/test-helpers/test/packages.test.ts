// Every workspace package that is not private is ready to publish: license, repository (with its
// directory), engines equal to the root's, main/types/exports pointing at built files that its
// `files` ship, a README and a LICENSE, public access, and workspace dependencies only on
// packages that are published too. `pnpm pack --dry-run` lists what would ship. Needs a build
// (`pnpm test` builds first).
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))

interface Manifest {
  name: string
  private?: boolean
  license?: string
  repository?: { type?: string, url?: string, directory?: string }
  engines?: { node?: string }
  main?: string
  types?: string
  exports?: Record<string, Record<string, string>>
  bin?: Record<string, string>
  files?: string[]
  publishConfig?: { access?: string }
  dependencies?: Record<string, string>
}

const read = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
const rootManifest = read(root)
const dirs = ['packages', 'apps', 'tooling']
  .flatMap(top => readdirSync(join(root, top)).map(n => join(root, top, n)))
  .concat(join(root, 'examples'))
  .filter(d => existsSync(join(d, 'package.json')))
const all = new Map(dirs.map(d => [read(d).name, { dir: d, manifest: read(d) }]))
const published = [...all.values()].filter(p => p.manifest.private !== true)

/** True when `path` (./dist/src/x.js) is shipped by one of `files` (a directory or the file itself). */
function shipped (files: readonly string[], path: string): boolean {
  const p = path.replace(/^\.\//, '')
  return files.some(f => p === f || p.startsWith(f.replace(/\/$/, '') + '/'))
}

const test = suite('packages')

test('the root declares the license, the repository and the engines every package repeats', () => {
  assert.is(rootManifest.license, 'MIT')
  assert.ok(rootManifest.repository?.url !== undefined)
  assert.ok(rootManifest.engines?.node !== undefined)
  assert.ok(existsSync(join(root, 'LICENSE')))
})

test('the packages to publish are the nine of packages/ and apps/node', () => {
  assert.equal(published.map(p => relative(root, p.dir)).sort(), [
    'apps/node',
    'packages/crawler',
    'packages/gossip',
    'packages/lists',
    'packages/liveness',
    'packages/protocol',
    'packages/routing',
    'packages/runtime',
    'packages/transport',
    'packages/ui-bridge'
  ])
})

for (const { dir, manifest: m } of published) {
  const where = relative(root, dir)
  test(`${m.name} - ready to publish`, () => {
    assert.is(m.license, 'MIT', 'license')
    assert.is(readFileSync(join(dir, 'LICENSE'), 'utf8'), readFileSync(join(root, 'LICENSE'), 'utf8'), 'LICENSE is the root one')
    assert.ok(existsSync(join(dir, 'README.md')), 'README.md')
    assert.is(m.repository?.url, rootManifest.repository?.url, 'repository.url')
    assert.is(m.repository?.directory, where, 'repository.directory')
    assert.is(m.engines?.node, rootManifest.engines?.node, 'engines.node')
    assert.is(m.publishConfig?.access, 'public', 'publishConfig.access')
    const files = m.files ?? []
    for (const f of ['README.md', 'LICENSE', 'dist/src']) assert.ok(files.includes(f), `files has ${f}`)
    const targets = [m.main, m.types, ...Object.values(m.bin ?? {}), ...Object.values(m.exports ?? {}).flatMap(e => [e.types, e.default])]
    for (const t of targets) {
      assert.ok(t !== undefined, `${where}: main, types and every export's types and default are set`)
      assert.ok(existsSync(join(dir, t)) && statSync(join(dir, t)).isFile(), `${where}: ${t} is built`)
      assert.ok(shipped(files, t), `${where}: ${t} is in files`)
    }
    for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
      if (!range.startsWith('workspace:')) continue
      assert.ok(all.get(dep)?.manifest.private !== true, `${where} depends on ${dep}, which is private`)
    }
  })
}

test('pnpm pack ships the built code, README and LICENSE, and no tests', () => {
  const out = execFileSync('pnpm', ['pack', '--dry-run', '--json'], { cwd: join(root, 'packages', 'protocol'), encoding: 'utf8' })
  const paths = (JSON.parse(out) as { files: Array<{ path: string }> }).files.map(f => f.path)
  for (const p of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'src/index.ts']) {
    assert.ok(paths.includes(p), `${p} in ${paths.length} files`)
  }
  assert.not.ok(paths.some(p => p.includes('test/') || p.endsWith('.tsbuildinfo')), paths.filter(p => p.includes('test/')).join(', '))
})

test.run()
