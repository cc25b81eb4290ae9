import { describe, expect, it } from 'vitest'
import { accumulateHours, HOUR_MS, outdoorBand, ROLLUP_SUM_COLUMNS, type RollupSums } from '../../src/rollups/rollup.js'
import { idmSeries } from '../compat/payloads.js'
import { build, v1Payload, v1Record, type TestApp } from '../helper.js'

const START = Date.UTC(2026, 10, 20, 6, 0)

const records = (from: number, count: number) => idmSeries(START, from, count)

async function rollupsInStore (t: TestApp) {
  const rows = await t.app.store.db.selectFrom('rollups_hourly').selectAll().orderBy('hour').execute()
  return Object.fromEntries(rows.map((r) => [r.hour, r]))
}

async function rollupsFromSamples (t: TestApp, maxGapMs: number) {
  const hp = await t.app.store.db.selectFrom('heat_pumps').select('id').executeTakeFirstOrThrow()
  const all = await t.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)
  return Object.fromEntries(accumulateHours(all, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, maxGapMs }, new Map()))
}

function expectSame (stored: Record<string, RollupSums>, expected: Record<string, RollupSums>) {
  expect(Object.keys(stored).sort()).toEqual(Object.keys(expected).sort())
  for (const hour of Object.keys(expected)) {
    for (const c of ROLLUP_SUM_COLUMNS) expect(stored[hour]?.[c], `${hour} ${c}`).toBeCloseTo(expected[hour]?.[c] as number, 6)
  }
}

describe('hourly rollups at ingest', () => {
  it('equal a recomputation from the stored samples, whatever order the batches came in', async () => {
    const t = await build({}, START + 2 * 86_400_000)
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    const send = (from: number, count: number) => t.submit({ installation_id: id, data_version: '2.0', data: records(from, count) }, token)
    // In order (append path), then a gap filled later, an overlapping retry with another key,
    // and data older than everything (recompute path).
    expect((await send(200, 300)).statusCode).toBe(200)
    expect((await send(500, 400)).statusCode).toBe(200)
    expect((await send(1000, 300)).statusCode).toBe(200)
    expect((await send(900, 100)).statusCode).toBe(200)
    expect((await send(850, 200)).statusCode).toBe(200)
    expect((await send(0, 250)).statusCode).toBe(200)

    const expected = await rollupsFromSamples(t, t.config.ROLLUP_MAX_GAP_SECONDS * 1000)
    expectSame(await rollupsInStore(t), expected)
    // Every hour's outdoor band is its sums' band, recomputed hours included.
    for (const [hour, row] of Object.entries(await rollupsInStore(t))) expect(row.outdoor_band, `hour ${hour}`).toBe(outdoorBand(expected[hour] as RollupSums))
    const hours = Object.keys(expected).map(Number)
    expect(hours.length).toBeGreaterThan(8)

    // Days are the sums of their hours.
    const daily = await t.app.store.db.selectFrom('rollups_daily').selectAll().execute()
    const heatByDay = new Map<number, number>()
    for (const [h, s] of Object.entries(expected)) {
      const day = Math.floor(Number(h) * HOUR_MS / 86_400_000)
      heatByDay.set(day, (heatByDay.get(day) ?? 0) + s.heat_wh)
    }
    expect(daily.map((d) => [d.day, Math.round(d.heat_wh)])).toEqual([...heatByDay].map(([d, wh]) => [d, Math.round(wh)]))

    // A sanity anchor independent of the rollup code: 1300 records × 30 s of ~1.6 kW electric.
    const electric = Object.values(expected).reduce((a, s) => a + s.electric_wh, 0)
    expect(electric).toBeCloseTo(1600 * (1299 * 30) / 3600, 3)
  })

  it('are removed with the installation', async () => {
    const t = await build({}, START + 86_400_000)
    const { id, token } = await t.register()
    await t.submit({ installation_id: id, data_version: '2.0', data: records(0, 200) }, token)
    expect((await t.app.store.db.selectFrom('rollups_hourly').selectAll().execute()).length).toBeGreaterThan(0)
    await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${id}`, headers: { authorization: 'Bearer test-admin-token' } })
    expect(await t.app.store.db.selectFrom('rollups_hourly').selectAll().execute()).toEqual([])
    expect(await t.app.store.db.selectFrom('rollups_daily').selectAll().execute()).toEqual([])
    const pool = await t.app.store.db.selectFrom('pool_days').select((eb) => eb.fn.sum<number>('samples').as('n')).executeTakeFirstOrThrow()
    expect(Number(pool.n)).toBe(0)
  })
})

describe('the outdoor band of an hour', () => {
  it('follows the hour\'s sums when back-filled data recomputes it', async () => {
    const hour = Math.floor(START / HOUR_MS) + 2
    const t = await build({}, START + 86_400_000)
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    const at = (minute: number, temp: number) => v1Record((hour * HOUR_MS + minute * 60_000) / 1000, { temp_outside: temp })
    // The second half-hour first, at +10 °C (appended: band 10) …
    expect((await t.submit(v1Payload(id, Array.from({ length: 30 }, (_, m) => at(30 + m, 10))), token)).statusCode).toBe(200)
    const before = await t.app.store.db.selectFrom('rollups_hourly').select('outdoor_band').where('hour', '=', hour).executeTakeFirstOrThrow()
    expect(before.outdoor_band).toBe(10)
    // … then the first half-hour at −10 °C (back-filled: the hour is recomputed, mean ≈ 0 °C).
    expect((await t.submit(v1Payload(id, Array.from({ length: 30 }, (_, m) => at(m, -10))), token)).statusCode).toBe(200)
    const rows = await t.app.store.db.selectFrom('rollups_hourly').selectAll().where('hour', '=', hour).execute()
    const row = rows[0] as RollupSums & { outdoor_band: number | null }
    expect(row.outdoor_band).toBe(outdoorBand(row))
    expect(Math.abs(row.outdoor_band ?? 99)).toBeLessThanOrEqual(2)
  })
})
