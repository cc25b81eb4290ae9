import { describe, expect, it } from 'vitest'
import { DAY_MS, independent, readings, v2Payload, type HomeSpec } from '../community/fleet.js'
import { ADMIN_TOKEN, build, type TestApp } from '../helper.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const TODAY = Math.floor(NOW / DAY_MS)
const DAYS = [TODAY - 3, TODAY - 2, TODAY - 1]
const WINDOW_FROM = (TODAY - 7) * DAY_MS
const WINDOW_TO = TODAY * DAY_MS
const Q = { p10: 0.1, p25: 0.25, median: 0.5, p75: 0.75, p90: 0.9 } as const
const HONEST = 15
/** The catalog's COP range (DERIVED_METRICS.cop): a heat pump's COP outside it does not vote. */
const COP_MAX = 10
const ATTACKER = '198.51.100.66'
const ENV = {
  PUBLIC_CACHE_SECONDS: '0', K_ANONYMITY: '3', RATE_LIMIT_REGISTRATIONS_PER_HOUR: '3', MAX_HEAT_PUMPS_PER_INSTALLATION: '2',
}

/** An honest AERO SLM home reaching `carnot` of the Carnot COP (COP about 3–4). */
const honest = (i: number): HomeSpec => ({ model: 'AERO SLM', carnot: 0.40 + i * 0.01, days: DAYS, outdoor: 1 + (i % 4), amplitude: 5 })

async function register (t: TestApp, remoteAddress: string) {
  return t.inject({ method: 'POST', url: '/api/v2/installations', remoteAddress, payload: { consent_version: '1', heatpump_model: 'AERO SLM' } })
}

/** Registers and uploads `spec` from `remoteAddress` under each of `heatPumps`; the registration answer. */
async function home (t: TestApp, remoteAddress: string, spec: HomeSpec, seed: number, heatPumps = ['hp-legacy'], values?: Record<string, number>) {
  const reg = await register(t, remoteAddress)
  if (reg.statusCode !== 201) return reg
  const { installation_id: id, token } = reg.json() as { installation_id: string, token: string }
  const payload = v2Payload(id, spec.model, readings(spec, seed))
  for (const record of payload.data) {
    const hp = record.heatpumps[0] as (typeof record.heatpumps)[number]
    record.heatpumps = heatPumps.map((hpId) => ({ ...hp, id: hpId, values: { ...hp.values, ...values } }))
  }
  const res = await t.inject({ method: 'POST', url: '/api/v1/submit', remoteAddress, headers: { authorization: `Bearer ${token}` }, payload })
  expect(res.statusCode, res.body).toBe(200)
  return reg
}

async function figures (t: TestApp) {
  const get = async (url: string, token?: string) => {
    const res = await t.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    expect(res.statusCode, res.body).toBe(200)
    return res.json()
  }
  return {
    publicComparison: await get('/api/v2/community/comparison?model=AERO%20SLM&window=7d'),
    models: await get('/api/v2/community/models'),
    admin: await get('/api/v2/community/comparison?model=AERO%20SLM&window=7d', ADMIN_TOKEN),
  }
}

/** The honest fleet (each home at its own address) and its true COPs, ascending. */
async function honestPool (t: TestApp): Promise<number[]> {
  const cops: number[] = []
  for (let i = 0; i < HONEST; i++) {
    expect((await home(t, `10.0.${i}.1`, honest(i), 1000 + i)).statusCode).toBe(201)
    cops.push(independent(readings(honest(i), 1000 + i), WINDOW_FROM, WINDOW_TO).overall.cop)
  }
  return cops.sort((a, b) => a - b)
}

/**
 * The documented bound (docs/SECURITY.md, "Data poisoning"): with n honest heat pumps of
 * ascending COPs x(1) ≤ … ≤ x(n) and m planted votes of any plausible values, a published
 * nearest-rank q-quantile (rank r = ⌈q·(n + m)⌉) lies between x(r − m) and x(r), with x(i) for
 * i < 1 the catalog's minimum 0 and for i > n its maximum 10.
 */
function bound (honestSorted: number[], n: number, m: number, q: number): [number, number] {
  const r = Math.max(1, Math.ceil(q * (n + m) - 1e-9))
  const x = (i: number) => (i < 1 ? 0 : i > n ? COP_MAX : honestSorted[i - 1] as number)
  return [x(r - m), x(r)]
}

/**
 * Issue 10 "How it is checked": a planted poisoning attempt does not move any published
 * community figure beyond its documented bound. Impossible values do not vote at all; fake
 * installations are capped per address (RATE_LIMIT_REGISTRATIONS_PER_HOUR) and per installation
 * (MAX_HEAT_PUMPS_PER_INSTALLATION), and each planted vote moves a quantile by at most one rank.
 */
describe('data poisoning', () => {
  it('by one installation submitting impossible COPs moves no published figure at all', async () => {
    const t = await build(ENV, NOW)
    await honestPool(t)
    const before = await figures(t)
    expect(before.admin.overall.heat_pumps).toBe(HONEST)
    expect(before.publicComparison.overall.median).toEqual(expect.any(Number))
    expect(before.models.models[0]).toMatchObject({ model_key: 'aero_slm', heat_pumps: HONEST, seasonal_cop: { median: expect.any(Number) } })

    // COP about 25 (three times the Carnot limit), with plausible powers and temperatures.
    const impossible = await home(t, ATTACKER, { ...honest(0), carnot: 3.4 }, 7, ['hp-a', 'hp-b'])
    expect(impossible.statusCode).toBe(201)
    // Powers far outside the catalog's ranges: dropped and counted at ingest, nothing to vote with.
    expect((await home(t, ATTACKER, honest(1), 8, ['hp-c'], { power_current: 5e6, power_current_draw: 0.001 })).statusCode).toBe(201)
    // The impossible readings were stored (each value is plausible alone): it is the COP that does not vote.
    const stored = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${impossible.json().installation_id as string}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(stored.json().samples_total).toBeGreaterThan(0)

    const after = await figures(t)
    expect(after.publicComparison).toEqual(before.publicComparison)
    expect(after.models).toEqual(before.models)
    expect(after.admin.overall).toEqual(before.admin.overall)
    expect(after.admin.bands).toEqual(before.admin.bands)
  })

  it('by many fake installations from one address moves each quantile by at most the planted votes, R × H ranks', async () => {
    const t = await build(ENV, NOW)
    const honestCops = await honestPool(t)
    const before = await figures(t)

    // The attacker tries 10 fake homes, each with 3 heat pumps at the highest plausible COP (about 9.9).
    const codes: number[] = []
    for (let i = 0; i < 10; i++) codes.push((await home(t, ATTACKER, { ...honest(i), carnot: 1.3 }, 50 + i, ['hp-x', 'hp-y', 'hp-z'])).statusCode)
    const registrations = 3 // RATE_LIMIT_REGISTRATIONS_PER_HOUR
    const heatPumps = 2 // MAX_HEAT_PUMPS_PER_INSTALLATION: the third heat pump is dropped
    expect(codes).toEqual([...Array<number>(registrations).fill(201), ...Array<number>(10 - registrations).fill(429)])
    const m = registrations * heatPumps

    const after = await figures(t)
    expect(after.admin.overall.heat_pumps).toBe(HONEST + m)
    expect(after.admin.overall.installations).toBe(HONEST + registrations)
    for (const [name, q] of Object.entries(Q)) {
      const [low, high] = bound(honestCops, HONEST, m, q)
      const value = after.admin.overall[name] as number
      expect(value, `${name} ${value} within [${low}, ${high}]`).toBeGreaterThanOrEqual(low - 0.0101)
      expect(value, `${name} ${value} within [${low}, ${high}]`).toBeLessThanOrEqual(high + 0.0101)
    }
    // The published figures obey the same bound (they are among the admin's quantiles).
    for (const name of ['p10', 'p25', 'median', 'p75', 'p90'] as const) {
      const published = after.publicComparison.overall[name] as number | undefined
      if (published !== undefined) expect(published).toBe(after.admin.overall[name])
    }
    expect(after.publicComparison.overall.median).toEqual(expect.any(Number))
    const [low, high] = bound(honestCops, HONEST, m, 0.5)
    expect(after.models.models[0].seasonal_cop.median).toBeGreaterThanOrEqual(low - 0.0101)
    expect(after.models.models[0].seasonal_cop.median).toBeLessThanOrEqual(high + 0.0101)
    // And the attack did move them (the bound is not vacuous here): the median went up.
    expect(after.admin.overall.median).toBeGreaterThan(before.admin.overall.median)
  })
})
