// Issue 6, "How it is checked": a simulated fleet where model A (AERO SLM, Carnot fraction 0.50)
// outperforms model B (LWD 70, 0.42) in the same climate: the comparison and the models page put
// A ahead; a unit with injected refrigerant loss drops in its group's ranking over the months.
// The fleet comes from the simulator's library, the answers from the real server (in-process).
import { describe, expect, it } from 'vitest'
import { build, type TestApp } from '../../server/test/helper.js'
import { buildFleet, recordsOf, submitPayload, type SimInstallation } from '../src/fleet.js'
import { findModel, type HeatPumpModel } from '../src/models.js'
import { DAY_MS } from '../src/time.js'

const START = Date.UTC(2026, 8, 1) // 1 September: the season turns colder over the 90 days
const DAYS = 90
const INTERVAL_MS = 600_000
const PER_DAY = DAY_MS / INTERVAL_MS
const A = findModel('AERO SLM') as HeatPumpModel
const B = findModel('LWD 70') as HeatPumpModel

interface Feed { inst: SimInstallation, records: Generator<Record<string, unknown>>, sent: number }

/** Posts each installation's records up to (not including) `untilDay`, in 500-record batches. */
async function feedUntil (t: TestApp, feeds: Feed[], untilDay: number): Promise<void> {
  for (const f of feeds) {
    const target = untilDay * PER_DAY
    while (f.sent < target) {
      const data: unknown[] = []
      while (data.length < 500 && f.sent < target) {
        data.push(f.records.next().value)
        f.sent++
      }
      const res = await t.submit(submitPayload(f.inst, 'v2', data), f.inst.token)
      expect(res.statusCode, res.body).toBe(200)
      expect(res.json<{ records: { rejected: number } }>().records.rejected, res.body).toBe(0)
    }
  }
}

async function ranking (t: TestApp, inst: SimInstallation) {
  const res = await t.inject({ method: 'GET', url: '/api/v2/community/ranking?window=30d', headers: { authorization: `Bearer ${inst.token}` } })
  expect(res.statusCode, res.body).toBe(200)
  const hp = res.json<{ heat_pumps: { ranked: boolean, percentile?: number, cop?: number, missing: string[], normalised?: { pct_carnot_percentile?: number } }[] }>().heat_pumps[0]
  expect(hp?.ranked, JSON.stringify(hp)).toBe(true)
  return { percentile: hp?.percentile as number, cop: hp?.cop as number, carnot: hp?.normalised?.pct_carnot_percentile as number }
}

async function comparison (t: TestApp, model: HeatPumpModel) {
  const res = await t.inject({ method: 'GET', url: `/api/v2/community/comparison?model=${encodeURIComponent(model.name)}&metric=cop&window=30d` })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ overall: { median?: number }, bands: { band: number, median?: number }[] }>()
}

describe('a simulated fleet through the community endpoints', () => {
  it('puts the better model ahead and drops a unit losing refrigerant in its group\'s ranking', async () => {
    const fleet = buildFleet({ seed: 20261127, installations: 12, climate: 'continental', models: [A, B], startMs: START, endMs: START + DAYS * DAY_MS })
    // K = 3 so that groups of six publish a median (rank-gap rule, docs/PRIVACY.md).
    const t = await build({ K_ANONYMITY: '3', RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_IP_PER_MINUTE: '100000', PUBLIC_CACHE_SECONDS: '0' }, START + 31 * DAY_MS)
    for (const inst of fleet) {
      const res = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', heatpump_model: inst.model.name, installation_id: inst.installationId, token: inst.token } })
      expect([200, 201], res.body).toContain(res.statusCode)
    }
    const feeds: Feed[] = fleet.map((inst) => ({ inst, records: recordsOf(inst, { format: 'v2', startMs: START, intervalMs: INTERVAL_MS, count: DAYS * PER_DAY }), sent: 0 }))

    // Month 1: nothing wrong yet.
    await feedUntil(t, feeds, 30)
    // The unit that ranks best in its group after the first month gets the fault from day 30:
    // its records up to then are the same with or without it (the simulator is deterministic).
    const group = fleet.filter((i) => i.model === A)
    const first = await Promise.all(group.map(async (i) => ({ inst: i, rank: await ranking(t, i) })))
    const best = first.reduce((x, y) => (y.rank.percentile > x.rank.percentile ? y : x))
    const before = best.rank
    const faulty: SimInstallation = {
      ...best.inst,
      spec: { ...best.inst.spec, faults: [{ kind: 'refrigerant_loss', startMs: START + 30 * DAY_MS, endMs: START + DAYS * DAY_MS }] },
    }
    const feed = feeds.find((f) => f.inst === best.inst) as Feed
    feed.records = recordsOf(faulty, { format: 'v2', startMs: START, intervalMs: INTERVAL_MS, count: DAYS * PER_DAY })
    for (let k = 0; k < feed.sent; k++) feed.records.next()
    const a = await comparison(t, A)
    const b = await comparison(t, B)
    expect(a.overall.median).toBeGreaterThan(b.overall.median as number)
    const bBands = new Map(b.bands.map((x) => [x.band, x.median]))
    const shared = a.bands.filter((x) => x.median !== undefined && bBands.get(x.band) !== undefined)
    expect(shared.length).toBeGreaterThan(0)
    for (const band of shared) expect(band.median, `band ${band.band}`).toBeGreaterThan(bBands.get(band.band) as number)
    const models = (await t.inject({ method: 'GET', url: '/api/v2/community/models' })).json<{ models: { model: string, seasonal_cop: { median: number | null } }[] }>().models
    const median = (m: HeatPumpModel) => models.find((x) => x.model === m.name)?.seasonal_cop.median as number
    expect(median(A)).toBeGreaterThan(median(B))

    // Months 2–3: the refrigerant leaks (up to 30 % of COP over six weeks).
    t.clock.set(START + (DAYS + 1) * DAY_MS)
    await feedUntil(t, feeds, DAYS)
    const after = await ranking(t, faulty)
    expect(before.percentile).toBeGreaterThanOrEqual(80)
    expect(after.percentile, `COP percentile ${before.percentile} → ${after.percentile}`).toBeLessThanOrEqual(20)
    expect(after.carnot, `% of Carnot percentile ${before.carnot} → ${after.carnot}`).toBeLessThan(before.carnot)
  })
})
