import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, newId, v1Payload, v1Record, type TestApp } from '../helper.js'

// One installation suffices for the pool; 20 records × 5 values = 100 samples make a day.
const env = { MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', PUBLIC_CACHE_SECONDS: '0', CONTRIBUTION_MIN_SAMPLES: '100', AUTH_TOKEN: 'shared' }
const START = Date.UTC(2026, 9, 1, 12)
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

/** Uploads one contribution day's worth of samples for "today" (the fake clock's day). */
async function contributeToday (t: TestApp, id: string, token: string) {
  const base = t.clock.ms - 3 * 3_600_000
  const res = await t.submit(v1Payload(id, Array.from({ length: 20 }, (_, i) => v1Record((base + i * 60_000) / 1000))), token)
  expect(res.json().values.stored).toBe(100)
}

/** `days` consecutive days of contributions, one upload a day; the clock ends on the last day. */
async function contribute (t: TestApp, id: string, token: string, days: number) {
  for (let d = 0; d < days; d++) {
    if (d > 0) t.clock.advance(DAY_MS)
    await contributeToday(t, id, token)
  }
}

async function check (t: TestApp, id: string, token?: string, query = '') {
  const res = await t.inject({ method: 'GET', url: `/api/v1/model/check?installation_id=${id}${query}`, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  expect(res.statusCode).toBe(200)
  return res.json()
}

async function upload (t: TestApp, bytes: string, heatpumpModel?: string) {
  const query = heatpumpModel === undefined ? '' : `?heatpump_model=${encodeURIComponent(heatpumpModel)}`
  const res = await t.inject({ method: 'POST', url: `/api/v2/admin/models${query}`, headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) })
  expect(res.statusCode).toBe(201)
  return createHash('sha256').update(bytes).digest('hex')
}

describe('GET /api/v1/model/check: eligibility over simulated calendars', () => {
  it('29 contribution days: not eligible, 1 day needed; the 30th makes it eligible', async () => {
    const t = await build(env, START)
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    await contribute(t, id, token, 29)
    expect(await check(t, id, token)).toMatchObject({
      eligible: false,
      contribution_days: 29,
      days_needed: 1,
      eligible_since: null,
      reason: 'Not eligible yet: 1 more contribution day needed. Keep sharing data to access community models.',
    })
    t.clock.advance(DAY_MS)
    await contributeToday(t, id, token)
    const day30 = new Date(t.clock.ms).toISOString().slice(0, 10)
    expect(await check(t, id, token)).toMatchObject({
      eligible: true,
      contribution_days: 30,
      days_needed: 0,
      eligible_since: day30,
      reason: 'Eligible but no model available for your heat pump yet. Models are created when enough data is collected.',
      model_available: false,
      model_hash: null,
      hash: null,
      update_available: false,
    })
  })

  it('30 days of back-dated data uploaded in one day: not eligible', async () => {
    const t = await build(env, START + 30 * DAY_MS)
    const { id, token } = await t.register()
    const records = []
    for (let d = 30; d >= 1; d--) {
      const base = t.clock.ms - d * DAY_MS
      for (let i = 0; i < 20; i++) records.push(v1Record((base + i * 60_000) / 1000))
    }
    expect((await t.submit(v1Payload(id, records), token)).json().values.stored).toBe(3000)
    const res = await check(t, id, token)
    expect(res.eligible).toBe(false)
    expect(res.contribution_days).toBe(2) // only yesterday and the day before arrived in time
    expect(res.days_needed).toBe(28)
  })

  it('an eligible installation silent for 31 days is no longer eligible', async () => {
    const t = await build(env, START)
    const { id, token } = await t.register()
    await contribute(t, id, token, 30)
    t.clock.advance(30 * DAY_MS)
    // Another installation keeps the pool alive while this one is silent.
    const other = await t.register()
    await contributeToday(t, other.id, other.token)
    expect((await check(t, id, token)).eligible).toBe(true)
    t.clock.advance(DAY_MS)
    await contributeToday(t, other.id, other.token)
    expect(await check(t, id, token)).toMatchObject({
      eligible: false,
      contribution_days: 30,
      days_needed: 0,
      reason: 'No data contribution found in the last 30 days. Enable data sharing to become eligible for community models.',
      reason_de: 'Kein Datenbeitrag in den letzten 30 Tagen gefunden. Aktivieren Sie die Datenfreigabe, um für Community-Modelle berechtigt zu werden.',
    })
    // One more day of data brings it back (its 30 days are still there).
    await contributeToday(t, id, token)
    expect((await check(t, id, token)).eligible).toBe(true)
  })
})

describe('GET /api/v1/model/check: what it reveals and to whom', () => {
  it('tells an anonymous caller only eligible or not', async () => {
    const t = await build(env, START)
    const { id, token } = await t.register()
    await contribute(t, id, token, 3)
    const anonymous = await check(t, id)
    expect(anonymous).toMatchObject({
      eligible: false,
      contribution_days: null,
      days_needed: null,
      eligible_since: null,
      reason: 'Not eligible. Contribute data for 30 days to access community models.',
    })
    // The same answer as for an id that never contributed: nothing to tell them apart.
    const stranger = await check(t, newId())
    expect({ ...stranger, data_pool: null }).toEqual({ ...anonymous, data_pool: null })
    // Another installation's token or the shared token learns no more; the admin does.
    const other = await t.register()
    expect((await check(t, id, other.token)).contribution_days).toBeNull()
    expect((await check(t, id, 'shared')).contribution_days).toBeNull()
    expect((await check(t, id, ADMIN_TOKEN)).contribution_days).toBe(3)
    // A token the server does not know is ignored, not refused (old clients send theirs).
    expect((await check(t, id, 'unknown-token')).eligible).toBe(false)
  })

  it('says the pool is still growing before anything else', async () => {
    const t = await build({ ...env, MIN_INSTALLATIONS: '5' }, START)
    const { id, token } = await t.register()
    await contribute(t, id, token, 30)
    expect(await check(t, id, token)).toMatchObject({
      eligible: false,
      reason: 'Community model not yet available - data pool is still growing. Your data contributions help build the model. Please check back later.',
      data_pool: { data_sufficient: false, total_installations: 1 },
    })
  })

  it('reports the model of the installation\'s heat pump, its hash under both names, and updates', async () => {
    const t = await build(env, START)
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    await contribute(t, id, token, 30)
    const generic = await upload(t, 'generic model bytes')
    expect(await check(t, id, token)).toMatchObject({ model_hash: generic, hash: generic, model_available: true, update_available: true, reason: 'Eligible for community model.' })
    const specific = await upload(t, 'AERO SLM model bytes', 'AERO SLM')
    expect(await check(t, id, token)).toMatchObject({ model_hash: specific, data_pool: { models_available: ['AERO SLM', 'community model'] } })
    expect(await check(t, id, token, `&current_hash=${specific}`)).toMatchObject({ update_available: false })
    expect(await check(t, id, token, `&current_hash=${generic}`)).toMatchObject({ update_available: true })
    // An explicit model wins; an unknown one falls back to the generic model.
    expect((await check(t, id, token, '&model=TERRA%20SW')).model_hash).toBe(generic)
  })
})

describe('GET /api/v1/model/check: errors as upstream', () => {
  it.each([
    ['no installation_id', '', 422, 'HP_ERR_VALIDATION'],
    ['a bad installation_id', '?installation_id=nope', 400, 'HP_ERR_BAD_INSTALLATION_ID'],
    ['a bad model', `?installation_id=${newId()}&model=A%00B`, 400, 'HP_ERR_BAD_MODEL_NAME'],
  ])('%s', async (_name, query, status, code) => {
    const t = await build(env)
    const res = await t.inject({ method: 'GET', url: `/api/v1/model/check${query}` })
    expect(res.statusCode).toBe(status)
    expect(res.json().code).toBe(code)
  })

  it('uses upstream\'s detail texts', async () => {
    const t = await build(env)
    expect((await t.inject({ method: 'GET', url: '/api/v1/model/check?installation_id=nope' })).json().detail).toBe('Invalid installation_id format (must be UUID)')
    expect((await t.inject({ method: 'GET', url: `/api/v1/model/check?installation_id=${newId()}&model=A%00B` })).json().detail).toBe('Invalid model name format')
  })

  it('is rate-limited', async () => {
    const t = await build({ ...env, RATE_LIMIT_IP_PER_MINUTE: '2' })
    const codes = []
    for (let i = 0; i < 3; i++) codes.push((await t.inject({ method: 'GET', url: `/api/v1/model/check?installation_id=${newId()}` })).statusCode)
    expect(codes).toEqual([200, 200, 429])
  })
})
