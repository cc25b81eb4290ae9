import { describe, expect, it } from 'vitest'
import { build } from '../helper.js'
import { DAY_MS, getJson, submitFleet } from '../community/fleet.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const TODAY = Math.floor(NOW / DAY_MS)

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const comparison = '/api/v2/community/comparison?model=AERO%20SLM&window=7d'
const modelOf = (page: Json) => (page.models as Json[]).find((m) => m.heatpump_model === 'AERO SLM' || m.model === 'AERO SLM')
const lastGrowthDay = (g: Json) => (g.days as Json[]).at(-1) as Json

/**
 * An erased home leaves every community figure. Which moment is documented in docs/PRIVACY.md:
 * counts (pool status, growth) drop at once (the pool status is invalidated, growth is cached
 * for PUBLIC_CACHE_SECONDS); the cached comparisons and the models page are frozen for the UTC
 * day (rule 7) and drop it the next day — an erasure does not invalidate them, so that an
 * observer cannot difference the figures before and after one home's erasure within a day.
 */
describe('community figures after an erasure', () => {
  it('the erased home is gone from pool status and growth at once, from comparison and models the next day', async () => {
    const t = await build({ PUBLIC_CACHE_SECONDS: '10' }, NOW)
    const days = [TODAY - 2, TODAY - 1]
    const homes = await submitFleet(t, Array.from({ length: 10 }, (_, i) => ({ model: 'AERO SLM', carnot: 0.4 + i / 100, days, outdoor: 2, amplitude: 3 })))
    const before = {
      comparison: (await getJson(t, comparison)).body as Json,
      models: (await getJson(t, '/api/v2/community/models')).body as Json,
      growth: (await getJson(t, '/api/v2/community/growth?days=7')).body as Json,
      pool: (await getJson(t, '/api/v1/pool/status')).body as Json,
    }
    expect(before.comparison.overall.installations).toBe(10)
    expect(modelOf(before.models)?.installations).toBe(10)
    expect(lastGrowthDay(before.growth)).toMatchObject({ active_installations: 10, total_installations: 10 })
    expect(before.pool.total_installations).toBe(10)

    const x = homes[9] as (typeof homes)[number]
    const res = await t.inject({ method: 'DELETE', url: '/api/v2/installations/me', headers: { authorization: `Bearer ${x.token}` } })
    expect(res.statusCode, res.body).toBe(200)

    // At once: the pool status counts 9 (invalidated by the erasure).
    expect(((await getJson(t, '/api/v1/pool/status')).body as Json).total_installations).toBe(9)
    // Later the same day: growth is recounted (its cache is PUBLIC_CACHE_SECONDS), while the
    // comparison and models page are the same figures as before, to the byte.
    t.clock.advance(3_600_000)
    expect(lastGrowthDay((await getJson(t, '/api/v2/community/growth?days=7')).body as Json)).toMatchObject({ active_installations: 9, total_installations: 9 })
    expect((await getJson(t, comparison)).body).toEqual(before.comparison)
    expect((await getJson(t, '/api/v2/community/models')).body).toEqual(before.models)

    // The next day: the figures are recomputed without it (the window still covers the fleet's days).
    t.clock.advance(DAY_MS)
    const next = (await getJson(t, comparison)).body as Json
    expect(next.overall.installations).toBe(9)
    expect(modelOf((await getJson(t, '/api/v2/community/models')).body as Json)?.installations).toBe(9)
    // The erased home's COP was the fleet's highest: the top of the distribution moved down.
    expect(next.overall.p90 ?? next.overall.median).toBeLessThanOrEqual(before.comparison.overall.p90 ?? before.comparison.overall.median)
  })
})
