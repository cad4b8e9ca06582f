/**
 * A real Chromium page of another origin (another port of 127.0.0.1: same-site, so only the
 * Origin and Sec-Fetch-Site checks stand in the way) tries to read the API, to start searches
 * with requests a browser sends without CORS (`no-cors` fetch, `<img src>`), and to open the
 * events socket. None of it reaches the backend; the server counts each refusal as a 403.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { withTimeout } from '@peerconnect/test-helpers'
import { fakeBackend, peer } from './fake-backend.js'
import { get, withServer } from './http.js'
import { launchBrowser, openPage } from './browser.js'

const T = 60_000
let browser: Browser

const cross = suite('local API - a page of another origin in Chromium')
cross.before(async () => {
  browser = await launchBrowser()
})
cross.after(async () => {
  await browser.close()
})

cross('cross-site - another origin cannot read the API, start a search or open the events socket', withTimeout(T, async () => {
  const b = fakeBackend({ live: [peer(1)] })
  await withServer(b, {}, async server => {
    const evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8')
      res.end(`<!doctype html><title>elsewhere</title><script type="module">${attack(server.url)}</script>`)
    })
    await new Promise<void>(resolve => evil.listen(0, '127.0.0.1', resolve))
    try {
      const at = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`
      const p = await openPage(browser, at)
      try {
        const result = await p.page.waitForFunction('window.result', undefined, { timeout: 20_000 })
        const r = await result.jsonValue() as { status: string, events: number, wsOpened: boolean }
        assert.is(r.status, 'blocked', 'the cross-origin read failed')
        assert.is(r.events, 0, 'no event reached the page')
        assert.is(r.wsOpened, false, 'the events socket did not open')
      } finally {
        await p.close()
      }
      assert.is(b.searches.length, 0, 'no search ran (no-cors fetch and <img src> included)')
      const metrics = (await get(server.url + '/metrics')).text
      for (const route of ['/api/status', '/api/search', '/api/events']) {
        assert.match(metrics, new RegExp(`http_requests_total\\{[^}]*route="${route.replace(/\//g, '\\/')}"[^}]*status="403"`),
          `${route} was refused with 403`)
      }
    } finally {
      await new Promise(resolve => evil.close(resolve))
    }
  })
}))

cross.run()

/** The page's script: tries everything, then sets `window.result`. */
function attack (api: string): string {
  return `
const api = ${JSON.stringify(api)}
const result = { status: 'unknown', events: 0, wsOpened: false }
try { const r = await fetch(api + '/api/status'); result.status = String(r.status) } catch { result.status = 'blocked' }
try { await fetch(api + '/api/search?q=peer', { mode: 'no-cors' }) } catch {}
await new Promise(resolve => { const img = new Image(); img.onload = img.onerror = resolve; img.src = api + '/api/search?q=img' })
await new Promise(resolve => {
  const ws = new WebSocket(api.replace('http', 'ws') + '/api/events')
  ws.onopen = () => { result.wsOpened = true }
  ws.onmessage = () => { result.events++ }
  ws.onerror = ws.onclose = resolve
  setTimeout(resolve, 3000)
})
window.result = result
`
}
