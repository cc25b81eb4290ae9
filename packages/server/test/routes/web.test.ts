import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import webPlugin, { DEFAULT_WEB_ROOT } from '../../src/plugins/web.js'
import { build } from '../helper.js'

describe('the web UI', () => {
  beforeAll(() => {
    // `npm test` builds it first; a lone `vitest --project server` may run before any build.
    if (!existsSync(join(DEFAULT_WEB_ROOT, 'index.html'))) {
      execFileSync('npm', ['run', 'build', '--workspace', '@heatpool/web', '--silent'], { cwd: join(DEFAULT_WEB_ROOT, '../../..'), stdio: 'ignore' })
    }
  }, 120_000)

  it('answers GET / with index.html, and the assets it references load', async () => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(res.body).toContain('<div id="app"></div>')

    const assets = [...res.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string)
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true)
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true)
    for (const asset of assets) {
      const a = await t.inject({ method: 'GET', url: asset })
      expect(a.statusCode, asset).toBe(200)
      expect(a.headers['content-type']).toMatch(asset.endsWith('.js') ? /javascript/ : /^text\/css/)
      expect(a.headers['cache-control']).toContain('immutable')
      expect(a.headers['x-content-type-options']).toBe('nosniff')
    }
  })

  it('serves the admin dashboard at /admin/ but not the agent\'s page (me/)', async () => {
    const t = await build()
    const admin = await t.inject({ method: 'GET', url: '/admin/' })
    expect(admin.statusCode).toBe(200)
    expect(admin.body).toContain('<div id="app"></div>')
    expect(admin.body).toMatch(/src="\/assets\/admin-[^"]+\.js"/)
    for (const url of ['/me/', '/me/index.html']) {
      const res = await t.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      expect(res.json()).toMatchObject({ code: 'HP_ERR_NOT_FOUND' })
    }
  })

  it('leaves API routes and unknown paths as they were', async () => {
    const t = await build()
    const pool = await t.inject({ method: 'GET', url: '/api/v1/pool/status' })
    expect(pool.statusCode).toBe(200)
    expect(pool.headers['content-type']).toMatch(/application\/json/)
    for (const url of ['/no-such-page', '/api/v1/no-such-route', '/assets/missing.js']) {
      const res = await t.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      expect(res.json()).toMatchObject({ code: 'HP_ERR_NOT_FOUND' })
    }
  })

  it('warns and serves nothing when the web UI is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'heatpool-web-'))
    const lines: string[] = []
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(line) } } } })
    try {
      await app.register(webPlugin, { root: empty })
      await app.ready()
      expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404)
      expect(lines.join('')).toContain('no built web UI')
    } finally {
      await app.close()
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
