import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, type TestApp } from '../helper.js'

const env = { PUBLIC_CACHE_SECONDS: '0', AUTH_TOKEN: 'shared' }
const NOW = Date.UTC(2026, 10, 27, 12, 30)

interface Reading { ts: number, heatKw: number, electricKw: number, outdoor: number, flow: number }

/** Four hours of one heat pump at one-minute steps; `seed` varies its behaviour. */
function series (seed: number): Reading[] {
  return Array.from({ length: 240 }, (_, i) => ({
    ts: NOW - 4 * 3_600_000 + i * 60_000,
    heatKw: 3 + seed + Math.sin(i / 7 + seed),
    electricKw: 0.9 + 0.1 * seed + 0.2 * Math.cos(i / 11),
    outdoor: -4 + seed + (i % 30) / 10,
    flow: 32 + seed + (i % 17) / 4,
  }))
}

/** Ratio of sums and heat-weighted temperatures by the trapezoid rule, straight from the readings. */
function expected (readings: Reading[]) {
  let heat = 0
  let electric = 0
  let weightedOutdoor = 0
  let weightedFlow = 0
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1] as Reading
    const b = readings[i] as Reading
    const hours = (b.ts - a.ts) / 3_600_000
    const h = (a.heatKw + b.heatKw) / 2 * hours
    heat += h
    electric += (a.electricKw + b.electricKw) / 2 * hours
    weightedOutdoor += h * (a.outdoor + b.outdoor) / 2
    weightedFlow += h * (a.flow + b.flow) / 2
  }
  return { cop: heat / electric, outdoor: weightedOutdoor / heat, flow: weightedFlow / heat }
}

function v2 (id: string, model: string, pumps: { key: string, readings: Reading[] }[]) {
  const data = (pumps[0] as { readings: Reading[] }).readings.map((_, i) => ({
    timestamp: (pumps[0] as { readings: Reading[] }).readings[i]!.ts / 1000,
    heatpumps: pumps.map((p) => {
      const r = p.readings[i] as Reading
      return { id: p.key, manufacturer: 'idm', model: 'navigator_2_0', values: { power_current: r.heatKw, power_current_draw: r.electricKw, temp_outside: r.outdoor, temp_heat_pump_flow: r.flow } }
    }),
  }))
  return { installation_id: id, heatpump_model: model, data_version: '2.0', data }
}

const round2 = (x: number) => Math.round(x * 100) / 100
const stat = (xs: number[]) => ({ avg: round2(xs.reduce((a, b) => a + b, 0) / xs.length), min: round2(Math.min(...xs)), max: round2(Math.max(...xs)) })

async function averages (t: TestApp, query: string, token = 'shared') {
  return t.inject({ method: 'GET', url: `/api/v1/community/averages?${query}`, headers: { authorization: `Bearer ${token}` } })
}

describe('GET /api/v1/community/averages', () => {
  it('equals an independent computation from the raw samples: ratio of sums, one vote per heat pump', async () => {
    const t = await build(env, NOW)
    const perHeatPump: ReturnType<typeof expected>[] = []
    for (let s = 0; s < 5; s++) {
      const { id, token } = await t.register()
      const pumps = [{ key: 'hp-legacy', readings: series(s) }]
      // The fifth home has two heat pumps: two votes, one installation.
      if (s === 4) pumps.push({ key: 'hp-second', readings: series(5) })
      expect((await t.submit(v2(id, 'AERO SLM', pumps), token)).statusCode).toBe(200)
      for (const p of pumps) perHeatPump.push(expected(p.readings))
    }
    // Another model's owners are not in the group.
    const other = await t.register()
    await t.submit(v2(other.id, 'TERRA SW', [{ key: 'hp-legacy', readings: series(9) }]), other.token)

    const res = await averages(t, 'model=AERO%20SLM&metrics=cop_current,temp_outdoor,temp_flow,cop')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      model: 'AERO SLM',
      window: '24h',
      sample_size: 5,
      heat_pumps: 6,
      metrics: {
        cop_current: stat(perHeatPump.map((p) => p.cop)),
        cop: stat(perHeatPump.map((p) => p.cop)),
        temp_outdoor: stat(perHeatPump.map((p) => p.outdoor)),
        temp_flow: stat(perHeatPump.map((p) => p.flow)),
      },
    })
    // Default metrics as upstream; longer windows use the daily rollups and agree here.
    const byDefault = (await averages(t, 'model=AERO%20SLM')).json()
    expect(Object.keys(byDefault.metrics)).toEqual(['cop_current', 'temp_outdoor'])
    const week = (await averages(t, 'model=AERO%20SLM&window=7d')).json()
    expect(week.metrics).toEqual(byDefault.metrics)
    expect(week.window).toBe('7d')
  })

  it('publishes no figures for fewer than K_ANONYMITY installations, except to admins', async () => {
    const t = await build(env, NOW)
    for (let s = 0; s < 4; s++) {
      const { id, token } = await t.register()
      await t.submit(v2(id, 'AERO SLM', [{ key: 'hp-legacy', readings: series(s) }]), token)
    }
    const res = await averages(t, 'model=AERO%20SLM')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      model: 'AERO SLM',
      window: '24h',
      metrics: {},
      sample_size: 4,
      heat_pumps: 4,
      reason: 'fewer than 5 installations in this group: no figures are published',
    })
    const asAdmin = (await averages(t, 'model=AERO%20SLM', ADMIN_TOKEN)).json()
    expect(asAdmin.metrics.cop_current.avg).toBeGreaterThan(0)
  })

  it('reports names that are not community metrics', async () => {
    const t = await build(env, NOW)
    const res = await averages(t, 'model=AERO%20SLM&metrics=cop,price_energy')
    expect(res.json()).toMatchObject({ sample_size: 0, unknown_metrics: ['price_energy'] })
  })

  it.each([
    ['no model', 'metrics=cop', 422, 'HP_ERR_VALIDATION', undefined],
    ['a bad metric name', 'model=AERO%20SLM&metrics=cop,temp-outdoor', 400, 'HP_ERR_INVALID_METRIC', 'Invalid metric name: temp-outdoor'],
    ['a bad model', 'model=%00', 400, 'HP_ERR_BAD_MODEL_NAME', 'Invalid model name format'],
    ['an unknown window', 'model=x&window=2d', 422, 'HP_ERR_VALIDATION', undefined],
  ])('refuses %s', async (_name, query, status, code, detail) => {
    const t = await build(env, NOW)
    const res = await averages(t, query)
    expect(res.statusCode).toBe(status)
    expect(res.json().code).toBe(code)
    if (detail !== undefined) expect(res.json().detail).toBe(detail)
  })

  it('needs a token, as upstream', async () => {
    const t = await build(env, NOW)
    const res = await t.inject({ method: 'GET', url: '/api/v1/community/averages?model=x' })
    expect(res.statusCode).toBe(401)
    expect(res.json().detail).toBe('Missing Authorization Header')
  })

  it('answers a wrong token with 401, which upstream\'s logger proxy reports as a bad token (not a 502)', async () => {
    const t = await build(env, NOW)
    const res = await averages(t, 'model=x', 'wrong')
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual({ code: 'HP_ERR_TOKEN_REJECTED', detail: 'Invalid Token' })
  })
})
