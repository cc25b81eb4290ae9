import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_WEB_ROOT } from '../../src/api/static.js'
import { loadAgentConfig } from '../../src/config.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { deadUrl } from '../unit/support/real-server.js'
import { onCleanup, tempDir } from '../unit/support/rig.js'

/** The agent service on a loopback port, serving the web build at `webRoot`; `lines`: its log. */
async function agent (webRoot: string | undefined, lines: string[] = []): Promise<AgentService> {
  const config = loadAgentConfig({
    HEATPOOL_SERVER_URL: await deadUrl(),
    AGENT_PORT: '0',
    AGENT_HOST: '127.0.0.1',
    AGENT_DATA_DIR: tempDir('heatpool-agent-web-'),
    AGENT_MODEL_CHECK_INTERVAL: '0',
    LOG_LEVEL: 'silent',
  })
  const logger = pino({ level: 'warn' }, { write: (line: string) => { lines.push(line) } })
  const service = await startAgent(config, { httpLogs: false, logger, ...(webRoot === undefined ? {} : { webRoot }) })
  onCleanup(() => service.close())
  return service
}

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet (base: string, path: string): Promise<{ status: number, body: string }> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end()
  })
}

const INDEX = '<!doctype html><div id="app"></div><script type="module" src="/assets/me-abc123.js"></script>'
const SCRIPT = 'console.log("me")'

/** A web build as Vite lays it out, plus files the agent must not serve. */
function fakeBuild (): string {
  const root = tempDir('heatpool-agent-web-dist-')
  mkdirSync(join(root, 'me'))
  mkdirSync(join(root, 'assets'))
  mkdirSync(join(root, 'admin'))
  writeFileSync(join(root, 'me', 'index.html'), INDEX)
  writeFileSync(join(root, 'index.html'), '<!doctype html>community')
  writeFileSync(join(root, 'admin', 'index.html'), '<!doctype html>admin')
  writeFileSync(join(root, 'assets', 'me-abc123.js'), SCRIPT)
  writeFileSync(join(root, 'assets', 'mount-def456.css'), 'body{}')
  writeFileSync(join(root, 'assets', 'font-0a1b.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32, 0x00, 0xff]))
  writeFileSync(join(root, 'secret.txt'), 'not for the web')
  return root
}

describe('the agent serves the "my installation" page', () => {
  it('answers / with me/index.html and each built asset with its type, caching and nosniff', async () => {
    const a = await agent(fakeBuild())
    const page = await fetch(`${a.url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-cache')
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    expect(page.headers.get('content-security-policy')).toBe('frame-ancestors \'none\'')
    expect(await page.text()).toBe(INDEX)

    const script = await fetch(`${a.url}/assets/me-abc123.js`)
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(script.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await script.text()).toBe(SCRIPT)

    const css = await fetch(`${a.url}/assets/mount-def456.css`)
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')

    // Binary files arrive byte for byte.
    const font = await fetch(`${a.url}/assets/font-0a1b.woff2`)
    expect(font.headers.get('content-type')).toBe('font/woff2')
    expect([...new Uint8Array(await font.arrayBuffer())]).toEqual([0x77, 0x4f, 0x46, 0x32, 0x00, 0xff])
  })

  it('revalidates the page with its ETag (304 when unchanged)', async () => {
    const a = await agent(fakeBuild())
    const first = await fetch(`${a.url}/`)
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/)
    const again = await fetch(`${a.url}/`, { headers: { 'if-none-match': etag as string } })
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
    const stale = await fetch(`${a.url}/`, { headers: { 'if-none-match': 'W/"0-0"' } })
    expect(stale.status).toBe(200)
  })

  it('refuses traversal and anything not in the build, with the API\'s JSON 404', async () => {
    const a = await agent(fakeBuild())
    for (const path of [
      '/assets/../secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/%2e%2e/secret.txt',
      '/../secret.txt',
      '/secret.txt',
      '/index.html',
      '/admin/',
      '/admin/index.html',
      '/me/index.html',
      '/assets/',
      '/assets/missing.js',
      '/no-such-page',
    ]) {
      const res = await rawGet(a.url, path)
      expect(res.status, path).toBe(404)
      expect(JSON.parse(res.body), path).toMatchObject({ code: 'HP_ERR_NOT_FOUND' })
      expect(res.body, path).not.toContain('not for the web')
      expect(res.body, path).not.toContain('community')
    }
  })

  it('keeps the API beside the page', async () => {
    const a = await agent(fakeBuild())
    expect((await fetch(`${a.url}/health`)).status).toBe(200)
    const status = await fetch(`${a.url}/api/status`)
    expect(status.status).toBe(200)
    expect(status.headers.get('content-type')).toMatch(/^application\/json/)
  })

  it('warns and serves the API only without a build', async () => {
    const lines: string[] = []
    const a = await agent(tempDir('heatpool-agent-no-web-'), lines)
    const res = await fetch(`${a.url}/`)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ code: 'HP_ERR_NOT_FOUND' })
    expect((await fetch(`${a.url}/health`)).status).toBe(200)
    expect(lines.map((l) => JSON.parse(l) as { level: number, msg: string })).toContainEqual(expect.objectContaining({ level: 40, msg: 'no built web UI (run `npm run build`): serving the API only' }))
  })

  describe('the real build', () => {
    beforeAll(() => {
      // `npm test` builds it first; a lone `vitest --project agent` may run before any build.
      if (!existsSync(join(DEFAULT_WEB_ROOT, 'me', 'index.html'))) {
        execFileSync('npm', ['run', 'build', '--workspace', '@heatpool/web', '--silent'], { cwd: join(DEFAULT_WEB_ROOT, '../../..'), stdio: 'ignore' })
      }
    }, 120_000)

    it('is found from the agent\'s own location, and every asset the page references loads', async () => {
      expect(DEFAULT_WEB_ROOT).toBe(fileURLToPath(new URL('../../../web/dist/', import.meta.url)))
      const a = await agent(undefined)
      const page = await fetch(`${a.url}/`)
      expect(page.status).toBe(200)
      const html = await page.text()
      expect(html).toContain('<div id="app"></div>')
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string)
      expect(assets.some((p) => /\/assets\/me-[^/]+\.js$/.test(p))).toBe(true)
      expect(assets.some((p) => p.endsWith('.css'))).toBe(true)
      for (const path of assets) {
        const res = await fetch(`${a.url}${path}`)
        expect(res.status, path).toBe(200)
        expect(res.headers.get('content-type'), path).toMatch(path.endsWith('.js') ? /javascript/ : /^text\/css/)
      }
    })
  })
})
