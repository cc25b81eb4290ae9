import type { CommunityGrowth } from '@heatpool/protocol'
import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, v1Payload, v1Record, type TestApp } from '../helper.js'

const NOW = Date.UTC(2026, 10, 27, 12)

async function growth (t: TestApp, days?: number): Promise<CommunityGrowth> {
  const res = await t.inject({ method: 'GET', url: `/api/v2/community/growth${days === undefined ? '' : `?days=${days}`}` })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<CommunityGrowth>()
}

/** `n` registered installations, each sending one v1 record (5 values) per listed day ago. */
async function fleet (t: TestApp, daysAgo: readonly (readonly number[])[]): Promise<string[]> {
  const ids: string[] = []
  for (const days of daysAgo) {
    const { id, token } = await t.register()
    ids.push(id)
    const records = days.map((d) => v1Record((NOW - d * DAY_MS) / 1000 - 60))
    const res = await t.submit(v1Payload(id, records), token)
    expect(res.statusCode, res.body).toBe(200)
  }
  return ids
}

describe('GET /api/v2/community/growth', () => {
  it('is public and validates days (7 to 730)', async () => {
    const t = await build({}, NOW)
    const r = await growth(t)
    expect([r.from, r.to, r.days.length, r.k_anonymity]).toEqual(['2025-11-27', '2026-11-26', 365, 5])
    expect(r.days.every((d) => d.active_installations === 0 && d.total_installations === 0 && d.data_points === 0)).toBe(true)
    expect((await growth(t, 7)).days.map((d) => d.day)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26'])
    for (const days of ['6', '731', 'x']) {
      const res = await t.inject({ method: 'GET', url: `/api/v2/community/growth?days=${days}` })
      expect(res.statusCode, days).toBe(422)
      expect(res.json()).toMatchObject({ code: 'HP_ERR_VALIDATION' })
    }
  })

  it('counts active and total installations and samples per day, withholding active counts under K', async () => {
    const t = await build({ K_ANONYMITY: '3', PUBLIC_CACHE_SECONDS: '0' }, NOW)
    // Five installations; days ago each sent a record on. Today (0) is not in the window.
    await fleet(t, [[40, 5, 3, 1], [5, 3, 1], [5, 1, 0], [1], [1]])
    const r = await growth(t, 7)
    expect(r.k_anonymity).toBe(3)
    expect(r.days.map((d) => [d.day, d.active_installations, d.total_installations, d.data_points])).toEqual([
      ['2026-11-20', 0, 1, 0],
      ['2026-11-21', 0, 1, 0],
      ['2026-11-22', 3, 3, 15],
      ['2026-11-23', 0, 3, 0],
      ['2026-11-24', null, 3, null], // 2 active < K: withheld, not 0, and their samples too
      ['2026-11-25', 0, 3, 0],
      ['2026-11-26', 5, 5, 25],
    ])
  })

  it('forgets an erased installation on every day', async () => {
    const t = await build({ K_ANONYMITY: '3', PUBLIC_CACHE_SECONDS: '0' }, NOW)
    const [first] = await fleet(t, [[2], [1], [1], [1]])
    expect((await growth(t, 7)).days.slice(-2).map((d) => [d.active_installations, d.total_installations])).toEqual([[null, 1], [3, 4]])
    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${first as string}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.statusCode).toBe(200)
    expect((await growth(t, 7)).days.slice(-2).map((d) => [d.active_installations, d.total_installations, d.data_points])).toEqual([[0, 0, 0], [3, 3, 15]])
  })
})
