import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { Outbox } from '../../src/outbox/outbox.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { AVERAGES, FakeServer, POOL_STATUS, SUBMIT, waitFor, type Answer, type SeenRequest } from '../unit/support/fake-server.js'
import { deadUrl, realServer } from '../unit/support/real-server.js'
import { onCleanup, records, tempDir } from '../unit/support/rig.js'

const servers: FakeServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function fake (handlers: Record<string, (req: SeenRequest) => Answer> = {}): Promise<FakeServer> {
  const s = await FakeServer.start(handlers)
  servers.push(s)
  return s
}

const dataDirs = new WeakMap<AgentService, string>()
const dataDirOf = (a: AgentService): string => dataDirs.get(a) as string

/** The real agent service on a loopback port and a temporary data directory; closed after the test. */
async function agent (serverUrl: string, env: Record<string, string> = {}): Promise<AgentService> {
  const dir = tempDir('heatpool-agent-api-')
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
  const service = await startAgent(config, { httpLogs: false, tickMs: 10, logger: pino({ level: 'silent' }) })
  onCleanup(() => service.close())
  dataDirs.set(service, dir)
  return service
}

async function post (a: AgentService, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${a.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.isBuffer(body) ? body : JSON.stringify(body),
  })
}

/** What a second connection opening the same outbox sees: only what was committed. */
function committed (a: AgentService): { records: number, bytes: number } {
  const o = new Outbox({ dir: join(dataDirOf(a), 'outbox'), maxBytes: 1 << 30 })
  try {
    const { records: n, bytes } = o.stats()
    return { records: n, bytes }
  } finally {
    o.close()
  }
}

const ts = Math.floor(Date.now() / 1000) - 600
const v1Record = (t: number) => ({ timestamp: t, temp_outside: 5.5, temp_heat_pump_flow: 35.2, power_current: 5.2, status_system_str: 'AUTOMATIC', request_heating: true })
const v2Record = (t: number) => ({ timestamp: t, heatpumps: [{ id: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 4, power_current: { value: 5, text: 'x' } } }] })

describe('relay POST /api/v1/submit', () => {
  it.each<[string, Record<string, unknown>, number]>([
    ['v1 flat', { heatpump_model: 'AERO SLM', version: '1.0.2', data: [v1Record(ts), v1Record(ts + 30)] }, 2],
    ['v1 flat with batch_index', { heatpump_model: 'AERO SLM', version: '1.0.2', batch_index: 1, total_records: 3, data: [v1Record(ts), v1Record(ts + 30), v1Record(ts + 60)] }, 3],
    ['v2 nested', { heatpump_model: 'AERO SLM', version: 'v1.0.2-31-gc1a7aca', data_version: '2.0', data: [v2Record(ts)] }, 1],
    ['v2 nested with batch_index', { heatpump_model: 'AERO SLM', version: 'v1.0.2-31-gc1a7aca', data_version: '2.0', batch_index: 501, total_records: 502, data: [v2Record(ts), v2Record(ts + 30)] }, 2],
    ['no model, no version', { data: [v1Record(ts)] }, 1],
    ['an empty batch', { heatpump_model: 'AERO SLM', data: [] }, 0],
  ])('accepts %s and answers once the records are committed', async (_name, payload, n) => {
    const a = await agent(await deadUrl())
    const id = randomUUID()
    const res = await post(a, '/api/v1/submit', { installation_id: id, ...payload })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'success', processed: n, queued: true, dropped_oldest: 0 })
    // Right after the answer: in the outbox, and on disk for anyone who opens it.
    expect(a.outbox.stats().records).toBe(n)
    expect(committed(a).records).toBe(n)
    if (n === 0) return
    const batch = a.outbox.nextBatch(id, 100)
    expect(batch?.envelope).toEqual({ heatpump_model: payload.heatpump_model ?? null, version: payload.version ?? null, data_version: payload.data_version ?? null })
    expect(a.outbox.batchRecords(batch?.id ?? -1).map((r) => JSON.parse(r.json))).toEqual(payload.data)
  })

  it.each([
    ['upper case', (id: string) => id.toUpperCase()],
    ['braces', (id: string) => `{${id}}`],
    ['urn:uuid:', (id: string) => `urn:uuid:${id}`],
    ['32 hex digits', (id: string) => id.replaceAll('-', '')],
  ])('files an installation id spelled with %s under its canonical form', async (_name, spell) => {
    const a = await agent(await deadUrl())
    const id = randomUUID()
    expect((await post(a, '/api/v1/submit', { installation_id: spell(id), data: [v1Record(ts)] })).status).toBe(200)
    expect(a.outbox.installations()).toEqual([id])
  })

  it('accepts a gzip request body', async () => {
    const a = await agent(await deadUrl())
    const id = randomUUID()
    const body = gzipSync(JSON.stringify({ installation_id: id, heatpump_model: 'AERO SLM', data: [v1Record(ts), v1Record(ts + 30)] }))
    const res = await post(a, '/api/v1/submit', body, { 'content-encoding': 'gzip' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ processed: 2 })
    expect(a.outbox.waiting(id)).toBe(2)
  })

  it.each<[string, unknown, number, string]>([
    ['an installation_id that is not a UUID', { installation_id: 'not-a-uuid', data: [v1Record(ts)] }, 422, 'HP_ERR_INVALID_INSTALLATION_ID'],
    ['a model name with control characters', { installation_id: randomUUID(), heatpump_model: 'AERO\u0001SLM', data: [v1Record(ts)] }, 400, 'HP_ERR_INVALID_MODEL_NAME'],
    ['no data', { installation_id: randomUUID() }, 422, 'HP_ERR_VALIDATION'],
    ['data that is not a list', { installation_id: randomUUID(), data: {} }, 422, 'HP_ERR_VALIDATION'],
  ])('refuses %s and stores nothing', async (_name, payload, status, code) => {
    const a = await agent(await deadUrl())
    const res = await post(a, '/api/v1/submit', payload)
    expect(res.status).toBe(status)
    expect(await res.json()).toMatchObject({ code })
    expect(a.outbox.stats().records).toBe(0)
  })

  it('accepts exactly what the real server accepts, and refuses what it refuses with the same status', async () => {
    const server = await realServer({ AUTH_TOKEN: 'shared' })
    const a = await agent(server.url)
    const id = randomUUID()
    const cases: [string, unknown][] = [
      ['v1 flat', { installation_id: id, heatpump_model: 'AERO SLM', version: '1.0.2', data: [v1Record(ts)] }],
      ['v2 nested with batch_index', { installation_id: id, data_version: '2.0', batch_index: 1, total_records: 1, data: [v2Record(ts)] }],
      ['an unknown extra field', { installation_id: id, data: [], extra: { x: 1 } }],
      ['a numeric model (coerced)', { installation_id: id, heatpump_model: 42, data: [] }],
      ['a numeric version (coerced)', { installation_id: id, version: 5, data: [] }],
      ['batch_index as a string (coerced)', { installation_id: id, batch_index: '3', data: [] }],
      ['a negative batch_index', { installation_id: id, batch_index: -1, data: [] }],
      ['a version of 201 characters', { installation_id: id, version: 'v'.repeat(201), data: [] }],
      ['a data_version of 17 characters', { installation_id: id, data_version: '2'.repeat(17), data: [] }],
      ['a numeric installation_id', { installation_id: 123, data: [] }],
      ['an installation_id of 65 characters', { installation_id: 'a'.repeat(65), data: [] }],
      ['no installation_id', { data: [] }],
      ['a model with a newline', { installation_id: id, heatpump_model: 'AERO\nSLM', data: [] }],
      ['a model of 401 characters', { installation_id: id, heatpump_model: 'M'.repeat(401), data: [] }],
      ['data an object', { installation_id: id, data: {} }],
      ['not an object', [1, 2]],
    ]
    for (const [name, payload] of cases) {
      const direct = await server.app.inject({ method: 'POST', url: '/api/v1/submit', headers: { authorization: 'Bearer shared' }, payload: payload as object })
      const relayed = await post(a, '/api/v1/submit', payload)
      expect(relayed.status, name).toBe(direct.statusCode)
      if (direct.statusCode !== 200) expect((await relayed.json() as { code: string }).code, name).toBe(direct.json<{ code: string }>().code)
    }
  })

  it('at the outbox cap drops the oldest data, says so, counts it, and keeps running', async () => {
    const a = await agent(await deadUrl(), { AGENT_OUTBOX_MAX_BYTES: '2048' })
    const id = randomUUID()
    let dropped = 0
    for (let i = 0; i < 10; i++) {
      const res = await post(a, '/api/v1/submit', { installation_id: id, data: [v1Record(ts + i * 60), v1Record(ts + i * 60 + 30)] })
      expect(res.status).toBe(200)
      dropped += (await res.json() as { dropped_oldest: number }).dropped_oldest
    }
    const stats = a.outbox.stats()
    expect(stats.bytes).toBeLessThanOrEqual(2048)
    expect(dropped).toBeGreaterThan(0)
    expect(stats.dropped).toBe(dropped)
    expect(stats.records).toBe(20 - dropped)
    // The newest records are the ones kept.
    const kept = a.outbox.batchRecords(a.outbox.nextBatch(id, 100)?.id ?? -1).map((r) => (JSON.parse(r.json) as { timestamp: number }).timestamp)
    expect(kept.at(-1)).toBe(ts + 9 * 60 + 30)
    expect((await fetch(`${a.url}/health`)).status).toBe(200)
    const metrics = await (await fetch(`${a.url}/metrics`)).text()
    expect(metrics).toMatch(new RegExp(`^heatpool_agent_outbox_dropped_records ${dropped}$`, 'm'))
  })
})

describe('GET /api/status and /metrics', () => {
  it('report consent, registration, outbox, last upload, quarantine, retries and model', async () => {
    const token = `hpi_${randomUUID().replaceAll('-', '')}`
    const keys: string[] = []
    const server = await fake({
      'POST /api/v2/installations': (req) => ({ status: 201, body: { installation_id: (req.json as { installation_id: string }).installation_id, token, created: true } }),
      [SUBMIT]: (req) => {
        const key = req.headers['idempotency-key'] as string
        if (!keys.includes(key)) keys.push(key)
        const ok = { status: 200, body: { status: 'success', processed: 1 } }
        if (key === keys[0]) return req.nth === 1 ? { status: 503, body: { code: 'HP_ERR_STORE_UNAVAILABLE', detail: 'later' } } : ok
        if (key === keys[1]) return { status: 422, body: { code: 'HP_ERR_VALIDATION', detail: 'cannot validate body' } }
        return ok
      },
    })
    const a = await agent(server.url, { AGENT_BATCH_RECORDS: '1', AGENT_CONSENT_VERSION: '2026-11' })
    const id = randomUUID()
    expect((await post(a, '/api/v1/submit', { installation_id: id, heatpump_model: 'AERO SLM', data: [v1Record(ts), v1Record(ts + 30), v1Record(ts + 60)] })).status).toBe(200)

    const before = await (await fetch(`${a.url}/api/status`)).json() as Record<string, unknown>
    expect(before).toMatchObject({
      consent: { given: false, version: null },
      installation_id: a.state.get().installationId,
      primary_installation_id: null,
      registered: false,
      server_url: server.url,
      outbox: { records: 3, pendingBatches: 0, quarantinedBatches: 0, dropped: 0, uploaded: 0 },
      last_upload: null,
      quarantined: [],
      model: { hash: null, eligible: null, contributionDays: null },
    })
    expect((before.outbox as { bytes: number }).bytes).toBe(3 * JSON.stringify(v1Record(ts)).length)

    expect((await post(a, '/api/consent', { given: true })).status).toBe(200)
    const flushed = await post(a, '/api/flush', {})
    expect(flushed.status).toBe(200)
    await waitFor(() => a.outbox.stats().uploaded === 2, 'two batches acknowledged')

    const status = await (await fetch(`${a.url}/api/status`)).json() as Record<string, unknown>
    expect(status).toMatchObject({
      consent: { given: true, version: '2026-11' },
      primary_installation_id: id,
      registered: true,
      outbox: { records: 1, pendingBatches: 0, quarantinedBatches: 1, quarantinedRecords: 1, uploaded: 2, dropped: 0 },
      last_upload: { installationId: id, outcome: 'acknowledged', status: 200, records: 1 },
      quarantined: [{ installation_id: id, status: 422, error: 'HP_ERR_VALIDATION: cannot validate body' }],
      uploads: [{ installationId: id, attempts: 0, problem: null }],
    })
    expect((status.outbox as { bytes: number }).bytes).toBe(JSON.stringify(v1Record(ts + 30)).length)
    expect(Date.parse((status.quarantined as { created_at: string }[])[0]?.created_at ?? '')).toBeGreaterThan(Date.now() - 60_000)

    const metrics = await (await fetch(`${a.url}/metrics`)).text()
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1])
    expect(value('heatpool_agent_outbox_records')).toBe(1)
    expect(value('heatpool_agent_outbox_bytes')).toBe(JSON.stringify(v1Record(ts + 30)).length)
    expect(value('heatpool_agent_outbox_dropped_records')).toBe(0)
    expect(value('heatpool_agent_uploaded_records')).toBe(2)
    expect(value('heatpool_agent_uploaded_batches_total')).toBe(2)
    expect(value('heatpool_agent_upload_retries_total')).toBe(1)
    expect(value('heatpool_agent_quarantined_batches')).toBe(1)
    expect(value('heatpool_agent_quarantined_batches_total')).toBe(1)
    expect(value('heatpool_agent_relayed_records_total')).toBe(3)

    // Released, it goes out once more under its own key at the next flush; refused again, it is
    // back in quarantine: one request, no loop.
    expect(await (await post(a, '/api/quarantine/release', {})).json()).toEqual({ released: 1 })
    expect((await (await fetch(`${a.url}/api/status`)).json() as { quarantined: unknown[] }).quarantined).toEqual([])
    expect(server.seen(SUBMIT)).toHaveLength(4)
    await post(a, '/api/flush', {})
    await new Promise((resolve) => setTimeout(resolve, 100))
    const submits = server.seen(SUBMIT)
    expect(submits).toHaveLength(5)
    expect(submits[4]?.headers['idempotency-key']).toBe(keys[1])
    expect(a.outbox.stats()).toMatchObject({ quarantinedBatches: 1, records: 1 })
  })
})

describe('community proxies', () => {
  it.each<[string, Answer | 'dead', string]>([
    ['unreachable', 'dead', 'HP_ERR_SERVER_UNREACHABLE'],
    ['hanging past the request timeout', 'hang', 'HP_ERR_SERVER_UNREACHABLE'],
    ['answering 503', { status: 503, headers: { 'retry-after': '30' }, body: { total_installations: 0, total_data_points: 0, data_sufficient: false } }, 'HP_ERR_SERVER_ERROR'],
    ['answering 500', { status: 500, body: 'Internal Server Error' }, 'HP_ERR_SERVER_ERROR'],
  ])('pool status with the server %s: 502, never a pool of zeros', async (_name, answer, code) => {
    let url: string
    if (answer === 'dead') url = await deadUrl()
    else url = (await fake({ [POOL_STATUS]: () => answer })).url
    const a = await agent(url, { AGENT_REQUEST_TIMEOUT_MS: '300' })
    const res = await fetch(`${a.url}/api/pool-status`)
    expect(res.status).toBe(502)
    const body = await res.json() as Record<string, unknown>
    expect(body).toMatchObject({ code })
    expect(body.detail).toMatch(/heatpool server/)
    expect(body).not.toHaveProperty('total_installations')
    expect(body).not.toHaveProperty('data_sufficient')
  })

  it('pool status and community averages from the real server: its own JSON', async () => {
    const server = await realServer({ MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1' })
    const a = await agent(server.url, { AGENT_CONSENT: 'true' })

    const pool = await fetch(`${a.url}/api/pool-status`)
    expect(pool.status).toBe(200)
    const direct = await (await fetch(`${server.url}/api/v1/pool/status`)).json() as Record<string, unknown>
    const proxied = await pool.json() as Record<string, unknown>
    expect({ ...proxied, timestamp: 0 }).toEqual({ ...direct, timestamp: 0 })
    expect(proxied.total_installations).toBe(0)

    // Not registered yet: the agent has no token to ask with.
    const early = await fetch(`${a.url}/api/community/averages?model=AERO%20SLM`)
    expect(early.status).toBe(409)
    expect(await early.json()).toMatchObject({ code: 'HP_ERR_NOT_REGISTERED' })

    // Relay and flush: the agent registers with the real server and uploads.
    const id = randomUUID()
    expect((await post(a, '/api/v1/submit', { installation_id: id, heatpump_model: 'AERO SLM', version: '1.0.2', data: records(5).map((t) => JSON.parse(t)) })).status).toBe(200)
    const flush = await (await post(a, '/api/flush', {})).json() as { last_upload: { outcome: string } }
    expect(flush.last_upload.outcome).toBe('acknowledged')
    const after = await (await fetch(`${a.url}/api/pool-status`)).json() as Record<string, unknown>
    expect(after.total_installations).toBe(1)

    expect(a.state.get().primaryInstallationId).toBe(id)
    const token = readFileSync(join(dataDirOf(a), 'tokens', `${id}.token`), 'utf8').trim()
    expect(token).toMatch(/^hpi_/)
    for (const query of ['model=AERO%20SLM', 'model=AERO%20SLM&window=7d&metrics=cop_current,temp_outdoor']) {
      const viaAgent = await fetch(`${a.url}/api/community/averages?${query}`)
      const viaServer = await fetch(`${server.url}/api/v1/community/averages?${query}`, { headers: { authorization: `Bearer ${token}` } })
      expect(viaAgent.status).toBe(200)
      expect(await viaAgent.json()).toEqual(await viaServer.json())
    }
    // The server's own refusal passes through.
    const bad = await fetch(`${a.url}/api/community/averages?model=AERO%20SLM&metrics=bad-name!`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ code: 'HP_ERR_INVALID_METRIC' })
    expect(server.requests.filter((r) => r.startsWith(`${AVERAGES}?`)).length).toBe(5)
  })

  it('community averages with the server unreachable: 502', async () => {
    const a = await agent(await deadUrl(), { AGENT_SHARED_TOKEN: 'shared' })
    const res = await fetch(`${a.url}/api/community/averages?model=AERO%20SLM`)
    expect(res.status).toBe(502)
    expect(await res.json()).toMatchObject({ code: 'HP_ERR_SERVER_UNREACHABLE' })
  })
})
