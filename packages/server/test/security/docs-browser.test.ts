import { describe, expect, it } from 'vitest'
import { chromiumAvailable, launchChromium, watchProblems } from '../../../../e2e/ui/browser.js'
import { NO_ENGINE } from '../engines/missing.js'
import { build } from '../helper.js'

/**
 * The OpenAPI UI under its own, relaxed Content-Security-Policy (src/plugins/security-headers.ts)
 * in a real browser: it renders every operation and the console shows no CSP violation or other
 * error. (The web UI's pages are checked the same way by e2e/web-ui.test.ts.)
 */
describe('the OpenAPI UI at /docs', () => {
  it('renders in Chromium under its Content-Security-Policy without a console error', async (ctx) => {
    if (!chromiumAvailable()) return ctx.skip(NO_ENGINE)
    const t = await build()
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' })
    const browser = await launchChromium()
    try {
      const page = await browser.newPage()
      const problems = watchProblems(page)
      const answer = await page.goto(`${address}/docs`)
      expect(answer?.headers()['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'")
      await page.waitForSelector('.opblock', { timeout: 20_000 })
      expect(await page.locator('.opblock').count()).toBeGreaterThan(20)
      await page.locator('.opblock-summary').first().click()
      await page.waitForSelector('.opblock-body', { timeout: 10_000 })
      expect(problems.errors).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})
