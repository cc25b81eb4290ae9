// Headless Chromium from Debian's package, driven by playwright-core (no browser download).
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Locator, type Page } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** HEATPOOL_CHROMIUM, else the first Chromium on the usual paths; undefined when there is none. */
export function chromiumPath (): string | undefined {
  const configured = process.env.HEATPOOL_CHROMIUM
  if (configured !== undefined && configured !== '') return configured
  return CANDIDATES.find((p) => existsSync(p))
}

/**
 * Whether the browser tests can run: true with a Chromium; false without one (they skip), unless
 * HEATPOOL_REQUIRE_ENGINES=1 (CI), where a missing Chromium throws instead.
 */
export function chromiumAvailable (): boolean {
  if (chromiumPath() !== undefined) return true
  if (process.env.HEATPOOL_REQUIRE_ENGINES === '1') throw new Error('cannot run the browser tests: no Chromium (install Debian\'s `chromium` or set HEATPOOL_CHROMIUM)')
  return false
}

export async function launchChromium (): Promise<Browser> {
  const executablePath = chromiumPath()
  if (executablePath === undefined) throw new Error('cannot find Chromium: install Debian\'s `chromium` or set HEATPOOL_CHROMIUM')
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

export interface PageProblems {
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[]
}

/** Records console errors and uncaught page exceptions of `page`. */
export function watchProblems (page: Page): PageProblems {
  const errors: string[] = []
  page.on('console', (m: ConsoleMessage) => { if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`) })
  page.on('pageerror', (err) => errors.push(`exception: ${err.message}`))
  return { errors }
}

// The functions below run inside the page. This program is type-checked without the DOM library,
// so they describe what they use (CanvasLike) or are passed as source text.

/** What canvasDrawn reads of a canvas element. */
interface CanvasLike {
  readonly width: number
  readonly height: number
  getContext (kind: '2d'): { getImageData (x: number, y: number, w: number, h: number): { readonly data: ArrayLike<number> } } | null
}

/** Whether the first canvas inside `within` has drawn pixels (a chart that rendered with data). */
export async function canvasDrawn (within: Locator): Promise<boolean> {
  const canvas = within.locator('canvas').first()
  await canvas.waitFor()
  return await canvas.evaluate((c: CanvasLike) => {
    const ctx = c.getContext('2d')
    if (ctx === null || c.width === 0 || c.height === 0) return false
    const data = ctx.getImageData(0, 0, c.width, c.height).data
    let drawn = 0
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) drawn++
    return drawn > 500
  })
}

/** Every visible text node's text (trimmed, non-empty, outside `<code>`), in document order. */
export async function visibleTexts (page: Page): Promise<string[]> {
  return await page.evaluate(`(() => {
    const out = []
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim()
      const el = n.parentElement
      if (text === '' || el === null) continue
      const style = getComputedStyle(el)
      if (style.display === 'none' || style.visibility === 'hidden' || el.closest('[hidden]') !== null) continue
      if (el.getClientRects().length === 0) continue
      if (el.closest('code') !== null) continue // codes (HP_ERR_…, reason codes) read the same in every language
      out.push(text)
    }
    return out
  })()`) as string[]
}

/** Makes every page of `context` start in `locale` (the UI's stored language choice). */
export async function startInLocale (context: BrowserContext, locale: 'en' | 'de'): Promise<void> {
  await context.addInitScript(`localStorage.setItem('heatpool.locale', ${JSON.stringify(locale)})`)
}

/** Waits until no card is loading (no `aria-busy="true"` left) and the network is quiet. */
export async function settled (page: Page, timeout = 30_000): Promise<void> {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(`document.querySelector('[aria-busy="true"]') === null`, undefined, { timeout })
}
