import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { waitFor, withTimeout } from '@peerconnect/test-helpers'
import { DEMO_NAMES } from '../src/demo-names.js'
import { hook } from './fixtures/hook.js'
import { launchBrowser, openPage } from './ui-browser.js'
import type { OpenPage } from './ui-browser.js'
import { HOSTILE_NAME, startUiNet } from './ui-net.js'
import type { UiNet } from './ui-net.js'
import { LOOPBACK } from './fixtures/loopback.js'

const T = 90_000
/**
 * Every run saves the screenshot under apps/node/test-results/ (gitignored); with
 * PC_UPDATE_SCREENSHOT=1 it replaces the README's docs/screenshot.png instead.
 */
const SCREENSHOT = process.env.PC_UPDATE_SCREENSHOT === '1'
  ? fileURLToPath(new URL('../../../docs/screenshot.png', import.meta.url))
  : fileURLToPath(new URL('../test-results/demo.png', import.meta.url))

let browser: Browser | undefined

const row = (id: string): string => `#live-list [data-peer-id="${id}"]`

async function rowsShown (page: Page): Promise<number> {
  return await page.locator('#live-list [data-peer-id]').count()
}

// ── the demo: 24 named nodes and a full node with the page ───────────────────────────────────

let demo: UiNet
let view: OpenPage

const page = suite('browser - the demo network on the page')

page.before(hook(T, async () => {
  browser = await launchBrowser()
  demo = await startUiNet({ names: DEMO_NAMES.slice(0, 24) })
  view = await openPage(browser, demo.url + '/')
}))
page.after(hook(T, async () => {
  await view?.close()
  await demo?.stop()
}))

page('page - lists the swarm\'s peers with their names, online, and this node', withTimeout(T, async () => {
  const p = view.page
  await p.waitForSelector('#conn[data-state="live"]')
  await waitFor(async () => (await rowsShown(p)) === 24, { timeout: 30_000, interval: 100, what: '24 live rows' })
  for (const n of demo.swarm.nodes) {
    await p.waitForSelector(`${row(n.idHex)} .name-text:text-is("${n.name}")`)
    assert.match(await p.locator(`${row(n.idHex)} code.key`).textContent() ?? '', /^[0-9a-f]{4} [0-9a-f]{4}$/,
      `${n.name}: its key fingerprint beside the name`)
    assert.is(await p.locator(row(n.idHex)).getAttribute('data-status'), 'online', n.name)
    assert.is(await p.locator(`${row(n.idHex)} .addr`).textContent(), `${LOOPBACK}:${n.udp.port}`)
  }
  await p.waitForSelector('#node-name:text-is("you")')
  assert.is(await p.locator('#node-id').getAttribute('title'), demo.full.idHex)
  assert.is(await p.locator('#node-udp').textContent(), `${LOOPBACK}:${demo.full.udp.port}`)
  assert.match(await p.locator('#live-counts').textContent() ?? '', /24 peers · 24 online/)
  await p.waitForSelector('#actors [data-actor="ui-bridge"]')
  assert.equal(view.errors, [])
}))

page('page - the directory lists the network page by page', withTimeout(T, async () => {
  const p = view.page
  await waitFor(async () => {
    while (await p.locator('#directory-more').isVisible()) await p.locator('#directory-more').click()
    const ids = await p.locator('#directory-list [data-peer-id]').evaluateAll(els => els.map(e => e.getAttribute('data-peer-id')))
    if (demo.swarm.nodes.every(n => ids.includes(n.idHex))) return true
    await p.reload()
    await p.waitForSelector('#conn[data-state="live"]')
    return false
  }, { timeout: 40_000, interval: 500, what: 'every swarm node in the directory' })
  assert.equal(view.errors, [])
}))

page('page - a peer that stops turns offline after its liveness check; the others stay online', withTimeout(T, async () => {
  const p = view.page
  const victim = demo.swarm.nodes[5]!
  await p.waitForSelector(`${row(victim.idHex)}[data-status="online"]`)
  await victim.stop()
  await p.waitForSelector(`${row(victim.idHex)}[data-status="offline"]`, { timeout: 30_000 })
  const statuses = await p.locator('#live-list [data-peer-id]').evaluateAll(els =>
    els.map(e => [e.getAttribute('data-peer-id'), e.getAttribute('data-status')])
  )
  const offline = statuses.filter(([, s]) => s === 'offline').map(([id]) => id)
  assert.equal(offline, [victim.idHex], 'only the stopped one')
  assert.match(await p.locator('#live-counts').textContent() ?? '', /24 peers · 23 online/)
}))

page('page - a search streams its hits in, each tagged with its source, and ends', withTimeout(T, async () => {
  const p = view.page
  await p.fill('#search-q', 'grace')
  await p.selectOption('#search-via', 'hybrid')
  await p.click('#search-form button[type="submit"]')
  const grace = demo.swarm.nodes.find(n => n.name === 'grace')!
  await p.waitForSelector(`#search-results [data-search-result="${grace.idHex}"]`)
  await p.waitForSelector('#search[data-state="done"]')
  assert.ok(
    ['local', 'lists', 'gossip'].includes(
      await p.locator(`#search-results [data-search-result="${grace.idHex}"]`).getAttribute('data-via') ?? ''
    )
  )
  assert.is(await p.locator('#search-results [data-search-result]').count(), 1, 'grace only')
  assert.equal(view.errors, [])
}))

page('page - a screenshot of the demo for the README', withTimeout(T, async () => {
  const p = view.page
  if (await p.locator('#search[data-state="failed"]').count() > 0) {
    await p.reload()
    await p.waitForSelector('#conn[data-state="live"]')
    await waitFor(async () => (await rowsShown(p)) === 24, { timeout: 30_000, interval: 100, what: '24 live rows again' })
    await p.waitForSelector('#directory-list [data-peer-id]')
  }
  await p.locator('#search-q').blur()
  await p.evaluate(() => {
    ;(globalThis as unknown as { scrollTo: (x: number, y: number) => void }).scrollTo(0, 0)
  })
  mkdirSync(dirname(SCREENSHOT), { recursive: true })
  const png = await p.screenshot({ path: SCREENSHOT, fullPage: false })
  assert.ok(png.length > 20_000, `a real picture (${png.length} bytes)`)
  assert.equal([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG')
}))

page.run()

// ── a peer with a hostile name ───────────────────────────────────────────────────────────────

let hostile: UiNet

const names = suite('browser - names are text')

names.before(hook(T, async () => {
  browser ??= await launchBrowser()
  hostile = await startUiNet({ names: ['ada', HOSTILE_NAME, 'grace'], inline: true })
}))
names.after(hook(T, async () => {
  await hostile?.stop()
  await browser?.close()
}))

names('page - a peer named <img src=x onerror=…> shows as that text and runs nothing', withTimeout(T, async () => {
  const tab = await openPage(browser!, hostile.url + '/')
  try {
    const p = tab.page
    const evil = hostile.swarm.nodes[1]!
    await p.waitForSelector('#conn[data-state="live"]')
    await p.waitForSelector(`${row(evil.idHex)} .name-text`)
    await waitFor(async () => (await p.locator(`${row(evil.idHex)} .name-text`).textContent()) === HOSTILE_NAME, { timeout: 30_000,
      interval: 100, what: 'the hostile name shown' })
    assert.is(await p.locator('#live-list img').count(), 0, 'no element was made from the name')
    assert.is(await p.evaluate(() => (globalThis as unknown as { __pwned?: unknown }).__pwned), undefined, 'its script never ran')
    await p.fill('#lookup-id', evil.idHex)
    await p.click('#lookup-form button[type="submit"]')
    await p.waitForSelector(`#lookup-result :text("${'<img src=x'}")`)
    assert.is(await p.locator('#lookup-result img').count(), 0)
    assert.is(await p.evaluate(() => (globalThis as unknown as { __pwned?: unknown }).__pwned), undefined)
    assert.equal(tab.errors, [])
  } finally {
    await tab.close()
  }
}))

names.run()
