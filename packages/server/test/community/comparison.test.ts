import { describe, expect, it } from 'vitest'
import { COMBINATIONS } from '../contract/combinations.js'
import { ADMIN_TOKEN, build } from '../helper.js'
import { DAY_MS, expectClose, getJson, independent, nearestRank, round2, submitFleet, type HomeSpec } from './fleet.js'
import { NO_ENGINE } from '../engines/missing.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const TODAY = Math.floor(NOW / DAY_MS)
const DAYS = [TODAY - 3, TODAY - 2, TODAY - 1]
const WINDOW_FROM = (TODAY - 7) * DAY_MS
const WINDOW_TO = TODAY * DAY_MS
const Q = { p10: 0.1, p25: 0.25, median: 0.5, p75: 0.75, p90: 0.9 } as const

/** Model A reaches 46–55 % of Carnot, model B 36–45 %, in the same climates. */
function fleet (): HomeSpec[] {
  const specs: HomeSpec[] = []
  for (let i = 0; i < 10; i++) specs.push({ model: 'AERO SLM', carnot: 0.46 + i * 0.01, days: DAYS, outdoor: 1 + (i % 4), amplitude: 5 })
  for (let i = 0; i < 10; i++) specs.push({ model: 'TERRA SW', carnot: 0.36 + i * 0.01, days: DAYS, outdoor: 1 + (i % 4), amplitude: 5 })
  return specs
}

describe.each(COMBINATIONS)('community comparison and ranking on $name', (combination) => {
  it('equal an independent computation from the raw readings, and model A ranks ahead of model B', async (ctx) => {
    const env = await combination.env()
    if (env === undefined) return ctx.skip(NO_ENGINE)
    const t = await build({ ...env, PUBLIC_CACHE_SECONDS: '0' }, NOW)
    const homes = await submitFleet(t, fleet())
    const a = homes.filter((h) => h.spec.model === 'AERO SLM')
    const truth = a.map((h) => independent(h.readings, WINDOW_FROM, WINDOW_TO))

    // Admin: every figure, overall and per band, against the independent computation.
    const admin = await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d', ADMIN_TOKEN)
    expect(admin.status).toBe(200)
    expect(admin.body.window).toEqual({ name: '7d', from: '2026-11-20', to: '2026-11-26' })
    const cops = truth.map((x) => x.overall.cop)
    expect(admin.body.overall.installations).toBe(10)
    expect(admin.body.overall.heat_pumps).toBe(10)
    for (const [name, q] of Object.entries(Q)) expectClose(admin.body.overall[name], nearestRank(cops, q), `overall ${name}`)
    expectClose(admin.body.overall.mean, cops.reduce((x, y) => x + y, 0) / cops.length, 'overall mean')
    expectClose(admin.body.overall.min, Math.min(...cops), 'overall min')
    expectClose(admin.body.overall.max, Math.max(...cops), 'overall max')

    const bandValues = new Map<number, number[]>()
    for (const x of truth) {
      for (const [band, f] of x.bands) if (f.runningHours >= 6 - 1e-9) bandValues.set(band, [...(bandValues.get(band) ?? []), f.cop])
    }
    expect([...bandValues.keys()].sort((x, y) => x - y)).toEqual(admin.body.bands.map((b: { band: number }) => b.band))
    for (const b of admin.body.bands) {
      const values = bandValues.get(b.band) as number[]
      expect(b.heat_pumps, `band ${b.band}`).toBe(values.length)
      expect(b.to - b.from).toBe(2)
      for (const [name, q] of Object.entries(Q)) expectClose(b[name], nearestRank(values, q), `band ${b.band} ${name}`)
    }

    // Heat-weighted flow temperature.
    const flow = await getJson(t, '/api/v2/community/comparison?model=aero_slm&metric=temp_flow&window=7d', ADMIN_TOKEN)
    expectClose(flow.body.overall.median, nearestRank(truth.map((x) => x.overall.flow), 0.5), 'temp_flow median')
    expect(flow.body.model_key).toBe('aero_slm')

    // Public: n and the quantiles the rank-gap rule allows (10 installations: the median), no mean/min/max.
    const pub = await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d')
    expect(pub.body.overall).toEqual({ installations: 10, heat_pumps: 10, median: admin.body.overall.median, withheld: expect.any(String) })
    expect(pub.body.mine).toBeUndefined()
    for (const b of pub.body.bands) expect(b.installations).toBeGreaterThanOrEqual(5)
    expect(pub.body.rules).toMatchObject({ k_anonymity: 5, min_running_hours: 24, min_band_running_hours: 6, min_electricity_kwh: 0.1 })

    // An installation sees its own value and position.
    const own = await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d', a[3]?.token)
    const mine = own.body.mine[0]
    expectClose(mine.value, round2(cops[3] as number), 'own value')
    const others = cops.filter((_, i) => i !== 3)
    expect(mine.percentile).toBe(Math.round(100 * others.filter((c) => c < (cops[3] as number)).length / others.length))
    expect(mine.missing).toEqual([])
    for (const b of mine.bands) expectClose(b.value, round2(truth[3]?.bands.get(b.band)?.cop as number), `own band ${b.band}`)

    // Model A's median is above model B's, in the comparison and on the models page.
    const b = await getJson(t, '/api/v2/community/comparison?model=TERRA%20SW&window=7d')
    expect(pub.body.overall.median).toBeGreaterThan(b.body.overall.median)
    const models = await getJson(t, '/api/v2/community/models')
    expect(models.body.models.map((m: { model: string }) => m.model)).toEqual(['AERO SLM', 'TERRA SW'])
    const [ma, mb] = models.body.models
    expect(ma).toMatchObject({ model_key: 'aero_slm', installations: 10, heat_pumps: 10, seasonal_cop: { p25: null, p75: null } })
    expect(ma.seasonal_cop.median).toBeGreaterThan(mb.seasonal_cop.median)

    // Ranking: positions by seasonal COP equal the independent ones; the climate-fair % of Carnot
    // positions follow the units' true Carnot fractions, which raw COP (milder homes do better) does not.
    const carnotRanks: number[] = []
    for (const [i, h] of a.entries()) {
      const r = await getJson(t, '/api/v2/community/ranking', h.token)
      expect(r.status).toBe(200)
      const entry = r.body.heat_pumps[0]
      expect(entry).toMatchObject({ heat_pump: 'hp-legacy', model: 'AERO SLM', ranked: true, missing: [], n: 10 })
      const otherCops = cops.filter((_, j) => j !== i)
      expect(entry.percentile).toBe(Math.round(100 * otherCops.filter((c) => c < (cops[i] as number)).length / 9))
      expectClose(entry.cop, round2(cops[i] as number), 'ranked cop')
      expect(entry.statement).toBe(`better than ${entry.percentile} % of AERO SLM owners`)
      expect(Math.abs(entry.normalised.pct_carnot - h.spec.carnot * 100)).toBeLessThan(2)
      carnotRanks.push(entry.normalised.pct_carnot_percentile)
    }
    expect(carnotRanks).toEqual([0, 11, 22, 33, 44, 56, 67, 78, 89, 100])
  })
})

describe('community ranking', () => {
  it('needs an installation token', async () => {
    const t = await build({ PUBLIC_CACHE_SECONDS: '0', AUTH_TOKEN: 'shared' }, NOW)
    expect((await getJson(t, '/api/v2/community/ranking')).body.code).toBe('HP_ERR_MISSING_AUTH')
    for (const [token, code] of [[ADMIN_TOKEN, 'HP_ERR_INSTALLATION_TOKEN_REQUIRED'], ['shared', 'HP_ERR_INSTALLATION_TOKEN_REQUIRED'], ['wrong', 'HP_ERR_TOKEN_REJECTED']]) {
      const res = await getJson(t, '/api/v2/community/ranking', token)
      expect(res.status).toBe(401)
      expect(res.body.code).toBe(code)
    }
  })

  it('says what is missing when a heat pump is not ranked', async () => {
    const t = await build({ PUBLIC_CACHE_SECONDS: '0' }, NOW)
    const specs: HomeSpec[] = [0, 1, 2, 3].map((i) => ({ model: 'AERO SLM', carnot: 0.5, days: DAYS, outdoor: i, amplitude: 3 }))
    const homes = await submitFleet(t, specs)
    const r = await getJson(t, '/api/v2/community/ranking?window=7d', homes[0]?.token)
    expect(r.body.heat_pumps[0]).toMatchObject({ ranked: false, missing: ['group_size'], percentile: null, statement: null, figures: { other_installations: null } })
    expect(r.body.heat_pumps[0].figures.running_hours).toBeGreaterThan(70)
    // One day less than a full one of data, in a window of its own: too few running hours too.
    const late = await submitFleet(t, [{ model: 'AERO SLM', carnot: 0.5, days: [], outdoor: 2 }])
    await t.submit({ installation_id: late[0]?.id, heatpump_model: 'AERO SLM', data_version: '2.0', data: Array.from({ length: 60 }, (_, i) => ({ timestamp: ((TODAY - 1) * DAY_MS + i * 600_000) / 1000, heatpumps: [{ id: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0', values: { power_current: 5, power_current_draw: 1.2, temp_outside: 2, temp_heat_pump_flow: 35 } }] })) }, late[0]?.token)
    const r2 = await getJson(t, '/api/v2/community/ranking?window=7d', late[0]?.token)
    expect(r2.body.heat_pumps[0]).toMatchObject({ ranked: false, missing: ['running_hours', 'group_size'] })
    expect(r2.body.heat_pumps[0].figures.running_hours).toBeCloseTo(59 / 6, 1)
    // An installation without heat pumps has nothing to rank.
    const empty = await t.register()
    expect((await getJson(t, '/api/v2/community/ranking', empty.token)).body.heat_pumps).toEqual([])
  })
})
