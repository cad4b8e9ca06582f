/**
 * Headless Chromium for the page tests of apps/node, driven by playwright-core against the system
 * Chromium (the same launch as packages/ui-bridge/test/browser.ts, which this package cannot
 * import across its rootDir). Console errors and page errors are collected per page.
 */
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'

export const CHROMIUM = process.env.PC_CHROMIUM ?? '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']

export async function launchBrowser (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw Object.assign(new Error(`no Chromium at ${CHROMIUM} (set PC_CHROMIUM)`), { code: 'ERR_NO_CHROMIUM' })
  return await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 })
}

export interface OpenPage {
  readonly page: Page
  readonly errors: string[]
  close(): Promise<void>
}

export async function openPage (browser: Browser, url: string, opts: { width?: number, height?: number } = {}): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1440, height: opts.height ?? 1000 }, colorScheme: 'light' })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors: string[] = []
  page.on('console', m => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', e => {
    errors.push(`pageerror: ${e.message}`)
  })
  await page.goto(url)
  return { page, errors, close: async () => await context.close() }
}
