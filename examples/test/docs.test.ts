// docs/PROTOCOL.md and docs/API.md stay complete, and nothing cites the design document users never see: a section for every KRPC method a
// node answers
// (KRPC_METHODS), and a row for every HTTP route the ui-bridge registers. A method or route added
// without its documentation fails here, naming what is missing.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { KRPC_METHODS } from '@peerconnect/protocol'

const root = fileURLToPath(new URL('../../', import.meta.url))
const protocol = readFileSync(join(root, 'docs', 'PROTOCOL.md'), 'utf8')
const api = readFileSync(join(root, 'docs', 'API.md'), 'utf8')

const test = suite('docs')

test('PROTOCOL.md has a section for every KRPC method a node answers', () => {
  const sections = new Set([...protocol.matchAll(/^### (\S+)$/gm)].map(m => m[1]))
  assert.equal(KRPC_METHODS.filter(m => !sections.has(m)), [], 'methods without a "### <method>" section in docs/PROTOCOL.md')
})

test('API.md names every HTTP route the ui-bridge registers', () => {
  const dir = join(root, 'packages', 'ui-bridge', 'src', 'routes')
  const routes = readdirSync(dir).flatMap(f =>
    [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:app\.get\(|url: )'([^']+)'/g)].map(m => m[1]!)
  )
  assert.ok(routes.length >= 6, `found ${routes.join(', ')}`)
  // A route is named as `GET /path…` or, in a list of routes, as `/path`.
  const named = (r: string): boolean => api.includes('`GET ' + r) || api.includes('`' + r + '`')
  assert.equal(routes.filter(r => !named(r)), [], 'routes not in docs/API.md')
})

test('no README or comment cites the design document users never see; they cite docs/', () => {
  const cite = new RegExp('DESIGN ' + '\u00a7')
  const files = execFileSync('git', ['ls-files', '*.md', '*.ts', '*.mjs', '*.js'], { cwd: root, encoding: 'utf8' }).split('\n')
    .filter(f => f !== '' && !f.includes('/assets/static/'))
  const citing = files.filter(f => {
    try {
      return cite.test(readFileSync(join(root, f), 'utf8'))
    } catch {
      return false
    }
  })
  assert.equal(citing, [], 'files citing the design document: cite docs/PROTOCOL.md, docs/API.md or docs/ARCHITECTURE.md')
})

test.run()
