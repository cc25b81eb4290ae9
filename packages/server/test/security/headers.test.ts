import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_WEB_ROOT } from '../../src/plugins/web.js'
import { build } from '../helper.js'

/** The directives of a Content-Security-Policy header, by name. */
function csp (header: unknown): Map<string, string[]> {
  expect(typeof header).toBe('string')
  return new Map((header as string).split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/)
    return [name as string, values]
  }))
}

/**
 * OWASP API8 (security misconfiguration): every answer — API JSON, the web UI's pages, errors —
 * carries the usual security headers; the web UI's policy allows its own scripts and styles
 * and data: images only, and no page can be framed. (That the built UI runs under it without a
 * CSP violation is checked in a real browser by e2e/web-ui.test.ts, which fails on console errors.)
 */
describe('security headers', () => {
  beforeAll(() => {
    if (!existsSync(join(DEFAULT_WEB_ROOT, 'index.html'))) {
      execFileSync('npm', ['run', 'build', '--workspace', '@heatpool/web', '--silent'], { cwd: join(DEFAULT_WEB_ROOT, '../../..'), stdio: 'ignore' })
    }
  }, 120_000)

  it('are on an API route, an error, the community page and the admin dashboard', async () => {
    const t = await build()
    const answers = {
      'GET /api/v2/community/models': await t.inject({ method: 'GET', url: '/api/v2/community/models' }),
      'GET /api/v2/installations/me (401)': await t.inject({ method: 'GET', url: '/api/v2/installations/me' }),
      'GET /nope (404)': await t.inject({ method: 'GET', url: '/nope' }),
      'GET /': await t.inject({ method: 'GET', url: '/' }),
      'GET /admin/': await t.inject({ method: 'GET', url: '/admin/' }),
    }
    expect(answers['GET /api/v2/community/models'].statusCode).toBe(200)
    expect(answers['GET /'].statusCode).toBe(200)
    expect(answers['GET /admin/'].statusCode).toBe(200)
    for (const [what, res] of Object.entries(answers)) {
      expect(res.headers['x-content-type-options'], what).toBe('nosniff')
      expect(res.headers['x-frame-options'], what).toBe('DENY')
      expect(res.headers['referrer-policy'], what).toBe('no-referrer')
      expect(res.headers['strict-transport-security'], what).toBe('max-age=31536000; includeSubDomains')
      expect(res.headers['cross-origin-opener-policy'], what).toBe('same-origin')
      expect(res.headers['cross-origin-resource-policy'], what).toBe('same-origin')
      expect(res.headers['x-powered-by'], what).toBeUndefined()
      const policy = csp(res.headers['content-security-policy'])
      expect(policy.get('default-src'), what).toEqual(["'self'"])
      expect(policy.get('script-src'), what).toEqual(["'self'"])
      expect(policy.get('style-src'), what).toEqual(["'self'"])
      expect(policy.get('img-src'), what).toEqual(["'self'", 'data:'])
      expect(policy.get('frame-ancestors'), what).toEqual(["'none'"])
      expect(policy.get('object-src'), what).toEqual(["'none'"])
      // On a plain-HTTP LAN install this would send the UI's own asset requests to https://.
      expect(policy.has('upgrade-insecure-requests'), what).toBe(false)
    }
  })

  it('let the built pages load only what the policy allows: their own assets and an inline data: favicon', async () => {
    const t = await build()
    for (const page of ['/', '/admin/']) {
      const html = (await t.inject({ method: 'GET', url: page })).body
      // No inline script or style element, no inline event handler, no third-party origin.
      expect(html, page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
      expect(html, page).not.toMatch(/<style[\s>]/)
      expect(html, page).not.toMatch(/\son[a-z]+=/)
      const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
      expect(urls.length, page).toBeGreaterThan(0)
      for (const url of urls) expect(url.startsWith('/') || url.startsWith('data:'), `${page}: ${url}`).toBe(true)
    }
  })

  it('give the OpenAPI UI at /docs a policy that lets it run, still without inline scripts or framing', async () => {
    const t = await build()
    const page = await t.inject({ method: 'GET', url: '/docs/' })
    const json = await t.inject({ method: 'GET', url: '/docs/json' })
    expect(page.statusCode).toBe(200)
    expect(json.statusCode).toBe(200)
    for (const res of [page, json]) {
      const policy = csp(res.headers['content-security-policy'])
      expect(policy.get('script-src')).toEqual(["'self'"])
      expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'"])
      expect(policy.get('frame-ancestors')).toEqual(["'none'"])
      expect(res.headers['x-frame-options']).toBe('DENY')
    }
    // Its scripts are files of its own, which script-src 'self' allows.
    const scripts = [...page.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1] as string)
    expect(scripts.length).toBeGreaterThan(0)
    for (const src of scripts) {
      const res = await t.inject({ method: 'GET', url: new URL(src, 'http://x/docs/').pathname })
      expect(res.statusCode, src).toBe(200)
    }
  })
})
