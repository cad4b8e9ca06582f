/**
 * Headless Chromium for page tests, driven by playwright-core against the system Chromium.
 * One browser per test file (`launchBrowser` in `suite.before`), one context per test
 * (`openPage`), and every console error or uncaught page error is collected so a test can
 * assert there were none.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export const CHROMIUM = process.env.PC_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

/** `packages/ui-bridge/test-results/` (gitignored): screenshots and other artefacts. */
export const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url))

export async function launchBrowser (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw Object.assign(new Error(`no Chromium at ${CHROMIUM} (set PC_CHROMIUM)`), { code: 'ERR_NO_CHROMIUM' })
  return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 })
}

export interface OpenPage {
  readonly page: Page
  readonly context: BrowserContext
  /** Console errors and uncaught exceptions seen so far. */
  readonly errors: string[]
  close(): Promise<void>
}

export async function openPage (browser: Browser, url: string,
  opts: { width?: number, height?: number, colorScheme?: 'light' | 'dark' } = {}): Promise<OpenPage> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 1000 },
    colorScheme: opts.colorScheme ?? 'light'
  })
  const page = await context.newPage()
  page.setDefaultTimeout(10_000)
  const errors: string[] = []
  page.on('console', m => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  page.on('pageerror', e => {
    errors.push(`pageerror: ${e.message}`)
  })
  await page.goto(url)
  return { page, context, errors, close: async () => await context.close() }
}

export function resultPath (name: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  return RESULTS_DIR + name
}
