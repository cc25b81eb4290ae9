import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { CONSENT_TEXT_VERSION } from '../../src/consent-text.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { TokenStore } from '../../src/state.js'
import { deadUrl, realServer } from '../unit/support/real-server.js'
import { onCleanup, records, tempDir } from '../unit/support/rig.js'

/** The real agent service (API only) on a loopback port and a temporary data directory. */
async function agent (serverUrl: string, env: Record<string, string> = {}): Promise<{ a: AgentService, dir: string }> {
  const dir = tempDir('heatpool-agent-me-')
  const config = loadAgentConfig({
    HEATPOOL_SERVER_URL: serverUrl,
    AGENT_PORT: '0',
    AGENT_HOST: '127.0.0.1',
    AGENT_DATA_DIR: dir,
    AGENT_RETRY_MIN_MS: '5',
    AGENT_RETRY_MAX_MS: '20',
    AGENT_REQUEST_TIMEOUT_MS: '1000',
    AGENT_MODEL_CHECK_INTERVAL: '0',
    LOG_LEVEL: 'silent',
    ...env,
  })
  const a = await startAgent(config, { httpLogs: false, tickMs: 10, logger: pino({ level: 'silent' }), webRoot: null })
  onCleanup(() => a.close())
  return { a, dir }
}

const get = async (a: AgentService, path: string): Promise<{ status: number, body: Record<string, unknown> }> => {
  const res = await fetch(`${a.url}${path}`)
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}

const post = (a: AgentService, path: string, body: unknown) => fetch(`${a.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('my installation: proxies to the server with the installation\'s own token', () => {
  it('before registration: me and ranking are 409 HP_ERR_NOT_REGISTERED, the public comparison has no `mine`', async () => {
    const server = await realServer()
    const { a } = await agent(server.url, { AGENT_HEATPUMP_MODEL: 'AERO SLM' })
    for (const path of ['/api/me', '/api/ranking?window=30d']) {
      const res = await get(a, path)
      expect(res.status, path).toBe(409)
      expect(res.body, path).toMatchObject({ code: 'HP_ERR_NOT_REGISTERED' })
    }
    // No model in the query: the agent's configured one.
    const comparison = await get(a, '/api/comparison?metric=cop&window=30d')
    expect(comparison.status).toBe(200)
    expect(comparison.body).toMatchObject({ model: 'AERO SLM', model_key: 'aero_slm', metric: 'cop' })
    expect(comparison.body).not.toHaveProperty('mine')
    expect(server.requests.filter((r) => r.startsWith('GET /api/v2/'))).toEqual(['GET /api/v2/community/comparison?metric=cop&window=30d&model=AERO+SLM'])
  })

  it('registered: me, ranking and comparison are the server\'s own answers to the installation\'s token', async () => {
    const server = await realServer({ CONTRIBUTION_MIN_SAMPLES: '1' })
    const { a, dir } = await agent(server.url, { AGENT_CONSENT: 'true' })
    const id = randomUUID()
    expect((await post(a, '/api/v1/submit', { installation_id: id, heatpump_model: 'AERO SLM', version: '1.0.2', data: records(5).map((t) => JSON.parse(t)) })).status).toBe(200)
    expect((await (await post(a, '/api/flush', {})).json() as { last_upload: { outcome: string } }).last_upload.outcome).toBe('acknowledged')
    const token = readFileSync(join(dir, 'tokens', `${id}.token`), 'utf8').trim()
    const direct = async (path: string) => {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status, path).toBe(200)
      return await res.json() as Record<string, unknown>
    }

    const me = await get(a, '/api/me')
    expect(me.status).toBe(200)
    expect(me.body).toEqual(await direct('/api/v2/installations/me'))
    expect(me.body).toMatchObject({ installation_id: id, heatpump_model: 'AERO SLM', eligibility: { eligible: false } })
    expect((me.body.contribution_days as { recent: unknown[] }).recent.length).toBeGreaterThan(0)

    const ranking = await get(a, '/api/ranking?window=30d')
    expect(ranking.status).toBe(200)
    expect(ranking.body).toEqual(await direct('/api/v2/community/ranking?window=30d'))
    expect((ranking.body.heat_pumps as { ranked: boolean }[])[0]).toMatchObject({ ranked: false })

    const comparison = await get(a, '/api/comparison?model=aero_slm&metric=cop&window=365d')
    expect(comparison.status).toBe(200)
    expect(comparison.body).toEqual(await direct('/api/v2/community/comparison?model=aero_slm&metric=cop&window=365d'))
    expect(Array.isArray(comparison.body.mine)).toBe(true)

    // Only the parameters each server route knows are passed on; the server's refusals pass through.
    const extra = await get(a, '/api/ranking?window=30d&installation_id=someone-else')
    expect(extra.status).toBe(200)
    expect(server.requests).toContain('GET /api/v2/community/ranking?window=30d')
    const bad = await get(a, '/api/ranking?window=2d')
    expect(bad.status).toBe(422)
    expect(bad.body).toMatchObject({ code: 'HP_ERR_VALIDATION' })
    const badModel = await get(a, '/api/comparison?model=AERO%0ASLM')
    expect(badModel.status).toBe(400)
  })

  it('a token the server no longer accepts: its 401 passes through, not an empty answer', async () => {
    const server = await realServer()
    const { a, dir } = await agent(server.url)
    const id = randomUUID()
    new TokenStore(dir).set(id, `hpi_${'x'.repeat(40)}`)
    a.state.notePrimary(id)
    const res = await get(a, '/api/me')
    expect(res.status).toBe(401)
    expect(res.body).toMatchObject({ code: 'HP_ERR_TOKEN_REJECTED' })
  })

  it('with the server down: 502 HP_ERR_SERVER_UNREACHABLE from every proxy', async () => {
    const { a, dir } = await agent(await deadUrl(), { AGENT_HEATPUMP_MODEL: 'AERO SLM' })
    const id = randomUUID()
    new TokenStore(dir).set(id, `hpi_${'y'.repeat(40)}`)
    a.state.notePrimary(id)
    for (const path of ['/api/me', '/api/ranking', '/api/comparison', '/api/pool-status']) {
      const res = await get(a, path)
      expect(res.status, path).toBe(502)
      expect(res.body, path).toMatchObject({ code: 'HP_ERR_SERVER_UNREACHABLE' })
      expect(res.body.detail, path).toMatch(/cannot reach the heatpool server/)
    }
  })
})

describe('consent', () => {
  it('GET /api/consent-text: the text of this version and what is shared, in English and German', async () => {
    const { a } = await agent(await deadUrl())
    const res = await get(a, '/api/consent-text')
    expect(res.status).toBe(200)
    const body = res.body as { version: string, accepted_version: string | null, languages: Record<string, { title: string, paragraphs: string[], shared: { id: string }[], not_shared: { id: string }[], metrics: { name: string }[] }> }
    expect(body.version).toBe(CONSENT_TEXT_VERSION)
    expect(body.accepted_version).toBeNull()
    expect(Object.keys(body.languages)).toEqual(['en', 'de'])
    const { en, de } = body.languages as Record<'en' | 'de', typeof body.languages[string]>
    expect(en.shared.map((s) => s.id)).toEqual(de.shared.map((s) => s.id))
    expect(en.not_shared.map((s) => s.id)).toEqual(['ip_address', 'location', 'household', 'credentials'])
    expect(de.not_shared.map((s) => s.id)).toEqual(en.not_shared.map((s) => s.id))
    expect(en.metrics.map((m) => m.name)).toContain('power_electric')
    expect(de.title).toMatch(/Wärmepumpe/)

    expect((await post(a, '/api/consent', { given: true })).status).toBe(200)
    expect((await get(a, '/api/consent-text')).body.accepted_version).toBe('2026-11')
  })

  it('given and withdrawn on the page; status says which; withdrawing stops uploads', async () => {
    const { a } = await agent(await deadUrl())
    expect((await get(a, '/api/status')).body.consent).toMatchObject({ given: false, locked: false })
    expect(await (await post(a, '/api/consent', { given: true })).json()).toMatchObject({ consent: { given: true, version: '2026-11' } })
    expect((await get(a, '/api/status')).body.consent).toMatchObject({ given: true, version: '2026-11' })
    expect(await (await post(a, '/api/consent', { given: false })).json()).toMatchObject({ consent: { given: false } })
    expect((await get(a, '/api/status')).body.consent).toMatchObject({ given: false })
    // Withdrawn: a flush sends nothing and the records stay in the outbox.
    expect((await post(a, '/api/v1/submit', { installation_id: randomUUID(), data: records(2).map((t) => JSON.parse(t)) })).status).toBe(200)
    const flushed = await (await post(a, '/api/flush', {})).json() as { last_upload: { outcome: string, detail: string }, outbox: { records: number } }
    expect(flushed.last_upload).toMatchObject({ outcome: 'no_credential', detail: expect.stringContaining('no consent') })
    expect(flushed.outbox.records).toBe(2)
  })

  it('the consent text\'s version is the one the agent registers with by default', () => {
    expect(loadAgentConfig({}).AGENT_CONSENT_VERSION).toBe(CONSENT_TEXT_VERSION)
  })

  it('cannot be withdrawn on the page while AGENT_CONSENT=true gives it: 409, and status still says given', async () => {
    const { a } = await agent(await deadUrl(), { AGENT_CONSENT: 'true' })
    expect((await get(a, '/api/status')).body.consent).toMatchObject({ given: true, locked: true })
    const res = await post(a, '/api/consent', { given: false })
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ code: 'HP_ERR_CONSENT_LOCKED' })
    expect((await get(a, '/api/status')).body.consent).toMatchObject({ given: true })
  })
})
