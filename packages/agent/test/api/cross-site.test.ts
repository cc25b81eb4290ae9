import { randomUUID } from 'node:crypto'
import { request, type IncomingMessage } from 'node:http'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { crossSiteReason } from '../../src/api/http.js'
import { loadAgentConfig } from '../../src/config.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { FakeServer, SUBMIT, waitFor } from '../unit/support/fake-server.js'
import { deadUrl } from '../unit/support/real-server.js'
import { onCleanup, records, tempDir } from '../unit/support/rig.js'

const servers: FakeServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

/** The real agent service (API only) on a loopback port and a temporary data directory. */
async function agent (serverUrl: string, env: Record<string, string> = {}): Promise<AgentService> {
  const config = loadAgentConfig({
    HEATPOOL_SERVER_URL: serverUrl,
    AGENT_PORT: '0',
    AGENT_HOST: '127.0.0.1',
    AGENT_DATA_DIR: tempDir('heatpool-agent-xsite-'),
    AGENT_RETRY_MIN_MS: '5',
    AGENT_RETRY_MAX_MS: '20',
    AGENT_REQUEST_TIMEOUT_MS: '1000',
    AGENT_MODEL_CHECK_INTERVAL: '0',
    LOG_LEVEL: 'silent',
    ...env,
  })
  const a = await startAgent(config, { httpLogs: false, tickMs: 10, logger: pino({ level: 'silent' }), webRoot: null })
  onCleanup(() => a.close())
  return a
}

interface Answer {
  readonly status: number
  readonly body: Record<string, unknown>
}

/**
 * A POST with exactly these headers (fetch would not let a test set `Host`, and sends no
 * `Origin` of its own: the CLI's calls look like `headers: {}` here).
 */
function rawPost (a: AgentService, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  const { hostname, port } = new URL(a.url)
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const JSON_TYPE = { 'content-type': 'application/json' }
const own = (a: AgentService) => ({ origin: a.url, 'sec-fetch-site': 'same-origin' })
/** What a browser sends for a page on another site: a form post, or a fetch in `no-cors` mode. */
const FOREIGN: readonly [string, Record<string, string>][] = [
  ['another site', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
  ['another site (Origin only, an older browser)', { origin: 'http://evil.example' }],
  ['an opaque origin (sandboxed frame, file://)', { origin: 'null' }],
  ['Sec-Fetch-Site: cross-site without an Origin', { 'sec-fetch-site': 'cross-site' }],
]

const expectRefused = (res: Answer, path: string) => {
  expect(res.status).toBe(403)
  expect(res.body).toEqual({ code: 'HP_ERR_CROSS_SITE', detail: expect.stringContaining(`cannot accept POST ${path} from another site`) as unknown })
}

describe('crossSiteReason: which browser requests come from another site', () => {
  const reason = (headers: Record<string, string>) => crossSiteReason({ headers } as unknown as IncomingMessage)

  it.each<[string, Record<string, string>]>([
    ['a program (no Origin, no Sec-Fetch-Site)', { host: '127.0.0.1:8090' }],
    ['the agent\'s own page', { host: '127.0.0.1:8090', origin: 'http://127.0.0.1:8090', 'sec-fetch-site': 'same-origin' }],
    ['the page on the default port', { host: 'heatpump.local', origin: 'http://heatpump.local' }],
    ['a Host naming the default port', { host: 'heatpump.local:80', origin: 'http://heatpump.local' }],
    ['a Host in other case', { host: 'HeatPump.Local:8090', origin: 'http://heatpump.local:8090' }],
    ['IPv6', { host: '[::1]:8090', origin: 'http://[::1]:8090' }],
    ['behind a TLS proxy that passes Host on', { host: 'agent.example.org', origin: 'https://agent.example.org' }],
    ['a bookmark or typed address', { host: '127.0.0.1:8090', 'sec-fetch-site': 'none' }],
  ])('lets through %s', (_name, headers) => {
    expect(reason(headers)).toBeUndefined()
  })

  it.each<[string, Record<string, string>, string]>([
    ['another site', { host: '127.0.0.1:8090', origin: 'https://evil.example' }, 'Origin https://evil.example'],
    ['another port on the same host (another local app)', { host: '127.0.0.1:8090', origin: 'http://127.0.0.1:3000' }, 'Origin http://127.0.0.1:3000'],
    ['the same host under another name', { host: '127.0.0.1:8090', origin: 'http://localhost:8090' }, 'Origin http://localhost:8090'],
    ['the other scheme\'s default port', { host: 'heatpump.local', origin: 'https://heatpump.local:80' }, 'Origin https://heatpump.local:80'],
    ['an opaque origin', { host: '127.0.0.1:8090', origin: 'null' }, 'Origin "null"'],
    ['an origin that is no http(s) URL', { host: '127.0.0.1:8090', origin: 'chrome-extension://abc' }, 'Origin "chrome-extension://abc"'],
    ['an Origin without a Host', { origin: 'http://127.0.0.1:8090' }, 'Origin http://127.0.0.1:8090 without a Host'],
    ['Sec-Fetch-Site: cross-site', { host: '127.0.0.1:8090', 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site: cross-site'],
  ])('refuses %s', (_name, headers, why) => {
    expect(reason(headers)).toBe(why)
  })
})

describe('cross-site requests to the agent\'s local API', () => {
  it('POST /api/consent: refused (403) before the body is read, consent unchanged; the page itself and programs are taken', async () => {
    const a = await agent(await deadUrl())
    for (const [name, headers] of FOREIGN) {
      const res = await rawPost(a, '/api/consent', { ...JSON_TYPE, ...headers }, JSON.stringify({ given: true }))
      expectRefused(res, '/api/consent')
      expect(a.state.get().consent.given, name).toBe(false)
    }
    // A classic form post (no CORS preflight): 403, not the 415 its content type would get.
    expectRefused(await rawPost(a, '/api/consent', { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, 'given=true'), '/api/consent')
    expect(a.state.get().consent.given).toBe(false)

    // The agent's own page: a same-origin fetch sends its own origin.
    expect((await rawPost(a, '/api/consent', { ...JSON_TYPE, ...own(a) }, JSON.stringify({ given: true }))).status).toBe(200)
    expect(a.state.get().consent.given).toBe(true)
    // And fetch as the CLI sends it: no Origin.
    const cli = await fetch(`${a.url}/api/consent`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ given: false }) })
    expect(cli.status).toBe(200)
    expect(a.state.get().consent.given).toBe(false)
  })

  it('POST /api/flush: refused without any upload attempt; same-origin and no-Origin flushes run', async () => {
    const server = await FakeServer.start()
    servers.push(server)
    const a = await agent(server.url)
    expect((await rawPost(a, '/api/v1/submit', JSON_TYPE, JSON.stringify({ installation_id: randomUUID(), data: records(2).map((t) => JSON.parse(t) as unknown) }))).status).toBe(200)
    for (const [name, headers] of FOREIGN) {
      expectRefused(await rawPost(a, '/api/flush', headers), '/api/flush')
      expect(a.uploader.lastResult, name).toBeUndefined()
    }
    expect(server.requests).toEqual([])

    // Without consent a flush ends in `no_credential`: it ran, and nothing left the house.
    const page = await rawPost(a, '/api/flush', { ...JSON_TYPE, ...own(a) }, '{}')
    expect(page.status).toBe(200)
    expect(page.body).toMatchObject({ last_upload: { outcome: 'no_credential' }, outbox: { records: 2 } })
    const before = a.uploader.lastResult?.at
    await new Promise((resolve) => setTimeout(resolve, 5))
    const cli = await fetch(`${a.url}/api/flush`, { method: 'POST' })
    expect(cli.status).toBe(200)
    expect(a.uploader.lastResult?.at).not.toBe(before)
  })

  it('POST /api/check-model: refused without a check; checked from the page', async () => {
    const a = await agent(await deadUrl())
    for (const [, headers] of FOREIGN) expectRefused(await rawPost(a, '/api/check-model', headers), '/api/check-model')
    expect(a.updater.status.checkedAt).toBeNull()
    const page = await rawPost(a, '/api/check-model', { ...JSON_TYPE, ...own(a) }, '{}')
    expect(page.status).toBe(200)
    expect(a.updater.status.checkedAt).not.toBeNull()
  })

  it('POST /api/quarantine/release: refused, the batch stays in quarantine; released from the page', async () => {
    const server = await FakeServer.start({ [SUBMIT]: () => ({ status: 422, body: { code: 'HP_ERR_VALIDATION', detail: 'cannot validate body' } }) })
    servers.push(server)
    const a = await agent(server.url, { AGENT_CONSENT: 'true' })
    expect((await rawPost(a, '/api/v1/submit', JSON_TYPE, JSON.stringify({ installation_id: randomUUID(), data: records(1).map((t) => JSON.parse(t) as unknown) }))).status).toBe(200)
    expect((await rawPost(a, '/api/flush', {})).status).toBe(200)
    await waitFor(() => a.outbox.stats().quarantinedBatches === 1, 'a batch in quarantine')
    for (const [name, headers] of FOREIGN) {
      expectRefused(await rawPost(a, '/api/quarantine/release', headers), '/api/quarantine/release')
      expect(a.outbox.stats().quarantinedBatches, name).toBe(1)
    }
    expect(await rawPost(a, '/api/quarantine/release', own(a))).toEqual({ status: 200, body: { released: 1 } })
  })

  it('the relay POST /api/v1/submit takes records whatever the Origin; reads are not refused either', async () => {
    const a = await agent(await deadUrl())
    const id = randomUUID()
    for (const [, headers] of FOREIGN) {
      const res = await rawPost(a, '/api/v1/submit', { ...JSON_TYPE, ...headers }, JSON.stringify({ installation_id: id, data: records(1).map((t) => JSON.parse(t) as unknown) }))
      expect(res).toEqual({ status: 200, body: { status: 'success', processed: 1, queued: true, dropped_oldest: 0 } })
    }
    expect(a.outbox.waiting(id)).toBe(FOREIGN.length)
    const status = await fetch(`${a.url}/api/status`, { headers: { origin: 'https://evil.example' } })
    expect(status.status).toBe(200)
    // No CORS header: the other site's script cannot read the answer.
    expect(status.headers.get('access-control-allow-origin')).toBeNull()
  })
})
