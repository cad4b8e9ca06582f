import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Browser } from 'playwright-core'
import { withTimeout, waitFor } from '@peerconnect/test-helpers'
import type { Peer } from '../src/backend.js'
import { createUiServer } from '../src/server.js'
import { launchBrowser, openPage } from './browser.js'
import { fakeBackend, peer, NODE_ID } from './fake-backend.js'
import type { FakeBackend } from './fake-backend.js'
import { withServer } from './http.js'

const T = 45_000
let browser: Browser

function livePeersOf (n: number): Peer[] {
  const names = ['atlas', 'borealis', 'cinder', 'delta-relay', 'ember', 'fjord', 'granite', 'harbor', 'ion', 'juniper', 'kestrel', 'lumen',
    'meridian', 'nimbus', 'onyx', 'polaris', 'quartz', 'raven', 'sable', 'tundra', 'umbra', 'vesper', 'willow', 'zephyr']
  const now = Date.now()
  return Array.from({ length: n },
    (_, i) => peer(i + 1, { name: names[i % names.length]!, status: i % 5 === 3 ? 'offline' : 'online', lastSeen: now - i * 7_000 }))
}

/** The list (0..19) whose id floor(i · 2^160 / 20) is closest by XOR to `idHex`, computed exactly. */
function closestList (idHex: string): number {
  const id = BigInt('0x' + idHex)
  const ids = Array.from({ length: 20 }, (_, i) => BigInt(i) * (1n << 160n) / 20n)
  return ids.reduce((best, listId, i) => (id ^ listId) < (id ^ ids[best]!) ? i : best, 0)
}

/** Waits until the page's WebSocket is subscribed and the live list shows `rows` peers. */
async function ready (backend: FakeBackend, page: import('playwright-core').Page, rows: number): Promise<void> {
  await page.waitForSelector('#conn[data-state="live"]')
  await waitFor(() => backend.listenerCount === 1, { what: 'page subscribed' })
  await waitFor(async () => (await page.locator('#live-list [data-peer-id]').count()) === rows, { what: `${rows} live rows` })
}

const live = suite('page live peers')
live.before(async () => {
  browser = await launchBrowser()
})

live('page - shows this node and lists the live peers', withTimeout(T, async () => {
  const peers = livePeersOf(6)
  const backend = fakeBackend({ live: peers })
  await withServer(backend, {}, async ({ url }) => {
    const { page, errors, close } = await openPage(browser, url)
    try {
      await ready(backend, page, 6)
      const ids = await page.locator('#live-list [data-peer-id]').evaluateAll(els => els.map(e => e.getAttribute('data-peer-id')))
      assert.equal(new Set(ids), new Set(peers.map(p => p.id)))
      assert.is(await page.locator(`#live-list [data-peer-id="${peers[0]!.id}"] .name-text`).textContent(), 'atlas')
      await page.waitForSelector('#node-name:text("test-node")')
      assert.is(await page.locator('#node-id').getAttribute('title'), NODE_ID)
      assert.is(await page.locator('#node-udp').textContent(), '127.0.0.1:6881')
      assert.match(await page.locator('#node-uptime').textContent() ?? '', /1 min/)
      assert.match(await page.locator('#live-counts').textContent() ?? '', '6 peers · 5 online')
      assert.is(await page.locator('#ring [data-ring-peer]').count(), 6)
      assert.is(await page.locator('#ring [data-ring-self]').count(), 1)
      assert.is(await page.locator('#ring .list-tick').count(), 20)
      assert.is(await page.locator('#ring .list-label.home').textContent(), String(closestList(NODE_ID)))
      assert.is(await page.locator('#buckets [data-bucket]').count(), 16)
      assert.is(await page.locator('#buckets [data-bucket="4"]').getAttribute('data-count'), '8')
      assert.is(await page.locator('#actors [data-actor]').count(), 2)
      assert.equal(errors, [])
    } finally {
      await close()
    }
  })
}))

live('page - a peer.status offline event turns the peer offline', withTimeout(T, async () => {
  const peers = livePeersOf(3)
  const backend = fakeBackend({ live: peers })
  await withServer(backend, {}, async ({ url }) => {
    const { page, errors, close } = await openPage(browser, url)
    try {
      await ready(backend, page, 3)
      const target = peers[0]!
      const row = page.locator(`#live-list [data-peer-id="${target.id}"]`)
      assert.is(await row.getAttribute('data-status'), 'online')
      backend.emit({ type: 'peer.status', peer: { ...target, status: 'offline' } })
      await page.waitForSelector(`#live-list [data-peer-id="${target.id}"][data-status="offline"]`)
      assert.match(await page.locator('#live-counts').textContent() ?? '', '3 peers · 2 online')
      assert.is(await page.locator(`#ring [data-ring-peer="${target.id}"]`).getAttribute('class'), 'ring-peer offline')
      assert.equal(errors, [])
    } finally {
      await close()
    }
  })
}))

live('page - peer.added and peer.removed events add and remove rows', withTimeout(T, async () => {
  const peers = livePeersOf(2)
  const backend = fakeBackend({ live: peers })
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await ready(backend, page, 2)
      const newcomer = peer(77, { name: 'newcomer' })
      backend.emit({ type: 'peer.added', peer: newcomer })
      await page.waitForSelector(`#live-list [data-peer-id="${newcomer.id}"]`)
      backend.emit({ type: 'peer.removed', peer: peers[0]! })
      await page.waitForSelector(`#live-list [data-peer-id="${peers[0]!.id}"]`, { state: 'detached' })
      assert.is(await page.locator('#live-list [data-peer-id]').count(), 2)
    } finally {
      await close()
    }
  })
}))

live('page - the live list can be filtered', withTimeout(T, async () => {
  const backend = fakeBackend({ live: livePeersOf(6) })
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await ready(backend, page, 6)
      await page.fill('#live-filter', 'ember')
      await waitFor(async () => (await page.locator('#live-list [data-peer-id]').count()) === 1, { what: 'filtered' })
      assert.is(await page.locator('#live-list .name-text').textContent(), 'ember')
    } finally {
      await close()
    }
  })
}))

live('page - the WebSocket reconnects when the server comes back', withTimeout(T, async () => {
  const first = fakeBackend({ live: livePeersOf(2) })
  const server = await createUiServer(first, { processMetrics: false })
  const port = Number(new URL(server.url).port)
  const { page, close } = await openPage(browser, server.url)
  const second = fakeBackend({ live: livePeersOf(4) })
  let again: Awaited<ReturnType<typeof createUiServer>> | undefined
  try {
    await ready(first, page, 2)
    await server.close()
    await page.waitForSelector('#conn[data-state="waiting"]')
    assert.match(await page.locator('#conn-text').textContent() ?? '', 'reconnecting in')
    again = await createUiServer(second, { port, processMetrics: false })
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 30_000 })
    await waitFor(async () => (await page.locator('#live-list [data-peer-id]').count()) === 4, { what: 'fresh snapshot', timeout: 10_000 })
  } finally {
    await close()
    await server.close()
    await again?.close()
  }
}))

live.after(async () => {
  await browser.close()
})
live.run()
