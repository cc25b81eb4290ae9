import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload, v1Record } from '../helper.js'

describe('GET /health', () => {
  it('answers the upstream shape', async () => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
  })
})

describe('GET /ready', () => {
  it('is ready while the store answers', async () => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/ready' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ready', checks: { store: { ok: true } } })
  })

  it('answers 503 when the store is gone', async () => {
    const t = await build()
    await t.app.store.close()
    const res = await t.inject({ method: 'GET', url: '/ready' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ status: 'unavailable', checks: { store: { ok: false } } })
  })
})

describe('GET /metrics', () => {
  it('exposes ingest counters by result and reason', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const now = t.clock.ms / 1000
    const res = await t.submit(v1Payload(newId(), [
      v1Record(now - 60),
      v1Record(now - 30, { temp_outside: 'NaN' }),
      v1Record(now + 7200),
    ]), 'shared')
    expect(res.statusCode).toBe(200)
    const metrics = await t.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.statusCode).toBe(200)
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/)
    const text = metrics.body
    expect(text).toMatch(/heatpool_ingest_batches_total\{outcome="stored"\} 1/)
    expect(text).toMatch(/heatpool_ingest_rejected_samples_total\{reason="not_finite"\} 1/)
    expect(text).toMatch(/heatpool_ingest_rejected_records_total\{reason="future_timestamp"\} 1/)
    expect(text).toMatch(/heatpool_ingest_records_total\{result="accepted"\} 2/)
    expect(text).toMatch(/heatpool_ingest_samples_total\{result="stored"\} \d+/)
    expect(text).toMatch(/heatpool_ingest_batch_duration_seconds_count 1/)
    expect(text).toMatch(/heatpool_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/submit",status_code="200"\} 1/)
  })
})

describe('OpenAPI', () => {
  it('serves the document and UI at /docs', async () => {
    const t = await build()
    const doc = await t.inject({ method: 'GET', url: '/docs/json' })
    expect(doc.statusCode).toBe(200)
    const paths = Object.keys(doc.json<{ paths: Record<string, unknown> }>().paths)
    expect(paths).toEqual(expect.arrayContaining(['/health', '/ready', '/api/v1/submit', '/api/v2/installations']))
    const ui = await t.inject({ method: 'GET', url: '/docs' })
    expect([200, 302]).toContain(ui.statusCode)
  })

  it('can be switched off', async () => {
    const t = await build({ DOCS_ENABLED: 'false' })
    const res = await t.inject({ method: 'GET', url: '/docs/json' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_NOT_FOUND' })
  })
})

describe('configuration', () => {
  it.each([
    [{ PORT: '' }, 'PORT="": must be a whole number'],
    [{ PORT: '8000.5' }, 'PORT="8000.5": must be a whole number'],
    [{ BODY_LIMIT_MB: 'lots' }, 'BODY_LIMIT_MB="lots": must be a number'],
    [{ LEGACY_OPEN_INGEST: 'yes' }, 'LEGACY_OPEN_INGEST="yes": must be true or false'],
    [{ K_ANONYMITY: '2' }, 'K_ANONYMITY="2"'],
  ])('refuses %j instead of guessing', async (env, message) => {
    const { loadConfig } = await import('../../src/config.js')
    expect(() => loadConfig(env)).toThrow(message)
  })
})
