import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { withTimeout } from '@peerconnect/test-helpers'
import { loadAssets } from '../src/static-files.js'
import { fakeBackend } from './fake-backend.js'
import { errorCode, get, withServer } from './http.js'

const T = 10_000
const HTML = '<!doctype html><title>t</title><script type="module" src="/static/app-abc123.js"></script>'
const JS = 'console.log("page")'

function site (): { dir: string, remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pc-ui-assets-'))
  mkdirSync(join(dir, 'static'))
  writeFileSync(join(dir, 'index.html'), HTML)
  writeFileSync(join(dir, 'static', 'app-abc123.js'), JS)
  writeFileSync(join(dir, 'static', 'app-abc123.css'), 'body{}')
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(dir, 'secret.txt'), 'not under static')
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

const page = suite('page route')

page('page - GET / is the page with a strict CSP', withTimeout(T, async () => {
  const s = site()
  try {
    await withServer(fakeBackend(), { assetsDir: s.dir }, async ({ url }) => {
      const a = await get(`${url}/`)
      assert.is(a.status, 200)
      assert.is(a.text, HTML)
      assert.is(a.headers.get('content-type'), 'text/html; charset=utf-8')
      const csp = a.headers.get('content-security-policy') ?? ''
      assert.match(csp, 'script-src \'self\'')
      assert.match(csp, 'frame-ancestors \'none\'')
      assert.not.match(csp, 'unsafe-inline')
      assert.is(a.headers.get('x-frame-options'), 'DENY')
      assert.is(a.headers.get('cache-control'), 'no-cache')
    })
  } finally {
    s.remove()
  }
}))

page('page - fingerprinted assets are served with long caching and the right type', withTimeout(T, async () => {
  const s = site()
  try {
    await withServer(fakeBackend(), { assetsDir: s.dir }, async ({ url }) => {
      const js = await get(`${url}/static/app-abc123.js`)
      assert.is(js.status, 200)
      assert.is(js.text, JS)
      assert.is(js.headers.get('content-type'), 'text/javascript; charset=utf-8')
      assert.match(js.headers.get('cache-control') ?? '', 'immutable')
      const css = await get(`${url}/static/app-abc123.css`)
      assert.is(css.headers.get('content-type'), 'text/css; charset=utf-8')
      const icon = await get(`${url}/favicon.svg`)
      assert.is(icon.status, 200)
      assert.is(icon.headers.get('content-type'), 'image/svg+xml')
    })
  } finally {
    s.remove()
  }
}))

page('page - an unchanged file answers 304 to its etag', withTimeout(T, async () => {
  const s = site()
  try {
    await withServer(fakeBackend(), { assetsDir: s.dir }, async ({ url }) => {
      const first = await get(`${url}/static/app-abc123.js`)
      const etag = first.headers.get('etag')
      assert.ok(etag)
      const again = await get(`${url}/static/app-abc123.js`, { 'if-none-match': etag })
      assert.is(again.status, 304)
      assert.is(again.text, '')
      const other = await get(`${url}/static/app-abc123.js`, { 'if-none-match': '"other"' })
      assert.is(other.status, 200)
    })
  } finally {
    s.remove()
  }
}))

page('page - nothing outside the built files is reachable', withTimeout(T, async () => {
  const s = site()
  try {
    await withServer(fakeBackend(), { assetsDir: s.dir }, async ({ url }) => {
      for (const path of ['/static/../secret.txt', '/static/%2e%2e/secret.txt', '/static/..%2fsecret.txt', '/static/..%5csecret.txt',
        '/secret.txt', '/index.html/', '/static/', '/static/nope.js', '/static/app-abc123.js%00.png', '/static//etc/passwd']) {
        const a = await get(url + path)
        assert.ok(a.status === 404 || a.status === 400, `${path} gave ${a.status}`)
        assert.not.match(a.text, 'not under static', path)
      }
      assert.is(errorCode(await get(`${url}/static/nope.js`)), 'ERR_NOT_FOUND')
    })
  } finally {
    s.remove()
  }
}))

page('page - an unbuilt page is a 503 that says how to build it', withTimeout(T, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-ui-empty-'))
  try {
    await withServer(fakeBackend(), { assetsDir: dir }, async ({ url }) => {
      const a = await get(`${url}/`)
      assert.is(a.status, 503)
      assert.is(errorCode(a), 'ERR_PAGE_NOT_BUILT')
      assert.match(a.text, 'build:web')
      assert.is((await get(`${url}/api/status`)).status, 200)
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}))

page('page - loads without the token when the API needs one', withTimeout(T, async () => {
  const s = site()
  try {
    await withServer(fakeBackend(), { assetsDir: s.dir, token: 'tok' }, async ({ url }) => {
      assert.is((await get(`${url}/`)).status, 200)
      assert.is((await get(`${url}/static/app-abc123.js`)).status, 200)
      assert.is((await get(`${url}/api/status`)).status, 401)
    })
  } finally {
    s.remove()
  }
}))

page.run()

const assets = suite('asset loading')

assets('assets - every file is keyed by its URL path; a missing directory is empty', () => {
  const s = site()
  try {
    const map = loadAssets(s.dir)
    assert.equal([...map.keys()].sort(), ['/favicon.svg', '/index.html', '/secret.txt', '/static/app-abc123.css', '/static/app-abc123.js'])
    assert.is(map.get('/static/app-abc123.js')?.immutable, true)
    assert.is(map.get('/index.html')?.immutable, false)
    assert.is(loadAssets(join(s.dir, 'missing')).size, 0)
  } finally {
    s.remove()
  }
})

assets('assets - the committed build has the page and its scripts', () => {
  const map = loadAssets()
  const html = map.get('/index.html')
  assert.ok(html, 'assets/index.html exists: run build:web')
  const scripts = [...html.body.toString('utf8').matchAll(/src="([^"]+)"/g)].map(m => m[1]!)
  assert.ok(scripts.length > 0)
  for (const src of scripts) assert.ok(map.has(src), `${src} is built`)
})

assets.run()
