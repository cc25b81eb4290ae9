import type { CommunityGrowth, QualityReport } from '@heatpool/protocol'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, v1Payload, v1Record } from '../helper.js'
import { NO_ENGINE } from '../engines/missing.js'
import { COMBINATIONS } from './combinations.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const DAY_MS = 86_400_000

/**
 * The admin quality report and the public growth answer after the same uploads are the same on
 * every store combination: their counts come from the relational store (ledger, pool days,
 * ingest figures), never from querying the sample store.
 */
describe.each(COMBINATIONS)('quality and growth figures: $name', (combination) => {
  it('count what ingest stored and dropped', async (ctx) => {
    const env = await combination.env()
    if (env === undefined) return ctx.skip(NO_ENGINE)
    const t = await build({ ...env, K_ANONYMITY: '3', PUBLIC_CACHE_SECONDS: '0' }, NOW)
    const homes = [await t.register(), await t.register(), await t.register()]
    for (const [i, home] of homes.entries()) {
      const daysAgo = i === 0 ? [3, 1] : [1]
      const records = daysAgo.map((d) => v1Record((NOW - d * DAY_MS) / 1000 - 60, i === 2 ? { temp_outside: 90 } : {}))
      const res = await t.submit(v1Payload(home.id, records), home.token)
      expect(res.statusCode, res.body).toBe(200)
    }
    const quality = (await t.inject({ method: 'GET', url: '/api/v2/admin/quality?days=7', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json<QualityReport>()
    expect(quality.daily.at(-1)).toEqual({
      day: '2026-11-27', batches: 3, records_accepted: 4, records_rejected: 0, values_stored: 19, values_rejected: 1, rejected: { out_of_range: 1 },
    })
    expect(quality.installations.map((r) => [r.installation_id, r.values_stored, r.implausible_values, r.days_with_data, r.gap_days])).toEqual([
      [homes[2]?.id, 4, 1, 1, 1],
      [homes[0]?.id, 10, 0, 2, 2],
      [homes[1]?.id, 5, 0, 1, 1],
    ])
    const growth = (await t.inject({ method: 'GET', url: '/api/v2/community/growth?days=7' })).json<CommunityGrowth>()
    expect(growth.days.slice(-4).map((d) => [d.active_installations, d.total_installations, d.data_points])).toEqual([
      [0, 0, 0], [null, 1, null], [0, 1, 0], [3, 3, 14],
    ])
  })
})
