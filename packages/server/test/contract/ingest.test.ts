import { describe, expect, it } from 'vitest'
import { accumulateHours, ROLLUP_SUM_COLUMNS } from '../../src/rollups/rollup.js'
import { ADMIN_TOKEN, build, type TestApp } from '../helper.js'
import { idmSeries } from '../compat/payloads.js'
import { COMBINATIONS, type StoreCombination } from './combinations.js'
import { NO_ENGINE } from '../engines/missing.js'

const START = Date.UTC(2026, 10, 24, 6, 0)
const NOW = Date.UTC(2026, 10, 27, 12)

const records = (from: number, count: number, shift = 0) => idmSeries(START, from, count, shift)

/**
 * One history of batches: in order, a retry under the same key, an overlapping batch under a new
 * key (with different values for the old timestamps: the first ones must stay), a back-filled
 * gap, and a batch for an earlier day. Returns what the server answered and what it holds.
 */
async function runHistory (t: TestApp) {
  const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
  const post = async (recs: unknown[], key: string) => {
    const res = await t.submit({ installation_id: id, heatpump_model: 'AERO SLM', version: '2.0', data: recs }, token, { 'idempotency-key': key })
    expect(res.statusCode, res.body).toBe(200)
    const { installation_id: _, ...rest } = res.json<Record<string, unknown>>()
    return rest
  }
  const answers = [
    await post(records(0, 400), 'k1'),
    await post(records(0, 400), 'k1'),
    await post(records(300, 300, 7), 'k2'),
    await post([...records(700, 100), ...records(600, 100)], 'k3'),
    await post(records(-2880, 200), 'k4'),
  ]
  const db = t.app.store.db
  const hp = await db.selectFrom('heat_pumps').select(['id', 'last_sample_ts', 'last_sample_values']).executeTakeFirstOrThrow()
  const samples = await t.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)
  const hourly = await db.selectFrom('rollups_hourly').selectAll().orderBy('hour').execute()
  const state = {
    answers,
    installation: await db.selectFrom('installations')
      .select(['samples_total', 'contribution_days', 'last_contribution_day', 'last_sample_ts', 'model_key']).executeTakeFirstOrThrow(),
    ledger: await db.selectFrom('ledger_days').select(['day', 'samples', 'stored']).orderBy('day').execute(),
    pool: await db.selectFrom('pool_days').selectAll().orderBy('day').execute(),
    tail: { ts: hp.last_sample_ts, values: JSON.parse(hp.last_sample_values ?? 'null') as unknown },
    hourly: hourly.map(({ heat_pump_id: _, ...r }) => r),
    daily: (await db.selectFrom('rollups_daily').selectAll().orderBy('day').execute()).map(({ heat_pump_id: _, ...r }) => r),
    samples,
  }
  return { id, state }
}

/**
 * VictoriaMetrics keeps about 15 significant digits of a float (its decimal compression: 0.8999999999999999
 * comes back as 0.9), SQLite all 17: states compare at 12 digits.
 */
function rounded<T> (value: T): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v))) as T
}

async function open (combination: StoreCombination): Promise<TestApp | undefined> {
  const env = await combination.env()
  return env === undefined ? undefined : build({ ...env, ROLLUP_MAX_GAP_SECONDS: '900' }, NOW)
}

describe('ingest contract: every store combination holds the same after the same history', () => {
  it('answers, ledger, pool, rollups and samples equal the embedded store\'s', async () => {
    const results = new Map<string, Awaited<ReturnType<typeof runHistory>>['state']>()
    for (const combination of COMBINATIONS) {
      const t = await open(combination)
      if (t === undefined) continue
      const { state } = await runHistory(t)
      results.set(combination.name, state)

      // Self-consistency in every combination: rollups are what the raw samples give.
      const fromSamples = accumulateHours(state.samples, { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, maxGapMs: 900_000 }, new Map())
      for (const row of state.hourly) {
        const expected = fromSamples.get(row.hour)
        for (const c of ROLLUP_SUM_COLUMNS) expect(row[c], `${combination.name} hour ${row.hour} ${c}`).toBeCloseTo(expected?.[c] ?? 0, 6)
      }
      // The tail is the newest sample.
      expect(rounded(state.tail)).toEqual(rounded({ ts: state.samples.at(-1)?.ts, values: state.samples.at(-1)?.values }))
    }
    const embedded = results.get('sqlite')
    expect(embedded?.answers[1]).toEqual(embedded?.answers[0]) // replayed
    expect(embedded?.answers[2]).toMatchObject({ values: { duplicate: expect.any(Number) } })
    expect((embedded?.answers[2] as { values: { duplicate: number } }).values.duplicate).toBeGreaterThan(0)
    for (const [name, state] of results) {
      if (name === 'sqlite') continue
      expect(rounded(state), name).toEqual(rounded(embedded))
    }
    if (process.env.HEATPOOL_REQUIRE_ENGINES === '1') expect([...results.keys()]).toEqual(COMBINATIONS.map((c) => c.name))
  })
})

describe.each(COMBINATIONS)('erasure contract: $name', (combination) => {
  it('erases an installation\'s samples and relational data and leaves others alone', async (ctx) => {
    const t = await open(combination)
    if (t === undefined) return ctx.skip(NO_ENGINE)
    const a = await runHistory(t)
    const erased = await t.app.store.db.selectFrom('heat_pumps').select('id').where('installation_id', '=', a.id).executeTakeFirstOrThrow()
    const other = await t.register()
    const res0 = await t.submit({ installation_id: other.id, heatpump_model: 'AERO SLM', data: records(0, 10) }, other.token)
    expect(res0.statusCode).toBe(200)
    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${a.id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.statusCode, res.body).toBe(200)
    const deleted = res.json<{ samples_deleted: number | null }>().samples_deleted
    if (deleted !== null) expect(deleted).toBeGreaterThan(0)
    const db = t.app.store.db
    expect(await db.selectFrom('installations').select('id').where('id', '=', a.id).execute()).toEqual([])
    const hps = await db.selectFrom('heat_pumps').select(['id', 'installation_id']).execute()
    expect(hps.map((h) => h.installation_id)).toEqual([other.id])
    expect(await t.app.store.samples.read(hps[0]?.id ?? -1, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(10)
    // The erased heat pump's samples are gone from the sample store too.
    expect(await t.app.store.samples.read(erased.id, 0, Number.MAX_SAFE_INTEGER)).toEqual([])
  })
})
