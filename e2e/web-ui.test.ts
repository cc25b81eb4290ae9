// The web UI in headless Chromium (Debian's package, through playwright-core) against a real
// server and agent holding simulated data: each page loads without console errors, its charts
// draw, the language switch changes every visible string, consent off stops uploads, and a
// server outage shows the error state rather than an empty pool.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentStatus, cleanupAll, flushUntilEmpty, getJson, postJson, sleep } from './processes.js'
import { canvasDrawn, chromiumAvailable, launchChromium, settled, startInLocale, visibleTexts, watchProblems, type PageProblems } from './ui/browser.js'
import { startUiStack, type UiStack } from './ui/stack.js'

const NO_CHROMIUM = !chromiumAvailable()

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

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }

async function open (url: string, locale: 'en' | 'de' = 'en', device: { viewport: { width: number, height: number } } = { viewport: { width: 1280, height: 900 } }): Promise<{ context: BrowserContext, page: Page, problems: PageProblems }> {
  const context = await browser.newContext(device)
  await startInLocale(context, locale)
  const page = await context.newPage()
  const problems = watchProblems(page)
  await page.goto(url)
  return { context, page, problems }
}

/** How far the page is wider than the viewport, in CSS pixels (0: no sideways scrolling). */
const overflowX = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>

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

  it('fits a phone\'s width in German, charts drawn', async () => {
    const { context, page, problems } = await open(stack.serverUrl, 'de', PHONE)
    await settle(page)
    expect(await overflowX(page)).toBe(0)
    expect(await canvasDrawn(page.locator('[data-test="comparison-card"]').first())).toBe(true)
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

  it('fits a phone\'s width in German', async () => {
    const { context, page, problems } = await open(`${stack.serverUrl}/admin/`, 'de', PHONE)
    await signIn(page)
    expect(await overflowX(page)).toBe(0)
    expect(await canvasDrawn(page.locator('[data-test="quality-chart"]'))).toBe(true)
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('trains the community models on request and lists the run', async () => {
    const { context, page, problems } = await open(`${stack.serverUrl}/admin/`)
    await signIn(page)
    await page.click('[data-test="train-now"]')
    const run = page.locator('[data-test="training-row"][data-status="succeeded"]').first()
    await run.waitFor({ timeout: 120_000 })
    expect(await run.locator('[data-test="training-version"]').textContent()).toMatch(/\d/)
    expect(problems.errors).toEqual([])
    await context.close()
  }, 150_000)
})

describe.skipIf(NO_CHROMIUM)('my installation (the agent\'s /)', () => {
  const settle = async (page: Page) => {
    await page.locator('[data-test="calendar"]').waitFor()
    await page.locator('[data-test="ranking-entry"]').first().waitFor()
    await settled(page)
  }

  it('loads without console errors: consent, contributions, outbox, pool, comparison and ranking', async () => {
    const { context, page, problems } = await open(stack.agentUrl)
    await settle(page)
    expect(await page.locator('[data-test="consent-state"]').getAttribute('data-given')).toBe('true')
    expect(await page.locator('[data-test="registration"]').getAttribute('data-registered')).toBe('true')
    // Back-dated history earns no contribution days (only the last days, within the grace period):
    // the page shows the server's count, and marks those days in the calendar.
    expect((await getJson<{ primary_installation_id: string }>(`${stack.agentUrl}/api/status`)).primary_installation_id).toBe(stack.home)
    const days = (await getJson<{ contribution_days: number }>(`${stack.serverUrl}/api/v2/admin/installations/${stack.home}`, { authorization: `Bearer ${stack.adminToken}` })).contribution_days
    expect(days).toBeGreaterThan(0)
    expect(await page.locator('[data-test="contribution-progress"]').textContent()).toBe(`Day ${days} of 30`)
    expect(await page.locator('[data-test="calendar-day"][data-state="counted"]').count()).toBe(days)
    expect(await page.locator('[data-test="installations"]').textContent()).toBe('65')
    expect(await canvasDrawn(page.locator('[data-test="my-comparison-card"]'))).toBe(true)
    expect(await page.locator('[data-test="ranking-figure"]').first().textContent()).toMatch(/\d/)
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('switches every visible string to German', async () => {
    const { context, page, problems } = await open(stack.agentUrl)
    await settle(page)
    expect(await untranslated(page, () => settle(page))).toEqual([])
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('fits a phone\'s width in German', async () => {
    const { context, page, problems } = await open(stack.agentUrl, 'de', PHONE)
    await settle(page)
    expect(await overflowX(page)).toBe(0)
    expect(await canvasDrawn(page.locator('[data-test="my-comparison-card"]'))).toBe(true)
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('stops uploading when consent is switched off, and resumes when it is switched on', async () => {
    const { context, page, problems } = await open(stack.agentUrl)
    await settle(page)
    const home = stack.home
    const stored = async () => (await getJson<{ samples_total: number }>(`${stack.serverUrl}/api/v2/admin/installations/${home}`, { authorization: `Bearer ${stack.adminToken}` })).samples_total
    const before = await stored()

    await page.click('[data-test="consent-toggle"]')
    await page.locator('[data-test="consent-state"][data-given="false"]').waitFor()
    await page.locator('[data-test="uploads-paused"]').waitFor()
    // The logger goes on sending; the agent keeps the records and sends nothing, even when asked to.
    const now = Math.floor(Date.now() / 1000)
    const records = await stack.relayRecords([300, 240, 180, 120, 60].map((ago) => ({ timestamp: now - ago, values: { temp_outside: 4.5, temp_heat_pump_flow: 34.5, temp_heat_pump_return: 30.5 } })))
    await postJson(`${stack.agentUrl}/api/flush`)
    await sleep(500)
    expect((await agentStatus(stack.agentUrl)).outbox.records).toBe(records)
    expect(await stored()).toBe(before)

    await page.click('[data-test="consent-toggle"]')
    await page.locator('[data-test="consent-state"][data-given="true"]').waitFor()
    await flushUntilEmpty(stack.agentUrl)
    expect(await stored()).toBeGreaterThan(before)
    expect(problems.errors).toEqual([])
    await context.close()
  })

  it('shows the server outage as an error, not as an empty pool, and keeps the agent\'s own cards', async () => {
    await stack.server.stop()
    const { context, page, problems } = await open(stack.agentUrl)
    const pool = page.locator('[data-test="pool-status-card"]')
    await pool.locator('[role="alert"]').waitFor()
    expect(await pool.locator('[role="alert"]').getAttribute('data-error-code')).toBe('HP_ERR_SERVER_UNREACHABLE')
    expect(await pool.locator('[data-test="pool-empty"]').count()).toBe(0)
    expect(await pool.locator('[data-test="installations"]').count()).toBe(0)
    // What the agent knows by itself is still there.
    expect(await page.locator('[data-test="consent-state"]').getAttribute('data-given')).toBe('true')
    await page.locator('[data-test="outbox-card"]').waitFor()
    // The failed proxy calls (502) are the only console errors.
    expect(problems.errors.filter((e) => !/status of 502/.test(e))).toEqual([])
    await context.close()
  })
})
