import { describe, expect, it } from 'vitest'
import { build, type TestApp } from '../helper.js'
import { COMBINATIONS } from './combinations.js'
import { NO_ENGINE } from '../engines/missing.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const START = Date.UTC(2026, 10, 25, 0, 0)

function records (from: number, count: number) {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k
    return { timestamp: (START + i * 60_000) / 1000, temp_outside: 2 + (i % 13) / 4, temp_heat_pump_flow: 35, temp_heat_pump_return: 30, power_current: 5 + (i % 5) / 2, power_current_draw: 1.4 }
  })
}

/** 24 batches of one installation: consecutive days in pieces, some overlapping, some sent twice under one key. */
function batches (id: string) {
  const out: { key: string, body: Record<string, unknown> }[] = []
  for (let b = 0; b < 24; b++) {
    const from = b * 120 - (b % 3 === 0 ? 30 : 0) // every third overlaps the previous one
    out.push({ key: `b${b}`, body: { installation_id: id, heatpump_model: 'AERO SLM', data: records(Math.max(0, from), 150) } })
  }
  // Retries of earlier batches, under their keys.
  for (const b of [3, 7, 7, 20]) out.push(out[b] as { key: string, body: Record<string, unknown> })
  return out
}

async function state (t: TestApp, id: string) {
  const db = t.app.store.db
  const hp = await db.selectFrom('heat_pumps').select('id').where('installation_id', '=', id).executeTakeFirstOrThrow()
  const samples = await t.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)
  return {
    installation: await db.selectFrom('installations').select(['samples_total', 'contribution_days', 'last_contribution_day', 'last_sample_ts']).where('id', '=', id).executeTakeFirstOrThrow(),
    ledger: await db.selectFrom('ledger_days').select(['day', 'samples', 'stored']).where('installation_id', '=', id).orderBy('day').execute(),
    pool: await db.selectFrom('pool_days').selectAll().orderBy('day').execute(),
    hourly: (await db.selectFrom('rollups_hourly').selectAll().where('heat_pump_id', '=', hp.id).orderBy('hour').execute())
      .map(({ heat_pump_id: _, ...r }) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toPrecision(10)) : v]))),
    samples: samples.length,
  }
}

const shared = COMBINATIONS.find((c) => c.name === 'postgres+victoriametrics')

describe('several API replicas on PostgreSQL + VictoriaMetrics', () => {
  it('two replicas receiving one installation\'s batches at once end like one replica receiving them in order', async (ctx) => {
    const envA = await shared?.env()
    const envB = await shared?.env()
    if (envA === undefined || envB === undefined) return ctx.skip(NO_ENGINE)
    // Contribution days need 100 samples a day; the batches make two full days and part of a third.
    const config = { CONTRIBUTION_MIN_SAMPLES: '500', RATE_LIMIT_PER_MINUTE: '10000' }

    // One replica, batches in order.
    const single = await build({ ...envA, ...config }, NOW)
    const one = await single.register({ heatpump_model: 'AERO SLM' })
    for (const b of batches(one.id)) {
      const res = await single.submit(b.body, one.token, { 'idempotency-key': b.key })
      expect(res.statusCode, res.body).toBe(200)
    }
    const expected = await state(single, one.id)

    // Two replicas on one database and one VictoriaMetrics pool, all batches at once, alternating.
    const a = await build({ ...envB, ...config }, NOW)
    const b = await build({ ...envB, ...config }, NOW)
    const two = await a.register({ heatpump_model: 'AERO SLM' })
    const answers = await Promise.all(batches(two.id).map((batch, i) =>
      (i % 2 === 0 ? a : b).submit(batch.body, two.token, { 'idempotency-key': batch.key })))
    const byKey = new Map<string, string[]>()
    batches(two.id).forEach((batch, i) => {
      const res = answers[i]
      // 409: the same key in flight on the same replica (IETF idempotency draft).
      expect([200, 409], res?.body).toContain(res?.statusCode)
      if (res?.statusCode === 200) byKey.set(batch.key, [...(byKey.get(batch.key) ?? []), res.body])
    })
    // A key answers the same on every replica: the first answer, replayed (never "all duplicate").
    for (const [key, bodies] of byKey) expect(new Set(bodies).size, key).toBe(1)
    const got = await state(b, two.id)
    expect(got).toEqual(expected)
    expect(got.installation.contribution_days).toBeGreaterThan(0)
  })
})
