import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, v1Payload, v1Record, type TestApp } from '../helper.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

/** `n` v1 records, one per minute, starting at `startMs`. Each stores 5 catalog values. */
function day (startMs: number, n: number) {
  return Array.from({ length: n }, (_, i) => v1Record((startMs + i * 60_000) / 1000))
}

async function ledger (t: TestApp, id: string) {
  const res = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })
  expect(res.statusCode).toBe(200)
  return res.json()
}

describe('contribution ledger at ingest', () => {
  // 20 records × 5 values = 100 samples: exactly the threshold.
  const env = { CONTRIBUTION_MIN_SAMPLES: '100' }

  it('counts a UTC day with enough on-time samples, once, whatever the retries', async () => {
    const t = await build(env, Date.UTC(2026, 10, 1, 12))
    const { id, token } = await t.register()
    const records = day(Date.UTC(2026, 10, 1, 8), 20)
    await t.submit(v1Payload(id, records.slice(0, 10)), token)
    expect((await ledger(t, id)).contribution_days).toBe(0)
    await t.submit(v1Payload(id, records.slice(10)), token)
    await t.submit(v1Payload(id, records), token, { 'idempotency-key': 'a-retry-with-another-key' })
    const l = await ledger(t, id)
    expect(l).toMatchObject({ contribution_days: 1, last_contribution_day: '2026-11-01', samples_total: 100 })
    expect(l.ledger).toEqual([{ day: '2026-11-01', samples: 100, stored: 100 }])
    expect(l.first_seen).toBe('2026-11-01T12:00:00.000Z')
  })

  it('counts consecutive days uploaded daily', async () => {
    const t = await build(env, Date.UTC(2026, 10, 1, 23, 30))
    const { id, token } = await t.register()
    for (let d = 0; d < 5; d++) {
      await t.submit(v1Payload(id, day(Date.UTC(2026, 10, 1 + d, 6), 20)), token)
      t.clock.advance(DAY_MS)
    }
    expect(await ledger(t, id)).toMatchObject({ contribution_days: 5, last_contribution_day: '2026-11-05' })
  })

  it('gives nothing for back-dated data: a month uploaded in one day earns at most the grace days', async () => {
    const t = await build(env, Date.UTC(2026, 10, 30, 12))
    const { id, token } = await t.register()
    const records = []
    for (let d = 1; d <= 30; d++) records.push(...day(Date.UTC(2026, 10, d, 6), 20))
    const res = await t.submit(v1Payload(id, records), token)
    expect(res.json().values.stored).toBe(3000)
    const l = await ledger(t, id)
    // Days 28, 29 and 30 were received before the end of D+2; the 27 others were late.
    expect(l.contribution_days).toBe(3)
    expect(l.samples_total).toBe(3000)
    const onTime = l.ledger.filter((d: { samples: number }) => d.samples > 0)
    expect(onTime.map((d: { day: string }) => d.day)).toEqual(['2026-11-28', '2026-11-29', '2026-11-30'])
    // Late days are stored and counted for the pool, just not as contributions.
    expect(l.ledger).toHaveLength(30)
    expect(l.ledger[0]).toEqual({ day: '2026-11-01', samples: 0, stored: 100 })
  })

  it('recounts contribution days when the threshold changes', async () => {
    const t = await build(env, Date.UTC(2026, 10, 3, 12))
    const { id, token } = await t.register()
    await t.submit(v1Payload(id, [...day(Date.UTC(2026, 10, 2, 6), 20), ...day(Date.UTC(2026, 10, 3, 6), 10)]), token)
    expect((await ledger(t, id)).contribution_days).toBe(1)
    await t.app.close()
    const app = await buildApp({ config: { ...t.config, CONTRIBUTION_MIN_SAMPLES: 50 }, clock: t.clock.now, logger: false })
    try {
      const res = await app.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })
      expect(res.json()).toMatchObject({ contribution_days: 2, last_contribution_day: '2026-11-03' })
    } finally {
      await app.close()
    }
  })
})
