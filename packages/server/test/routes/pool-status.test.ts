import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, v1Payload, v1Record } from '../helper.js'

const env = { MIN_INSTALLATIONS: '3', MIN_DATA_POINTS: '1000', PUBLIC_CACHE_SECONDS: '0' }

/** `n` v1 records a minute apart ending a minute before `endMs`; 5 catalog values each. */
function minutes (endMs: number, n: number) {
  return Array.from({ length: n }, (_, i) => v1Record((endMs - (n - i) * 60_000) / 1000))
}

describe('GET /api/v1/pool/status', () => {
  it('counts distinct installations and samples of the last 30 days, with upstream messages', async () => {
    const t = await build(env)
    const now = t.clock.ms
    const a = await t.register()
    const b = await t.register()
    // Two heat pumps and many metrics of one installation are still one installation.
    await t.submit({ installation_id: a.id, data_version: '2.0', data: [{ timestamp: now / 1000 - 60, heatpumps: [
      { id: 'hp-1', manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 1, temp_heat_pump_flow: 30 } },
      { id: 'hp-2', manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 1 } },
    ] }] }, a.token)
    await t.submit(v1Payload(b.id, minutes(now, 100)), b.token)
    // 40 days old: stored, but outside the pool window.
    await t.submit(v1Payload(b.id, minutes(now - 40 * DAY_MS, 50)), b.token)

    const res = await t.inject({ method: 'GET', url: '/api/v1/pool/status' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({
      total_installations: 2,
      total_data_points: 503,
      models_available: [],
      data_sufficient: false,
      message: 'Building data pool. Need 1 more installations and ~497 more data points. Data is being collected - thank you for contributing!',
      progress: { installations: { current: 2, required: 3, needed: 1 }, data_points: { current: 503, required: 1000, needed: 497 } },
    })
    expect(body.timestamp).toBeCloseTo(now / 1000, 3)

    const c = await t.register()
    await t.submit(v1Payload(c.id, minutes(now, 100)), c.token)
    expect((await t.inject({ method: 'GET', url: '/api/v1/pool/status' })).json()).toMatchObject({
      total_installations: 3,
      total_data_points: 1003,
      data_sufficient: true,
      message: 'Data pool is ready. Community models are available.',
      message_de: 'Datenpool ist bereit. Community-Modelle sind verfügbar.',
    })

    // An installation silent for 31 days drops out; its erasure removes its samples at once.
    t.clock.advance(31 * DAY_MS)
    await t.submit(v1Payload(c.id, minutes(t.clock.ms, 10)), c.token)
    expect((await t.inject({ method: 'GET', url: '/api/v1/pool/status' })).json()).toMatchObject({ total_installations: 1, total_data_points: 50 })
    await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${c.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect((await t.inject({ method: 'GET', url: '/api/v1/pool/status' })).json()).toMatchObject({ total_installations: 0, total_data_points: 0 })
  })

  it('is served from memory for PUBLIC_CACHE_SECONDS', async () => {
    const t = await build({ ...env, PUBLIC_CACHE_SECONDS: '10' })
    const a = await t.register()
    expect((await t.inject({ method: 'GET', url: '/api/v1/pool/status' })).json().total_installations).toBe(0)
    await t.submit(v1Payload(a.id, minutes(t.clock.ms, 5)), a.token)
    expect((await t.inject({ method: 'GET', url: '/api/v1/pool/status' })).json().total_installations).toBe(0)
    t.clock.advance(10_001)
    // Stale now: answered from memory once more while one refresh runs, then fresh.
    expect((await t.inject({ method: 'GET', url: '/api/v1/pool/status' })).json().total_installations).toBe(0)
    await new Promise((r) => setTimeout(r, 20))
    expect((await t.inject({ method: 'GET', url: '/api/v1/pool/status' })).json().total_installations).toBe(1)
  })

  it('answers 503 with the upstream "temporarily unavailable" message when the store fails', async () => {
    const t = await build(env)
    await t.app.store.close()
    const res = await t.inject({ method: 'GET', url: '/api/v1/pool/status' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('30')
    expect(res.json()).toMatchObject({
      data_sufficient: false,
      message: 'Data pool status temporarily unavailable.',
      message_de: 'Datenpool-Status vorübergehend nicht verfügbar.',
    })
  })
})
