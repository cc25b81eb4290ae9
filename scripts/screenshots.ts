// `npm run screenshots`: every page of the web UI, in English and German, at desktop and phone
// width, from a real server and agent holding simulated data (e2e/ui/stack.ts), taken with
// Debian's headless Chromium into docs/screenshots/ (the README shows them).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { cleanupAll, httpRequest, REPO } from '../e2e/processes.js'
import { launchChromium, settled, startInLocale } from '../e2e/ui/browser.js'
import { startUiStack, type UiStack } from '../e2e/ui/stack.js'

const OUT = join(REPO, 'docs/screenshots')
const LOCALES = ['en', 'de'] as const
const DEVICES = {
  desktop: { viewport: { width: 1280, height: 900 }, isMobile: false },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true },
} as const

interface Shot {
  readonly name: string
  readonly url: (s: UiStack) => string
  /** Anything the page needs before it shows its data (the admin login). */
  readonly prepare?: (page: Page, s: UiStack) => Promise<void>
}

const SHOTS: readonly Shot[] = [
  { name: 'community', url: (s) => `${s.serverUrl}/` },
  {
    name: 'admin',
    url: (s) => `${s.serverUrl}/admin/`,
    prepare: async (page, s) => {
      await page.fill('[data-test="login-token"]', s.adminToken)
      await page.click('[data-test="login-submit"]')
      await page.locator('[data-test="installation-row"]').first().waitFor()
    },
  },
  { name: 'my-installation', url: (s) => `${s.agentUrl}/` },
]


async function main (): Promise<void> {
  mkdirSync(OUT, { recursive: true })
  const say = (line: string) => process.stdout.write(`${line}\n`)
  let browser: Browser | undefined
  try {
    const [stack, chromium] = await Promise.all([startUiStack({ log: say }), launchChromium()])
    browser = chromium
    // Train once, so the admin dashboard lists training runs and model versions.
    const trained = await httpRequest('POST', `${stack.serverUrl}/api/v2/admin/training`, undefined, { authorization: `Bearer ${stack.adminToken}` }, 300_000)
    if (trained.status !== 200) throw new Error(`cannot train the community models: ${trained.status ?? trained.error} ${trained.body.slice(0, 300)}`)
    for (const shot of SHOTS) {
      for (const locale of LOCALES) {
        for (const [device, options] of Object.entries(DEVICES)) {
          const context = await browser.newContext({ ...options, colorScheme: 'light', locale: locale === 'de' ? 'de-DE' : 'en-GB' })
          await startInLocale(context, locale)
          const page = await context.newPage()
          await page.goto(shot.url(stack))
          await shot.prepare?.(page, stack)
          await settled(page)
          await page.waitForTimeout(1200) // the charts' entry animation
          const file = join(OUT, `${shot.name}-${locale}-${device}.png`)
          await page.screenshot({ path: file, fullPage: true })
          say(`wrote ${file.slice(REPO.length)}`)
          await context.close()
        }
      }
    }
  } finally {
    await browser?.close()
    cleanupAll()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`cannot take the screenshots: ${(err as Error).stack ?? String(err)}\n`)
  cleanupAll()
  process.exit(1)
})
