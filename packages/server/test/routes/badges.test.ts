import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { COMBINATIONS } from '../contract/combinations.js'
import { ADMIN_TOKEN, build, v1Payload, v1Record, type TestApp } from '../helper.js'
import { NO_ENGINE } from '../engines/missing.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
const START = Date.UTC(2026, 0, 1, 12)
// 20 records × 5 values = 100 samples a day: exactly the threshold. K = 3, the lowest allowed.
const ENV = { CONTRIBUTION_MIN_SAMPLES: '100', K_ANONYMITY: '3' }

interface Member {
  readonly id: string
  readonly token: string
  /** Heat output (kW) and outdoor temperature on day `i` (0 = 1 January); electricity is 1.3 kW. */
  readonly day: (i: number, date: Date) => { heat: number, outdoor: number, records?: number } | undefined
}

/** Records every 5 minutes from 06:00 UTC of the clock's day. */
function records (t: TestApp, heat: number, outdoor: number, n = 20) {
  const dayStart = Math.floor(t.clock.now() / DAY_MS) * DAY_MS + 6 * 3_600_000
  return Array.from({ length: n }, (_, k) => v1Record((dayStart + k * 300_000) / 1000, { power_current: heat, power_current_draw: 1.3, temp_outside: outdoor }))
}

/** Uploads each member's records of the day, every day for `days` days, moving the clock one day each time. */
async function simulate (t: TestApp, members: readonly Member[], days: number, firstIndex = 0): Promise<void> {
  for (let i = firstIndex; i < firstIndex + days; i++) {
    for (const m of members) {
      const plan = m.day(i, new Date(t.clock.now()))
      if (plan === undefined) continue
      const res = await t.submit(v1Payload(m.id, records(t, plan.heat, plan.outdoor, plan.records)), m.token)
      expect(res.statusCode, res.body).toBe(200)
    }
    t.clock.advance(DAY_MS)
  }
}

async function runJob (t: TestApp) {
  const res = await t.inject({ method: 'POST', url: '/api/v2/admin/badges/run', headers: admin })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ day: string, rules_version: number, installations: number, awarded: number, backdated: number }>()
}

async function me (t: TestApp, token: string, url = '/api/v2/installations/me') {
  const res = await t.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}

const badgesOf = async (t: TestApp, token: string) =>
  Object.fromEntries((await me(t, token)).badges.map((b: { id: string, earned: string }) => [b.id, b.earned]))

/**
 * Four installations of one model from 1 January 2026: A improves its COP in February at about
 * the same outdoor temperature and is the best of the group; B pauses a day; C sends half a day
 * once; D is the weakest.
 */
async function fleet (t: TestApp) {
  const register = async () => t.register({ heatpump_model: 'AERO SLM' })
  const [a, b, c, d] = [await register(), await register(), await register(), await register()]
  const members: Member[] = [
    { ...a, day: (_, date) => (date.getUTCMonth() === 0 ? { heat: 4.0, outdoor: 0 } : { heat: 5.2, outdoor: 1 }) },
    { ...b, day: (i) => (i === 10 ? undefined : { heat: 3.6, outdoor: 0 }) },
    { ...c, day: (i) => ({ heat: 3.2, outdoor: 0, ...(i === 20 ? { records: 10 } : {}) }) },
    { ...d, day: () => ({ heat: 2.6, outdoor: 0 }) },
  ]
  return { a, b, c, d, members }
}

describe('badges: the daily job over simulated uploads', () => {
  it('awards badges with the day each was first earned, and they stay', async () => {
    const t = await build(ENV, START)
    const { a, b, c, d, members } = await fleet(t)
    await simulate(t, members, 60) // 1 January to 1 March
    expect(new Date(t.clock.now()).toISOString()).toBe('2026-03-02T12:00:00.000Z')

    const first = await runJob(t)
    expect(first).toMatchObject({ day: '2026-03-02', rules_version: 1, installations: 4 })
    expect(await badgesOf(t, a.token)).toEqual({
      early_contributor: '2026-01-01',
      streak_30: '2026-01-30',
      data_quality_95: '2026-01-30',
      efficiency_improved: '2026-02-28',
      top_25_percent: '2026-03-02',
    })
    // B's pause on 11 January restarts its streak on the 12th; the quality window tolerates it.
    expect(await badgesOf(t, b.token)).toEqual({ early_contributor: '2026-01-01', streak_30: '2026-02-10', data_quality_95: '2026-01-30' })
    // C's half day (21 January) is no contribution day: the streak restarts on the 22nd.
    expect(await badgesOf(t, c.token)).toEqual({ early_contributor: '2026-01-01', streak_30: '2026-02-20', data_quality_95: '2026-01-30' })
    expect(await badgesOf(t, d.token)).toEqual({ early_contributor: '2026-01-01', streak_30: '2026-01-30', data_quality_95: '2026-01-30' })
    expect(first.awarded).toBe(5 + 3 + 3 + 3)

    // Recomputing changes nothing.
    expect(await runJob(t)).toMatchObject({ awarded: 0, backdated: 0 })

    // A stops for 20 days while D becomes the best: A no longer meets streak, quality or rank today,
    // but what it earned under these rules stays, with the same dates.
    const aBefore = await me(t, a.token)
    const others = members.slice(1).map((m) => (m.id === d.id ? { ...m, day: () => ({ heat: 12, outdoor: 0 }) } : m))
    await simulate(t, others, 20, 60)
    const second = await runJob(t)
    expect(second.day).toBe('2026-03-22')
    expect((await me(t, a.token)).badges).toEqual(aBefore.badges)
    // D is now the best of four: top 25 %, not top 10 % (that takes at least ten).
    expect(await badgesOf(t, d.token)).toEqual({ early_contributor: '2026-01-01', streak_30: '2026-01-30', data_quality_95: '2026-01-30', top_25_percent: '2026-03-22' })
  })

  it('moves an earned day earlier when late data complete an older window, never later', async () => {
    const t = await build(ENV, START)
    const a = await t.register({ heatpump_model: 'AERO SLM' })
    // No uploads on 6 and 7 January; daily otherwise until 10 February.
    await simulate(t, [{ ...a, day: (i) => (i === 5 || i === 6 ? undefined : { heat: 4, outdoor: 0 }) }], 41)
    await runJob(t)
    expect(await badgesOf(t, a.token)).toEqual({ early_contributor: '2026-01-01', streak_30: '2026-02-06', data_quality_95: '2026-02-05' })
    // The two days arrive late: stored, but no contribution days.
    for (const date of [Date.UTC(2026, 0, 6, 6), Date.UTC(2026, 0, 7, 6)]) {
      const late = Array.from({ length: 20 }, (_, k) => v1Record((date + k * 300_000) / 1000, { power_current: 4, power_current_draw: 1.3, temp_outside: 0 }))
      expect((await t.submit(v1Payload(a.id, late), a.token)).statusCode).toBe(200)
    }
    expect(await runJob(t)).toMatchObject({ awarded: 0, backdated: 1 })
    expect(await badgesOf(t, a.token)).toEqual({ early_contributor: '2026-01-01', streak_30: '2026-02-06', data_quality_95: '2026-01-30' })
  })

  it('erases an installation\'s badges with it', async () => {
    const t = await build(ENV, START)
    const a = await t.register({ heatpump_model: 'AERO SLM' })
    await simulate(t, [{ ...a, day: () => ({ heat: 4, outdoor: 0 }) }], 2)
    await runJob(t)
    expect(await badgesOf(t, a.token)).toEqual({ early_contributor: '2026-01-01' })
    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${a.id}`, headers: admin })
    expect(res.statusCode).toBe(200)
    expect(await t.app.store.db.selectFrom('badges').selectAll().execute()).toEqual([])
  })

  it('runs on its schedule', async () => {
    const t = await build({ ...ENV, BADGES_SCHEDULE: '* * * * * *' }, START)
    const a = await t.register({ heatpump_model: 'AERO SLM' })
    await simulate(t, [{ ...a, day: () => ({ heat: 4, outdoor: 0 }) }], 1)
    await expect.poll(async () => (await me(t, a.token)).badges.length, { timeout: 5000, interval: 100 }).toBe(1)
  })

  it('is an admin route', async () => {
    const t = await build(ENV, START)
    const a = await t.register()
    expect((await t.inject({ method: 'POST', url: '/api/v2/admin/badges/run' })).statusCode).toBe(401)
    expect((await t.inject({ method: 'POST', url: '/api/v2/admin/badges/run', headers: { authorization: `Bearer ${a.token}` } })).statusCode).toBe(403)
  })
})

describe('GET /api/v2/installations/me', () => {
  it('answers 401 to anything but an installation token', async () => {
    const t = await build({ ...ENV, AUTH_TOKEN: 'shared-secret-token' }, START)
    const cases: [Record<string, string>, string][] = [
      [{}, 'HP_ERR_MISSING_AUTH'],
      [{ authorization: 'Bearer not-a-known-token' }, 'HP_ERR_TOKEN_REJECTED'],
      [admin, 'HP_ERR_INSTALLATION_TOKEN_REQUIRED'],
      [{ authorization: 'Bearer shared-secret-token' }, 'HP_ERR_INSTALLATION_TOKEN_REQUIRED'],
    ]
    for (const [headers, code] of cases) {
      const res = await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers })
      expect(res.statusCode, code).toBe(401)
      expect(res.json().code).toBe(code)
    }
  })

  it('answers 401 without a token under LEGACY_OPEN_INGEST too', async () => {
    const t = await build({ ...ENV, LEGACY_OPEN_INGEST: 'true' }, START)
    const res = await t.inject({ method: 'GET', url: '/api/v2/installations/me' })
    expect(res.statusCode).toBe(401)
    expect(res.json().code).toBe('HP_ERR_INSTALLATION_TOKEN_REQUIRED')
  })

  it('describes a new installation', async () => {
    const t = await build(ENV, START)
    const a = await t.register({ heatpump_model: 'AERO SLM' })
    expect(await me(t, a.token)).toEqual({
      installation_id: a.id,
      heatpump_model: 'AERO SLM',
      model_key: expect.any(String),
      registered_at: '2026-01-01T12:00:00.000Z',
      last_sample: null,
      contribution_days: { total: 0, last: null, min_samples: 100, recent: [] },
      eligibility: {
        eligible: false, required_days: 30, days_needed: 30, recent_days: 30, lapsed: true, eligible_since: null,
        reason: '30 more contribution days needed; no contribution day in the last 30 days',
      },
      badges: [],
      badge_rules_version: 1,
    })
  })

  it('shows only the caller\'s own ledger, eligibility and badges', async () => {
    const t = await build(ENV, START)
    const { a, c, members } = await fleet(t)
    await simulate(t, members, 60)
    await runJob(t)
    // Another installation's id in the query changes nothing: the token decides.
    const mine = await me(t, a.token, `/api/v2/installations/me?installation_id=${c.id}`)
    expect(mine.installation_id).toBe(a.id)
    expect(mine.last_sample).toBe('2026-03-01T07:35:00.000Z')
    expect(mine.contribution_days).toMatchObject({ total: 60, last: '2026-03-01', min_samples: 100 })
    // The last 60 days (2 January to today, 2 March) with samples: 59 days, all counted.
    expect(mine.contribution_days.recent).toHaveLength(59)
    expect(mine.contribution_days.recent[0]).toEqual({ day: '2026-01-02', samples: 100, stored: 100, counted: true })
    expect(mine.eligibility).toEqual({
      eligible: true, required_days: 30, days_needed: 0, recent_days: 30, lapsed: false, eligible_since: '2026-01-30', reason: null,
    })
    expect(mine.badges).toContainEqual({ id: 'streak_30', title: '30-day streak', title_de: '30 Tage am Stück', earned: '2026-01-30', rules_version: 1 })

    const theirs = await me(t, c.token)
    expect(theirs.installation_id).toBe(c.id)
    expect(theirs.contribution_days.total).toBe(59)
    expect(theirs.contribution_days.recent.find((d: { day: string }) => d.day === '2026-01-21')).toEqual({ day: '2026-01-21', samples: 50, stored: 50, counted: false })
    expect(theirs.badges.map((b: { id: string }) => b.id)).not.toContain('efficiency_improved')
  })

  it('is in the OpenAPI document', async () => {
    const t = await build(ENV, START)
    const doc = (await t.inject({ method: 'GET', url: '/docs/json' })).json()
    expect(doc.paths['/api/v2/installations/me'].get.responses).toHaveProperty('200')
    expect(doc.paths['/api/v2/admin/badges/run'].post.responses).toHaveProperty('200')
  })
})

describe.each(COMBINATIONS)('badges on every store: $name', (combination) => {
  it('computes and serves the same badges', async (ctx) => {
    const env = await combination.env()
    if (env === undefined) return ctx.skip(NO_ENGINE)
    const t = await build({ ...env, ...ENV }, START)
    const { a, b, members } = await fleet(t)
    await simulate(t, members, 60)
    expect(await runJob(t)).toMatchObject({ installations: 4, awarded: 14 })
    expect(await runJob(t)).toMatchObject({ awarded: 0, backdated: 0 })
    expect(await badgesOf(t, a.token)).toEqual({
      early_contributor: '2026-01-01',
      streak_30: '2026-01-30',
      data_quality_95: '2026-01-30',
      efficiency_improved: '2026-02-28',
      top_25_percent: '2026-03-02',
    })
    expect((await me(t, b.token)).contribution_days).toMatchObject({ total: 59, last: '2026-03-01' })
  })
})
