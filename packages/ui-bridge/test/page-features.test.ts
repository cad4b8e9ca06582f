import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { statSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { withTimeout, waitFor } from '@peerconnect/test-helpers'
import type { Peer, SearchOptions } from '../src/backend.js'
import { launchBrowser, openPage, resultPath } from './browser.js'
import { aborted, fakeBackend, gate, peer } from './fake-backend.js'
import type { FakeBackend } from './fake-backend.js'
import { withServer } from './http.js'

const T = 45_000
const EVIL = '<img src=x onerror="window.__pwned=1">'
let browser: Browser

async function live (backend: FakeBackend, page: Page): Promise<void> {
  await page.waitForSelector('#conn[data-state="live"]')
  await waitFor(() => backend.listenerCount === 1, { what: 'page subscribed' })
}

const search = suite('page search')
search.before(async () => {
  browser = await launchBrowser()
})

search('page - search hits stream in; the first is visible before the search is done', withTimeout(T, async () => {
  const release = gate()
  const backend = fakeBackend({
    search: async function* (_q: string, opts: SearchOptions) {
      yield { peer: peer(1, { name: 'alice' }), via: 'local' }
      await Promise.race([release.promise, new Promise(resolve => opts.signal.addEventListener('abort', resolve))])
      yield { peer: peer(2, { name: 'alicia' }), via: 'lists' }
      yield { peer: peer(3, { name: 'alina' }), via: 'gossip' }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const { page, errors, close } = await openPage(browser, url)
    try {
      await page.fill('#search-q', 'ali')
      await page.selectOption('#search-via', 'lists')
      await page.press('#search-q', 'Enter')
      await page.waitForSelector('#search-results [data-search-result]')
      assert.is(await page.locator('#search-results [data-search-result]').count(), 1)
      assert.is(await page.locator('#search').getAttribute('data-state'), 'running')
      assert.is(await page.locator('#search-results [data-search-result] .via').textContent(), 'local')
      assert.is(backend.searches.length, 1)
      assert.equal([backend.searches[0]!.q, backend.searches[0]!.opts.via], ['ali', 'lists'])
      release.open()
      await page.waitForSelector('#search[data-state="done"]')
      const rows = await page.locator('#search-results [data-search-result]').evaluateAll(els =>
        els.map(e => [e.getAttribute('data-search-result'), e.getAttribute('data-via'), e.querySelector('.name-text')?.textContent])
      )
      assert.equal(rows, [[peer(1).id, 'local', 'alice'], [peer(2).id, 'lists', 'alicia'], [peer(3).id, 'gossip', 'alina']])
      assert.match(await page.locator('#search-status').textContent() ?? '', /^3 hits in \d+ ms$/)
      assert.equal(errors, [])
    } finally {
      await close()
    }
  })
}))

search('page - a new search cancels the running one', withTimeout(T, async () => {
  const backend = fakeBackend({
    search: async function* (q: string, opts: SearchOptions) {
      yield { peer: peer(q.length, { name: q }), via: 'local' }
      if (q === 'first') await new Promise(resolve => opts.signal.addEventListener('abort', resolve))
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await page.fill('#search-q', 'first')
      await page.press('#search-q', 'Enter')
      await page.waitForSelector('#search-results [data-search-result]')
      await page.fill('#search-q', 'second!')
      await page.press('#search-q', 'Enter')
      await page.waitForSelector('#search[data-state="done"]')
      assert.equal(await page.locator('#search-results .name-text').allTextContents(), ['second!'])
      await waitFor(() => backend.searches[0]?.opts.signal.aborted, { what: 'first search aborted' })
    } finally {
      await close()
    }
  })
}))

search('page - an over-long query is refused on the page', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await page.locator('#search-q').evaluate((el, v) => {
        ;(el as unknown as { value: string }).value = v
      }, 'é'.repeat(40))
      await page.press('#search-q', 'Enter')
      await page.waitForSelector('#search-status:text("at most 64 bytes")')
      assert.is(backend.searches.length, 0)
    } finally {
      await close()
    }
  })
}))

search.run()

const safety = suite('page safety')

safety('page - a hostile peer name is shown as text and runs nothing', withTimeout(T, async () => {
  const evil = peer(66, { name: EVIL })
  const backend = fakeBackend({
    live: [evil],
    directory: [evil],
    search: async function* () {
      yield { peer: evil, via: 'gossip' }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const { page, errors, close } = await openPage(browser, url)
    try {
      await live(backend, page)
      await page.waitForSelector(`#live-list [data-peer-id="${evil.id}"]`)
      await page.waitForSelector(`#directory-list [data-peer-id="${evil.id}"]`)
      await page.fill('#search-q', 'img')
      await page.press('#search-q', 'Enter')
      await page.waitForSelector('#search[data-state="done"]')
      await page.fill('#lookup-id', evil.id)
      await page.press('#lookup-id', 'Enter')
      await page.waitForSelector(`[data-lookup-result="${evil.id}"]`)
      backend.emit({ type: 'peer.status', peer: { ...evil, status: 'offline' } })
      await page.waitForSelector(`#live-list [data-peer-id="${evil.id}"][data-status="offline"]`)

      for (const where of ['#live-list', '#directory-list', '#search-results', '#lookup-result']) {
        assert.is(await page.locator(`${where} img`).count(), 0, `no <img> element in ${where}`)
        assert.ok((await page.locator(where).textContent() ?? '').includes(EVIL), `${where} shows the name as text`)
      }
      assert.is(await page.locator('#ring img').count(), 0)
      assert.is(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined)
      assert.equal(errors, [])
    } finally {
      await close()
    }
  })
}))

safety('page - the API needs the token: the page asks for it, and #token= works', withTimeout(T, async () => {
  const token = 'page-token-123'
  const backend = fakeBackend({ live: [peer(1), peer(2)] })
  await withServer(backend, { token }, async ({ url }) => {
    const without = await openPage(browser, url)
    try {
      await without.page.waitForSelector('#auth', { state: 'visible' })
      assert.is(await without.page.locator('#live-list [data-peer-id]').count(), 0)
    } finally {
      await without.close()
    }

    const withToken = await openPage(browser, `${url}/#token=${token}`)
    try {
      await live(backend, withToken.page)
      await waitFor(async () => (await withToken.page.locator('#live-list [data-peer-id]').count()) === 2, { what: 'two live rows' })
      await withToken.page.waitForSelector('#node-name:text("test-node")')
      assert.is(await withToken.page.locator('#auth').isHidden(), true)
      assert.not.match(withToken.page.url(), token, 'the token is taken out of the address bar')
    } finally {
      await withToken.close()
    }

    const viaForm = await openPage(browser, url)
    try {
      await viaForm.page.waitForSelector('#auth', { state: 'visible' })
      await viaForm.page.fill('#auth-token', token)
      await viaForm.page.press('#auth-token', 'Enter')
      await viaForm.page.waitForSelector('#node-name:text("test-node")')
      await waitFor(async () => (await viaForm.page.locator('#live-list [data-peer-id]').count()) === 2, { what: 'two live rows' })
    } finally {
      await viaForm.close()
    }
  })
}))

safety.run()

const directory = suite('page directory and lookup')

directory('page - the directory loads page by page with "load more"', withTimeout(T, async () => {
  const all = Array.from({ length: 120 }, (_, i) => peer(i + 1))
  const backend = fakeBackend({ directory: all })
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      const rows = page.locator('#directory-list [data-peer-id]')
      await waitFor(async () => (await rows.count()) === 50, { what: 'first page' })
      assert.match(await page.locator('#directory-counts').textContent() ?? '', '50 peers loaded · more available')
      await page.click('#directory-more')
      await waitFor(async () => (await rows.count()) === 100, { what: 'second page' })
      await page.click('#directory-more')
      await waitFor(async () => (await rows.count()) === 120, { what: 'last page' })
      await page.waitForSelector('#directory-more', { state: 'hidden' })
      const ids = await rows.evaluateAll(els => els.map(e => e.getAttribute('data-peer-id')))
      assert.equal(ids, all.map(p => p.id))
      assert.equal(backend.pages.map(p => [p.cursor, p.limit]), [[undefined, 50], ['p50', 50], ['p100', 50]])
    } finally {
      await close()
    }
  })
}))

directory('page - an empty directory says so and offers no "load more"', withTimeout(T, async () => {
  const backend = fakeBackend()
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await page.waitForSelector('#directory-empty', { state: 'visible' })
      assert.is(await page.locator('#directory-more').isHidden(), true)
    } finally {
      await close()
    }
  })
}))

directory('page - lookup by id finds a peer, reports a missing one, refuses a bad id', withTimeout(T, async () => {
  const target = peer(42, { name: 'needle', status: 'offline' })
  const backend = fakeBackend({ directory: [peer(1), target] })
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await page.fill('#lookup-id', target.id.toUpperCase())
      await page.click('#lookup button')
      await page.waitForSelector(`[data-lookup-result="${target.id}"]`)
      const card = page.locator('[data-lookup-result]')
      assert.ok((await card.textContent() ?? '').includes('needle'))
      assert.ok((await card.textContent() ?? '').includes(target.id))
      assert.is(await card.getAttribute('data-status'), 'offline')

      const missing = 'f'.repeat(40)
      await page.fill('#lookup-id', missing)
      await page.press('#lookup-id', 'Enter')
      await page.waitForSelector(`[data-lookup-missing="${missing}"]`)

      const before = backend.lookups.length
      await page.fill('#lookup-id', 'not-an-id')
      await page.press('#lookup-id', 'Enter')
      await page.waitForSelector('#lookup-result .note.error')
      assert.is(backend.lookups.length, before)
      assert.equal(backend.lookups, [target.id, missing])
    } finally {
      await close()
    }
  })
}))

directory('page - a BEP 5 node is labelled "BEP 5 node" in the live list and the lookup card; an unnamed PeerConnect node "(unnamed)"',
  withTimeout(T, async () => {
    const bt: Peer = { ...peer(7, { name: '' }), kind: 'bep5' }
    const anon = peer(8, { name: '' })
    const backend = fakeBackend({ live: [bt, anon], directory: [bt] })
    await withServer(backend, {}, async ({ url }) => {
      const { page, errors, close } = await openPage(browser, url)
      try {
        await live(backend, page)
        const row = page.locator(`#live-list [data-peer-id="${bt.id}"] .name`)
        await row.waitFor()
        assert.is(await row.textContent(), 'BEP 5 node')
        assert.is(await page.locator(`#live-list [data-peer-id="${anon.id}"] .name`).textContent(), '(unnamed)')
        await page.fill('#lookup-id', bt.id)
        await page.press('#lookup-id', 'Enter')
        await page.waitForSelector(`[data-lookup-result="${bt.id}"]`)
        assert.ok((await page.locator('[data-lookup-result]').textContent() ?? '').includes('BEP 5 node'))
        assert.equal(errors, [])
      } finally {
        await close()
      }
    })
  }))

directory('page - a peer whose record says it is behind a NAT is labelled "behind NAT" in the directory; this node too, when it is',
  withTimeout(T, async () => {
    const natted: Peer = { ...peer(9, { name: 'inside' }), behindNat: true }
    const plain = peer(10, { name: 'outside' })
    const backend = fakeBackend({ live: [plain], directory: [natted, plain], status: { behindNat: true } })
    await withServer(backend, {}, async ({ url }) => {
      const { page, errors, close } = await openPage(browser, url)
      try {
        const label = page.locator(`#directory-list [data-peer-id="${natted.id}"] [data-field="behind-nat"]`)
        await label.waitFor()
        assert.is(await label.textContent(), 'behind NAT')
        await page.waitForSelector(`#directory-list [data-peer-id="${plain.id}"]`)
        assert.is(await page.locator(`#directory-list [data-peer-id="${plain.id}"] [data-field="behind-nat"]`).count(), 0)
        await page.waitForFunction('(document.getElementById(\'node-udp\')?.textContent ?? \'\').includes(\'behind NAT\')')
        assert.equal(errors, [])
      } finally {
        await close()
      }
    })
  }))

directory.run()

const details = suite('page details and joining')

details('page - while the swarm joins: the directory says why it is empty and fills by itself; names say what is pending',
  withTimeout(T, async () => {
    const dir: Peer[] = []
    const backend = fakeBackend({
      live: [peer(1, { name: '', nameState: 'pending' }), peer(2, { name: '', nameState: 'none' })],
      directory: dir
    })
    await withServer(backend, {}, async ({ url }) => {
      const { page, errors, close } = await openPage(browser, url)
      try {
        await page.waitForSelector('#directory-empty[data-state="joining"]', { state: 'visible' })
        assert.match(await page.locator('#directory-empty').textContent() ?? '', 'peers announce their signed records')
        assert.match(await page.locator('#live-title').textContent() ?? '', 'routing table')
        assert.match(await page.locator('#live-caption').textContent() ?? '', 'not every peer')
        await page.waitForSelector(`#live-list [data-peer-id="${peer(1).id}"]`)
        assert.is(await page.locator(`#live-list [data-peer-id="${peer(1).id}"] .name-text`).textContent(), 'looking up name…')
        assert.is(await page.locator(`#live-list [data-peer-id="${peer(2).id}"] .name-text`).textContent(), 'BEP 5 node')
        assert.is(await page.locator('#live-list').textContent().then(t => t?.includes('(unnamed)')), false)
        dir.push(peer(3, { name: 'late', key: 'aaaa bbbb cccc dddd' }))
        await page.waitForSelector(`#directory-list [data-peer-id="${peer(3).id}"]`, { timeout: 10_000 })
        assert.is(await page.locator('#directory-empty').isHidden(), true)
        assert.is(await page.locator(`#directory-list [data-peer-id="${peer(3).id}"] code.key`).textContent(), 'aaaa bbbb')
        assert.equal(errors, [])
      } finally {
        await close()
      }
    })
  }))

details('page - the directory\'s "last seen" and status follow the live list', withTimeout(T, async () => {
  const old = Date.now() - 3_600_000
  const p = peer(5, { name: 'mover', lastSeen: old })
  const backend = fakeBackend({ live: [p], directory: [p] })
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await live(backend, page)
      const seen = page.locator(`#directory-list [data-peer-id="${p.id}"] .seen`)
      await waitFor(async () => (await seen.textContent()) === '1 h ago', { what: 'old last seen' })
      const now = Date.now()
      backend.emit({ type: 'peer.status', peer: { ...p, lastSeen: now, status: 'offline' } })
      await waitFor(async () => (await seen.getAttribute('data-time')) === String(now), { what: 'directory row moved on' })
      assert.is(await seen.textContent(), 'just now')
      assert.is(await page.locator(`#directory-list [data-peer-id="${p.id}"]`).getAttribute('data-status'), 'offline')
    } finally {
      await close()
    }
  })
}))

details('page - a click on a peer opens its details: key fingerprint, sequence, list, round trip, last check; and a lookup with progress',
  withTimeout(T, async () => {
    const p = peer(7, { name: 'grace', key: '3f2a 9c41 07be d5e0' })
    const release = gate()
    const backend = fakeBackend({
      live: [p],
      details: async (id) =>
        id !== p.id
          ? null
          : { peer: p, record: { key: 'ef'.repeat(32), fingerprint: '3f2a 9c41 07be d5e0', seq: 42, address: '10.0.0.8:6888' },
            list: { index: 12, id: '99'.repeat(20) }, inTable: true, rtt: 23.4, lastChecked: Date.now() - 65_000 },
      lookup: async function* (id, signal) {
        yield { queried: 4, responded: 3, closest: 3 }
        await Promise.race([release.promise, aborted(signal)])
        yield { done: true as const, peer: id === p.id ? p : null, closest: [p.id], queries: 11, ms: 40 }
      }
    })
    await withServer(backend, {}, async ({ url }) => {
      const { page, errors, close } = await openPage(browser, url)
      try {
        await page.click(`#live-list [data-peer-id="${p.id}"]`)
        await page.waitForSelector(`#peer-details[open] [data-details="${p.id}"]`)
        const field = async (name: string): Promise<string | null> =>
          await page.locator(`#peer-details [data-field="${name}"]`).textContent()
        assert.is(await field('fingerprint'), '3f2a 9c41 07be d5e0')
        assert.is(await field('seq'), '42')
        assert.is(await field('signed-address'), '10.0.0.8:6888')
        assert.match(await field('list') ?? '', /^list 12 /)
        assert.is(await field('rtt'), '23 ms')
        assert.is(await field('checked'), '1 min ago')
        assert.is(await field('in-table'), 'in this node\'s table')
        assert.is(await page.locator('#peer-details-title').textContent(), 'grace')
        await page.click('#peer-details-lookup-button')
        await page.waitForSelector('#peer-details-lookup [data-lookup-progress="4"]')
        assert.match(await page.locator('#peer-details-lookup').textContent() ?? '', 'asked 4 nodes, 3 answered')
        release.open()
        await page.waitForSelector(`#peer-details-lookup [data-lookup-result="${p.id}"]`)
        assert.match(await page.locator('#peer-details-lookup').textContent() ?? '', 'found with 11 queries in 40 ms')
        await page.click('#peer-details-close')
        await page.waitForSelector('#peer-details', { state: 'hidden' })
        assert.equal(errors, [])
      } finally {
        await close()
      }
    })
  }))

details('page - the lookup box shows its progress while the lookup runs', withTimeout(T, async () => {
  const target = peer(9, { name: 'far' })
  const release = gate()
  const backend = fakeBackend({
    directory: [target],
    lookup: async function* (_id, signal) {
      yield { queried: 2, responded: 1, closest: 1 }
      yield { queried: 9, responded: 6, closest: 8 }
      await Promise.race([release.promise, aborted(signal)])
      yield { done: true as const, peer: target, closest: [target.id], queries: 12, ms: 80 }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    const { page, close } = await openPage(browser, url)
    try {
      await page.fill('#lookup-id', target.id)
      await page.press('#lookup-id', 'Enter')
      await page.waitForSelector('#lookup-result [data-lookup-progress="9"]')
      assert.match(await page.locator('#lookup-result').textContent() ?? '', 'asked 9 nodes, 6 answered, 8 closest so far')
      release.open()
      await page.waitForSelector(`#lookup-result [data-lookup-result="${target.id}"]`)
    } finally {
      await close()
    }
  })
}))

details.run()

const look = suite('page look')

look('page - screenshots of a populated page (wide, dark, narrow)', withTimeout(T, async () => {
  const names = ['atlas', 'borealis', 'cinder', 'delta-relay', 'ember', 'fjord', 'granite', 'harbor', 'ion', 'juniper', 'kestrel', 'lumen',
    'meridian', 'nimbus', 'onyx', 'polaris', 'quartz', 'raven', 'sable', 'tundra', 'umbra', 'vesper']
  const now = Date.now()
  const livePeers: Peer[] = names.map((name, i) =>
    peer(i + 1, { name, status: i % 6 === 4 ? 'offline' : 'online', lastSeen: now - i * 9_000 })
  )
  const dir: Peer[] = Array.from({ length: 80 },
    (_, i) => peer(100 + i, { name: `node-${(100 + i).toString(36)}`, lastSeen: now - i * 60_000 }))
  const backend = fakeBackend({
    live: livePeers,
    directory: dir,
    status: { buckets: [0, 0, 0, 0, 1, 2, 4, 8, 8, 8, 7, 5, 3, 2, 1, 1, 0, 0, 0, 0].concat(Array(140).fill(0)),
      uptime: 3 * 3600_000 + 17 * 60_000 },
    search: async function* () {
      yield { peer: livePeers[1]!, via: 'local' }
      yield { peer: dir[3]!, via: 'lists' }
      yield { peer: dir[9]!, via: 'gossip' }
    }
  })
  await withServer(backend, {}, async ({ url }) => {
    for (const shot of [
      { file: 'page.png', width: 1440, height: 1100, colorScheme: 'light' as const },
      { file: 'page-dark.png', width: 1440, height: 1100, colorScheme: 'dark' as const },
      { file: 'page-narrow.png', width: 420, height: 1400, colorScheme: 'light' as const }
    ]) {
      const { page, errors, close } = await openPage(browser, url, shot)
      try {
        await waitFor(async () => (await page.locator('#live-list [data-peer-id]').count()) === livePeers.length, { what: 'live rows' })
        await page.waitForSelector('#node-name:text("test-node")')
        await page.fill('#search-q', 'node')
        await page.press('#search-q', 'Enter')
        await page.waitForSelector('#search[data-state="done"]')
        await page.fill('#lookup-id', livePeers[2]!.id)
        await page.press('#lookup-id', 'Enter')
        await page.waitForSelector('[data-lookup-result]')
        const path = resultPath(shot.file)
        await page.screenshot({ path, fullPage: true })
        assert.ok(statSync(path).size > 20_000, `${shot.file} has content`)
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')
        assert.is(overflow, 0, `${shot.file}: no horizontal scrolling`)
        assert.equal(errors, [])
      } finally {
        await close()
      }
    }
  })
}))

look.after(async () => {
  await browser.close()
})
look.run()
